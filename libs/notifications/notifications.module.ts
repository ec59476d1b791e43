import { Global, Module, type DynamicModule } from '@nestjs/common';
import type { Connection } from 'mongoose';
import { type SqliteDatabase } from '../platform/persistence/sqlite-database.js';
import { MONGO_CONNECTION, SQLITE } from '../platform/persistence/handles.js';
import { AUXILIARY_PROBES, type ServerProbe } from '../platform/observability/operations.js';
import { perProfile, type ContextOptions } from '../platform/runtime/context-module.js';
import { CalendarController, MyCalendarFeedController, MyNotificationsController, OutboxController, UnsubscribeController } from './api/notifications.controller.js';
import { CALENDAR_FEEDS, MAILER, OUTBOX, PEOPLE, type Mailer } from './application/notification.ports.js';
import { CalendarFeed } from './application/calendar-feed.js';
import { TasksInReach } from './application/tasks-in-reach.js';
import { WEBHOOK_STORE } from './application/webhook.ports.js';
import { WebhookDispatcher, Webhooks, WEBHOOK_SETTINGS } from './application/webhooks.js';
import { WebhooksController } from './api/webhooks.controller.js';
import { WebhookSecrets } from './application/webhook-secrets.js';
import { MongoWebhooks } from './infrastructure/mongo-webhooks.js';
import { SqliteWebhooks } from './infrastructure/sqlite-webhooks.js';
import { MAIL_SETTINGS, NotificationsWorker } from './application/notifications.worker.js';
import { People } from './application/people.js';
import { MongoCalendarFeeds, MongoOutbox, MongoPeople } from './infrastructure/mongo-notifications.js';
import { SmtpMailer } from './infrastructure/smtp-mailer.js';
import { SqliteCalendarFeeds, SqliteOutbox, SqlitePeople } from './infrastructure/sqlite-notifications.js';

/**
 * Mail to the people behind tokens: their addresses (sealed), the outbox the worker sends
 * from over SMTP, assignment mails and digests. The mail server is an auxiliary probe of
 * /health/ready: down, it is reported, and mail waits, but the process stays ready.
 */
@Global()
@Module({})
export class NotificationsModule {
  static register({ config, api }: ContextOptions): DynamicModule {
    const { smtpUrl, mailFrom, publicUrl, retryMaxMs, outboxRetentionMs } = config.notifications;
    return {
      module: NotificationsModule,
      controllers: api ? [MyNotificationsController, UnsubscribeController, OutboxController, MyCalendarFeedController, CalendarController, WebhooksController] : [],
      providers: [
        perProfile(PEOPLE, config, {
          embedded: { useFactory: (db: SqliteDatabase) => new SqlitePeople(db), inject: [SQLITE] },
          distributed: { useFactory: (connection: Connection) => new MongoPeople(connection), inject: [MONGO_CONNECTION] },
        }),
        perProfile(OUTBOX, config, {
          embedded: { useFactory: (db: SqliteDatabase) => new SqliteOutbox(db), inject: [SQLITE] },
          distributed: { useFactory: (connection: Connection) => new MongoOutbox(connection), inject: [MONGO_CONNECTION] },
        }),
        perProfile(CALENDAR_FEEDS, config, {
          embedded: { useFactory: (db: SqliteDatabase) => new SqliteCalendarFeeds(db), inject: [SQLITE] },
          distributed: { useFactory: (connection: Connection) => new MongoCalendarFeeds(connection), inject: [MONGO_CONNECTION] },
        }),
        perProfile(WEBHOOK_STORE, config, {
          embedded: { useFactory: (db: SqliteDatabase) => new SqliteWebhooks(db), inject: [SQLITE] },
          distributed: { useFactory: (connection: Connection) => new MongoWebhooks(connection), inject: [MONGO_CONNECTION] },
        }),
        { provide: WEBHOOK_SETTINGS, useValue: config.webhooks },
        WebhookSecrets,
        Webhooks,
        WebhookDispatcher,
        { provide: MAILER, useFactory: () => new SmtpMailer(smtpUrl, mailFrom) },
        { provide: AUXILIARY_PROBES, useFactory: (mailer: Mailer): ServerProbe[] => [{ name: 'smtp', check: () => mailer.check() }], inject: [MAILER] },
        { provide: MAIL_SETTINGS, useValue: { publicUrl, retryMaxMs, retentionMs: outboxRetentionMs } },
        People,
        TasksInReach,
        CalendarFeed,
        NotificationsWorker,
      ],
      exports: [People, NotificationsWorker, AUXILIARY_PROBES, OUTBOX],
    };
  }
}
