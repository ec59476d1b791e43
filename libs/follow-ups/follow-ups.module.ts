import { Global, Module, type DynamicModule } from '@nestjs/common';
import { join } from 'node:path';
import { CommandRunner } from '../event-store/index.js';
import { type SqliteDatabase } from '../platform/persistence/sqlite-database.js';
import type { Clock } from '../kernel/index.js';
import { REDIS, SQLITE } from '../platform/persistence/handles.js';
import { CLOCK } from '../platform/runtime/tokens.js';
import { perProfile, type ContextOptions } from '../platform/runtime/context-module.js';
import { TREATIES, type TreatyCatalog } from '../treaty-status/index.js';
import { FollowUpsController } from './api/follow-ups.controller.js';
import { LiveUpdates, LiveUpdatesController } from './api/live-updates.js';
import { FollowUpWorkflow } from './application/follow-up-workflow.processor.js';
import { TIMERS, type Timers } from './application/timer.port.js';
import { WorkFollowUpHandler } from './application/work-follow-up.handler.js';
import { BullTimers } from './infrastructure/bullmq-timers.js';
import { PLAYBOOKS, type PlaybookCatalog } from './application/playbook-catalog.js';
import { readPlaybookCatalog } from './infrastructure/playbook-files.js';
import { SqliteTimers } from './infrastructure/sqlite-timers.js';

/**
 * The playbook and the coordinators' tasks: the follow-up workflow, its durable timers (a
 * SQLite table embedded, BullMQ queues distributed), the queues and their live stream.
 */
@Global()
@Module({})
export class FollowUpsModule {
  static register({ config, api }: ContextOptions): DynamicModule {
    const { redisUrl, redisPrefix } = config.distributed;
    return {
      module: FollowUpsModule,
      controllers: api ? [FollowUpsController, LiveUpdatesController] : [],
      providers: [
        { provide: PLAYBOOKS, useFactory: () => readPlaybookCatalog(join(config.referenceDir, 'playbooks')) },
        perProfile(TIMERS, config, {
          embedded: { useFactory: (db: SqliteDatabase) => new SqliteTimers(db), inject: [SQLITE] },
          // After Redis answered (REDIS fails fast, naming it), not before.
          distributed: { useFactory: (clock: Clock) => new BullTimers({ redis: redisUrl, clock, prefix: redisPrefix }), inject: [CLOCK, REDIS] },
        }),
        {
          provide: FollowUpWorkflow,
          useFactory: (runner: CommandRunner, timers: Timers, playbooks: PlaybookCatalog, treaties: TreatyCatalog) =>
            new FollowUpWorkflow(runner, timers, { playbookFor: (t) => playbooks.forTreaty(t), treatyFor: (code) => treaties.get(code) }),
          inject: [CommandRunner, TIMERS, PLAYBOOKS, TREATIES],
        },
        ...(api ? [WorkFollowUpHandler, LiveUpdates] : []),
      ],
      exports: [PLAYBOOKS, TIMERS, FollowUpWorkflow, ...(api ? [LiveUpdates] : [])],
    };
  }
}
