import { randomBytes, randomUUID } from 'node:crypto';
import { lookup } from 'node:dns/promises';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { Webhook } from 'standardwebhooks';
import type { Clock, RecordedEvent } from '../../kernel/index.js';
import type { BatchEffect, Projection } from '../../projections/index.js';
import { OutageLog } from '../../platform/observability/outage-log.js';
import { CLOCK } from '../../platform/runtime/tokens.js';
import { isPrivateAddress, webhookBackoffMs, webhookEventOf, WEBHOOK_EVENTS, type WebhookEventName } from '../domain/webhook.js';
import { WEBHOOK_STORE, type StoredWebhook, type WebhookDelivery, type WebhookStore, type WebhookSubscription } from './webhook.ports.js';
import { WebhookSecrets } from './webhook-secrets.js';

export interface WebhookSettings {
  /** DEMARCHE_WEBHOOKS_ALLOW_PRIVATE: receivers on loopback or private addresses are allowed (tests, an intranet). */
  readonly allowPrivate: boolean;
  readonly maxAttempts: number;
  readonly retryBaseMs: number;
}
export const WEBHOOK_SETTINGS = Symbol('WebhookSettings');

/** Why a receiver's URL is refused, or undefined when it may be used. */
export async function refusedUrl(url: string, allowPrivate: boolean): Promise<string | undefined> {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return 'url must be an absolute http(s) URL, such as https://example.org/hooks/demarche';
  }
  if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') return `url must use http or https, not ${parsed.protocol.replace(':', '')}`;
  if (parsed.username || parsed.password) return 'url must not carry a user name or password; authenticate the receiver by the signature';
  if (allowPrivate) return undefined;
  const host = parsed.hostname.replace(/^\[|\]$/g, '');
  const addresses = await lookup(host, { all: true }).catch(() => undefined);
  if (!addresses?.length) return `url's host ${host} does not resolve`;
  const inside = addresses.find((a) => isPrivateAddress(a.address));
  return inside ? `url's host ${host} is a loopback or private address (${inside.address}); set DEMARCHE_WEBHOOKS_ALLOW_PRIVATE=true to allow such receivers` : undefined;
}

/** Subscriptions and their deliveries, as admins manage them. */
@Injectable()
export class Webhooks {
  constructor(
    @Inject(WEBHOOK_STORE) readonly store: WebhookStore,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(WEBHOOK_SETTINGS) readonly settings: WebhookSettings,
    private readonly secrets: WebhookSecrets,
  ) {}

  /** The new receiver, with its secret in clear: the caller shows it once; it is stored sealed. */
  async register(url: string, events: readonly WebhookEventName[], by: string): Promise<WebhookSubscription> {
    const subscription: WebhookSubscription = { id: `wh-${randomUUID().slice(0, 12)}`, url, events: [...new Set(events)], secret: `whsec_${randomBytes(32).toString('base64')}`, createdAt: this.clock.now().toISOString(), createdBy: by };
    await this.secrets.add(subscription);
    return subscription;
  }

  /** Removes the receiver and destroys its secret's key; false when there was none. */
  remove(id: string): Promise<boolean> {
    return this.secrets.remove(id);
  }

  /** A parked (or any) delivery is tried again from its first try; false when there is none. */
  async replay(id: string): Promise<WebhookDelivery | undefined> {
    const delivery = await this.store.delivery(id);
    if (!delivery) return undefined;
    const again: WebhookDelivery = { ...delivery, state: 'pending', attempts: 0, nextAttemptAt: '' };
    await this.store.update(again);
    return again;
  }
}

export const WEBHOOK_DELIVERIES = 'webhook-deliveries';

/** Follows the log: each task event a subscription asked for becomes one delivery per subscription. */
export class WebhookDeliveries implements Projection {
  readonly name = WEBHOOK_DELIVERIES;
  readonly collections: readonly string[] = [];
  readonly handles = Object.values(WEBHOOK_EVENTS).flat();

  constructor(private readonly store: WebhookStore) {}

  async apply(event: RecordedEvent, view: Parameters<Projection['apply']>[1]): Promise<void> {
    const name = webhookEventOf(event.type);
    if (!name) return;
    const pending = view.batchEffect('webhook-deliveries', () => new PendingDeliveries(this.store));
    for (const s of await pending.subscriptions()) {
      if (!s.events.includes(name)) continue;
      const body = JSON.stringify({ type: name, timestamp: event.recordedAt, data: { eventId: event.id, eventType: event.type, occurredAt: event.occurredAt, ...(event.data as object) } });
      pending.add({ id: `msg_${s.id}_${event.id}`, subscriptionId: s.id, event: name, body, state: 'pending', attempts: 0, nextAttemptAt: '', createdAt: event.recordedAt });
    }
  }
}

class PendingDeliveries implements BatchEffect {
  private readonly deliveries: WebhookDelivery[] = [];
  private subs?: Promise<StoredWebhook[]>;
  constructor(private readonly store: WebhookStore) {}
  subscriptions(): Promise<StoredWebhook[]> {
    return (this.subs ??= this.store.subscriptions());
  }
  add(d: WebhookDelivery): void {
    this.deliveries.push(d);
  }
  async flush(): Promise<void> {
    if (this.deliveries.length) await this.store.enqueue(this.deliveries.splice(0));
  }
}

/**
 * Posts due deliveries, signed as Standard Webhooks say (`webhook-id`, `webhook-timestamp`,
 * `webhook-signature`: HMAC-SHA256 of id.timestamp.body). A 2xx delivers; anything else is
 * tried again with backoff, and after the last try the delivery is parked for an admin.
 */
@Injectable()
export class WebhookDispatcher {
  private readonly logger = new Logger('Webhooks');
  private readonly outages = new OutageLog(this.logger);
  private clearSecretsSealed = false;

  constructor(
    @Inject(WEBHOOK_STORE) private readonly store: WebhookStore,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(WEBHOOK_SETTINGS) private readonly settings: WebhookSettings,
    private readonly secrets: WebhookSecrets,
  ) {}

  async deliverDue(): Promise<void> {
    if (!this.clearSecretsSealed) {
      const sealed = await this.secrets.sealClearSecrets();
      if (sealed) this.logger.log(`Sealed the signing secrets of ${sealed} webhooks that an earlier release stored in clear.`);
      this.clearSecretsSealed = true;
    }
    const due = await this.store.due(this.clock.now().toISOString(), 50);
    if (!due.length) return;
    const subscriptions = new Map((await this.secrets.all()).map((s) => [s.id, s]));
    await Promise.all(due.map((d) => this.deliver(d, subscriptions.get(d.subscriptionId))));
  }

  private async deliver(d: WebhookDelivery, subscription: WebhookSubscription | undefined): Promise<void> {
    const now = this.clock.now();
    if (!subscription) return this.store.update({ ...d, state: 'parked', lastError: 'the webhook was removed, or its signing key destroyed', doneAt: now.toISOString() });
    const attempts = d.attempts + 1;
    let status: number | undefined;
    let error: string | undefined;
    try {
      const refused = await refusedUrl(subscription.url, this.settings.allowPrivate);
      if (refused) throw new Error(refused);
      // The timestamp is the receiver's to check against its own clock: real time, not Demarche's.
      const sentAt = new Date();
      const signature = new Webhook(subscription.secret).sign(d.id, sentAt, d.body);
      const res = await fetch(subscription.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'webhook-id': d.id, 'webhook-timestamp': String(Math.floor(sentAt.getTime() / 1000)), 'webhook-signature': signature, 'user-agent': 'Demarche-Webhooks/1' },
        body: d.body,
        redirect: 'manual',
        signal: AbortSignal.timeout(10_000),
      });
      status = res.status;
      await res.body?.cancel().catch(() => undefined);
      if (res.ok) return this.store.update({ ...d, state: 'delivered', attempts, lastStatus: status, doneAt: this.clock.now().toISOString() });
      error = `the receiver answered ${status}`;
    } catch (e) {
      error = (e as Error).message;
    }
    const parked = attempts >= this.settings.maxAttempts;
    const next = new Date(now.getTime() + webhookBackoffMs(attempts, this.settings.retryBaseMs)).toISOString();
    await this.store.update({ ...d, attempts, state: parked ? 'parked' : 'pending', nextAttemptAt: parked ? d.nextAttemptAt : next, ...(status !== undefined ? { lastStatus: status } : {}), lastError: error!, ...(parked ? { doneAt: now.toISOString() } : {}) });
    if (parked) this.logger.warn(`Webhook delivery ${d.id} to ${subscription.url} is parked after ${attempts} tries (${error}); an admin can replay it with POST /v1/webhooks/deliveries/${d.id}/replay once the receiver works.`);
    else this.outages.failed(`webhook:${subscription.id}`, `Webhook ${subscription.id} (${subscription.url}) failed: ${error}. Its deliveries are retried with backoff. Logged once until one goes through.`, 'warn');
  }
}
