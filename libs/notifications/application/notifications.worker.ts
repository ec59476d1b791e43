import { Inject, Injectable, Logger } from '@nestjs/common';
import type { Clock } from '../../kernel/index.js';
import { FOLLOW_UPS, type FollowUpView } from '../../follow-ups/index.js';
import { READ_MODEL_STORE, type Projection, type ReadModelStore } from '../../projections/index.js';
import { OutageLog } from '../../platform/observability/outage-log.js';
import { CLOCK } from '../../platform/runtime/tokens.js';
import { digestOf, isEmptyDigest, type DigestContent, type DigestTask } from '../domain/digest.js';
import { assignmentMail, digestMail, escalationMail, type MailBody, type MailLinks, type MailTask } from '../domain/mail.js';
import { digestDue, previousDigestDay } from '../domain/person.js';
import { ASSIGNMENT_MAILS, AssignmentMails } from './assignment-mails.projection.js';
import { MAILER, OUTBOX, type Mailer, type MailOutbox, type OutboxEntry } from './notification.ports.js';
import { OutboxSender, type Composed } from './outbox-sender.js';
import { People } from './people.js';
import { TasksInReach } from './tasks-in-reach.js';
import { WEBHOOK_STORE, type WebhookStore } from './webhook.ports.js';
import { WEBHOOK_DELIVERIES, WebhookDeliveries, WebhookDispatcher } from './webhooks.js';

/** How the worker reaches people: the console's address, how long it waits at most between tries, how long sent mail keeps its words. */
export interface MailSettings {
  readonly publicUrl: string;
  readonly retryMaxMs: number;
  /** DEMARCHE_MAIL_OUTBOX_RETENTION_DAYS, in ms. */
  readonly retentionMs: number;
}
export const MAIL_SETTINGS = Symbol('MailSettings');

/** The names of the subscriptions to the log the worker hosts for notifications (their checkpoints tell their lag). */
export const NOTIFICATION_SUBSCRIPTIONS = [ASSIGNMENT_MAILS, WEBHOOK_DELIVERIES] as const;

const TICK_MS = 1000;
/** A task not in the queues yet (the projector is behind) is waited for this many tries, then mailed as it is known. */
const TASK_WAIT_ATTEMPTS = 10;
/** On stop, a send in hand has this long to end before it is cut off. */
const STOP_GRACE_MS = 3000;
const PRUNE_EVERY_MS = 3600_000;
/** Revocations made elsewhere (another process, an earlier release) are looked for this often; this process's own are handled at once. */
const REVOKED_SWEEP_EVERY_MS = 10_000;

/**
 * The worker's side of notifications: it forgets the people whose token was revoked, puts
 * each person's digest in the outbox when their hour comes, sends what the outbox holds
 * (see {@link OutboxSender}: a mail leaves only once the server took it), and, once the
 * retention has passed, removes what sent mail said but keeps its key.
 */
@Injectable()
export class NotificationsWorker {
  private readonly logger = new Logger('Notifications');
  private readonly outages = new OutageLog(this.logger);
  /** The subscriptions to the log this context needs, for the worker to host with the playbook's. */
  readonly projections: readonly Projection[];
  private readonly sender: OutboxSender;
  private timer?: NodeJS.Timeout;
  private running?: Promise<void>;
  private stopped = true;
  private stopping = new AbortController();
  private lastPruneMs = -Infinity;
  private lastSweepMs = -Infinity;

  constructor(
    @Inject(OUTBOX) private readonly outbox: MailOutbox,
    @Inject(MAILER) mailer: Mailer,
    @Inject(READ_MODEL_STORE) private readonly readModels: ReadModelStore,
    private readonly reach: TasksInReach,
    private readonly webhooks: WebhookDispatcher,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(MAIL_SETTINGS) private readonly settings: MailSettings,
    @Inject(WEBHOOK_STORE) webhookStore: WebhookStore,
    private readonly people: People,
  ) {
    this.projections = [new AssignmentMails(outbox, (campaignId) => reach.coordinatorsOf(campaignId)), new WebhookDeliveries(webhookStore)];
    this.sender = new OutboxSender(outbox, mailer, clock, (entry) => this.compose(entry), settings.retryMaxMs, this.logger);
  }

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.stopping = new AbortController();
    const tick = () => {
      this.running = this.runOnce().then(
        () => this.outages.recovered('notifications', (s) => `Notifications work again after ${s} s.`),
        (error) => this.outages.failed('notifications', `Notifications failed: ${(error as Error)?.stack ?? error}. Nothing is lost: mails wait in the outbox; the worker tries again every second. Logged once until it works again.`),
      );
      void this.running.then(() => {
        if (!this.stopped) this.timer = setTimeout(tick, TICK_MS);
      });
    };
    tick();
  }

  /** A send that does not end within a moment (a server that stalls) is cut off and left to its claim. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    const grace = setTimeout(() => this.stopping.abort(), STOP_GRACE_MS);
    await this.running;
    clearTimeout(grace);
  }

  async runOnce(): Promise<void> {
    if (Date.now() - this.lastSweepMs >= REVOKED_SWEEP_EVERY_MS) {
      await this.people.forgetRevoked();
      this.lastSweepMs = Date.now();
    }
    await this.scheduleDigests();
    await this.pruneOutbox();
    await Promise.all([this.sender.sendDue(this.stopping.signal), this.webhooks.deliverDue()]);
  }

  /** Sent and skipped mail older than the retention loses its payload and errors; its key stays, so a replay of the log does not write it again. */
  private async pruneOutbox(): Promise<void> {
    if (Date.now() - this.lastPruneMs < PRUNE_EVERY_MS) return;
    const now = this.clock.now();
    const pruned = await this.outbox.prune(new Date(now.getTime() - this.settings.retentionMs).toISOString(), now.toISOString());
    this.lastPruneMs = Date.now();
    if (pruned) this.logger.log(`Removed what ${pruned} mails sent or skipped over ${this.settings.retentionMs / 86_400_000} days ago said (DEMARCHE_MAIL_OUTBOX_RETENTION_DAYS); their keys stay in the outbox.`);
  }

  private links(secret: string): MailLinks {
    const base = this.settings.publicUrl.replace(/\/+$/, '');
    return { taskUrl: (id) => `${base}/#/follow-ups?task=${encodeURIComponent(id)}`, unsubscribeUrl: `${base}/notifications/unsubscribe/${secret}` };
  }

  /** Each person whose digest hour has come gets one outbox entry for the period, whatever it holds. */
  private async scheduleDigests(): Promise<void> {
    const now = this.clock.now();
    for (const person of await this.people.list()) {
      const due = digestDue(person, now);
      if (!due) continue;
      const key = `digest:${person.tokenId}:${due.period}`;
      if (await this.outbox.has(key)) continue;
      const tasks = await this.reach.of(person.tokenId);
      if (!tasks) continue;
      const content = digestOf(tasks.map(digestTask), due.day, previousDigestDay(person.digest, due.day));
      const at = now.toISOString();
      const empty = isEmptyDigest(content);
      await this.outbox.enqueue([
        { key, kind: 'digest', personId: person.tokenId, payload: { day: due.day, ...content }, state: empty ? 'skipped' : 'pending', attempts: 0, nextAttemptAt: '', createdAt: at, ...(empty ? { doneAt: at, lastError: 'nothing to tell' } : {}) },
      ]);
    }
  }

  private async compose(entry: OutboxEntry): Promise<Composed> {
    const stored = await this.people.get(entry.personId);
    if (!stored) return { kind: 'skip', reason: 'no person with an address for this token (never set, or forgotten)' };
    if (entry.kind !== 'digest' && !stored.assignmentMails) return { kind: 'skip', reason: 'the person turned mails about their tasks off' };
    if (entry.kind === 'digest' && stored.digest === 'off') return { kind: 'skip', reason: 'the person turned the digest off' };
    const links = this.links(stored.unsubscribeSecret);
    let body: MailBody;
    if (entry.kind !== 'digest') {
      const { followUpId, by, reason, to } = entry.payload as { followUpId: string; by?: string; reason?: string; to?: string };
      const task = await this.readModels.get<FollowUpView>(FOLLOW_UPS, followUpId);
      if (!task && entry.attempts < TASK_WAIT_ATTEMPTS) return { kind: 'wait', reason: `follow-up ${followUpId} is not in the queues yet` };
      const known = task ? mailTask(task) : { id: followUpId, kind: 'follow-up', queue: '?', countries: [], dueOn: '?', campaignId: '?' };
      body = entry.kind === 'assignment' ? assignmentMail(stored.name, known, by ?? 'someone', links) : escalationMail(stored.name, { ...known, queue: to ?? known.queue }, reason ?? 'escalated', links);
    } else {
      const content = entry.payload as unknown as DigestContent & { day: string };
      const ids = [...new Set([...content.overdue, ...content.dueSoon, ...content.opened, ...content.grown])];
      const tasks = new Map<string, MailTask>();
      for (const id of ids) {
        const task = await this.readModels.get<FollowUpView>(FOLLOW_UPS, id);
        if (task) tasks.set(id, mailTask(task));
      }
      body = digestMail(stored.name, content.day, content, tasks, links);
    }
    return { kind: 'send', mail: { to: { name: stored.name, address: stored.email }, ...body, unsubscribeUrl: links.unsubscribeUrl } };
  }
}

const mailTask = (t: FollowUpView): MailTask => ({ id: t.id, kind: t.kind, queue: t.queue, countries: t.countries, dueOn: t.dueOn, campaignId: t.campaignId });

function digestTask(t: FollowUpView): DigestTask {
  return { id: t.id, state: t.state, dueOn: t.dueOn, openedOn: t.openedOn, widenedOn: (t.timeline ?? []).filter((e) => e.type === 'FollowUpWidened').map((e) => e.occurredAt.slice(0, 10)) };
}
