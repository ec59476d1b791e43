import type { WebhookEventName } from '../domain/webhook.js';

export const WEBHOOK_STORE = Symbol('WebhookStore');

/** A receiver an admin registered; `secret` signs every delivery (Standard Webhooks, `whsec_...`). */
export interface WebhookSubscription {
  readonly id: string;
  readonly url: string;
  readonly events: readonly WebhookEventName[];
  readonly secret: string;
  readonly createdAt: string;
  readonly createdBy: string;
}

/**
 * A receiver as stored: its secret sealed under a key of its own (`sealedSecret`), like a
 * person's address. Releases before sealing stored `secret` in clear; such a record still
 * signs, and is sealed in place by the worker.
 */
export type StoredWebhook = Omit<WebhookSubscription, 'secret'> & { readonly sealedSecret?: string; readonly secret?: string };

export type DeliveryState = 'pending' | 'delivered' | 'parked';

/** One event for one receiver; its id is the `webhook-id` header, the same on every try. */
export interface WebhookDelivery {
  readonly id: string;
  readonly subscriptionId: string;
  readonly event: WebhookEventName;
  /** The JSON body, exactly as signed. */
  readonly body: string;
  readonly state: DeliveryState;
  readonly attempts: number;
  readonly nextAttemptAt: string;
  readonly createdAt: string;
  readonly lastStatus?: number;
  readonly lastError?: string;
  readonly doneAt?: string;
}

/** Where the profile keeps webhooks and their deliveries. */
export interface WebhookStore {
  add(subscription: StoredWebhook): Promise<void>;
  subscriptions(): Promise<StoredWebhook[]>;
  /** Puts `sealedSecret` in the place of the clear `secret`, if the record still holds that one; false otherwise (removed meanwhile). */
  sealInPlace(id: string, secret: string, sealedSecret: string): Promise<boolean>;
  remove(id: string): Promise<boolean>;
  /** Adds the deliveries whose id is new. */
  enqueue(deliveries: readonly WebhookDelivery[]): Promise<void>;
  due(now: string, limit: number): Promise<WebhookDelivery[]>;
  update(delivery: WebhookDelivery): Promise<void>;
  delivery(id: string): Promise<WebhookDelivery | undefined>;
  deliveries(state: DeliveryState | undefined, limit: number): Promise<WebhookDelivery[]>;
}
