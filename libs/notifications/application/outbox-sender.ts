import { randomUUID } from 'node:crypto';
import type { Clock } from '../../kernel/index.js';
import { OutageLog, type OutageLogger } from '../../platform/observability/outage-log.js';
import type { Mailer, MailOutbox, OutboxEntry, OutgoingMail } from './notification.ports.js';

/** A send that has not ended by then is cut off, and tried again later. */
export const SEND_DEADLINE_MS = 60_000;
/**
 * How long a sender holds an entry it took. Longer than a send may last, so a sender that
 * lives is never overtaken while it still tries; one that died frees the entry when it runs out.
 */
export const CLAIM_MS = 2 * SEND_DEADLINE_MS;
/** A mail that cannot be written yet (its task is not in the queues) is looked at again this soon. */
const WAIT_MS = 1000;

/** What to do with an entry: send these words, skip it for good, or wait a little. */
export type Composed =
  | { readonly kind: 'send'; readonly mail: Omit<OutgoingMail, 'messageId'> }
  | { readonly kind: 'skip'; readonly reason: string }
  | { readonly kind: 'wait'; readonly reason: string };

/**
 * Sends the outbox's due entries, one at a time. Each is claimed first (its next attempt
 * moved to the claim's end, under a condition only one sender meets), so two senders never
 * hold the same mail, and a sender that dies mid-send frees it when the claim runs out.
 * A failed send is tried again with backoff; a send cut off because the process stops
 * leaves its claim to run out, as a crash would: whether the server took the mail is unknown.
 */
export class OutboxSender {
  private readonly claimant = `sender-${randomUUID()}`;
  private readonly outages: OutageLog;

  constructor(
    private readonly outbox: MailOutbox,
    private readonly mailer: Mailer,
    private readonly clock: Clock,
    private readonly compose: (entry: OutboxEntry) => Promise<Composed>,
    private readonly retryMaxMs: number,
    logger: OutageLogger,
  ) {
    this.outages = new OutageLog(logger);
  }

  async sendDue(stop: AbortSignal): Promise<void> {
    for (const seen of await this.outbox.due(this.clock.now().toISOString(), 50)) {
      if (stop.aborted) return;
      const now = this.clock.now();
      const entry = await this.outbox.claim(seen, this.claimant, new Date(now.getTime() + CLAIM_MS).toISOString());
      if (!entry) continue;
      const outcome = await this.compose(entry);
      if (outcome.kind === 'skip') {
        await this.outbox.finish(entry.key, 'skipped', now.toISOString(), outcome.reason);
        continue;
      }
      if (outcome.kind === 'wait') {
        await this.outbox.retryLater(entry.key, this.claimant, entry.attempts + 1, new Date(now.getTime() + WAIT_MS).toISOString(), outcome.reason);
        continue;
      }
      try {
        await this.mailer.send({ ...outcome.mail, messageId: `<${entry.key}@demarche>` }, AbortSignal.any([stop, AbortSignal.timeout(SEND_DEADLINE_MS)]));
      } catch (error) {
        if (stop.aborted) return;
        const attempts = entry.attempts + 1;
        const delay = Math.min(this.retryMaxMs, 1000 * 2 ** Math.min(attempts, 16));
        await this.outbox.retryLater(entry.key, this.claimant, attempts, new Date(now.getTime() + delay).toISOString(), (error as Error).message);
        this.outages.failed('smtp', `Sending mail ${entry.key} failed: ${(error as Error).message}. It stays in the outbox and is tried again with backoff (up to ${this.retryMaxMs / 1000} s apart); check SMTP_URL and that the mail server runs. Logged once until a mail goes out.`, 'warn');
        return;
      }
      await this.outbox.finish(entry.key, 'sent', this.clock.now().toISOString());
      this.outages.recovered('smtp', (s) => `The mail server takes mail again after ${s} s; the outbox is being sent.`);
    }
  }
}
