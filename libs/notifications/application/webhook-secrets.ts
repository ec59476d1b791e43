import { Inject, Injectable } from '@nestjs/common';
import { NOTES_CIPHER, type NotesCipher } from '../../outreach/index.js';
import { WEBHOOK_STORE, type StoredWebhook, type WebhookStore, type WebhookSubscription } from './webhook.ports.js';

/** The cipher's key of a receiver's secret: one per receiver, as for a person's address. */
const keyOf = (id: string) => `webhook-${id}`;
const CONTEXT = 'WebhookSecret';

/**
 * Receivers with their signing secrets sealed at rest (AES-256-GCM, the notes' cipher, a key
 * per receiver): in clear only in memory, while a delivery is signed. Removing a receiver
 * destroys its key. A secret an earlier release stored in clear still signs until sealed.
 */
@Injectable()
export class WebhookSecrets {
  constructor(
    @Inject(WEBHOOK_STORE) private readonly store: WebhookStore,
    @Inject(NOTES_CIPHER) private readonly cipher: NotesCipher,
  ) {}

  async add(subscription: WebhookSubscription): Promise<void> {
    const { secret, ...rest } = subscription;
    await this.store.add({ ...rest, sealedSecret: await this.cipher.seal(keyOf(subscription.id), secret, CONTEXT) });
  }

  /** Every receiver whose secret opens (a record whose key is gone is left out: it was being removed). */
  async all(): Promise<WebhookSubscription[]> {
    const stored = await this.store.subscriptions();
    const opened = await this.cipher.open(stored.flatMap((s) => (s.sealedSecret ? [{ text: s.sealedSecret, context: CONTEXT }] : [])));
    const subscriptions: WebhookSubscription[] = [];
    for (const { sealedSecret, secret: clear, ...s } of stored) {
      const secret = sealedSecret ? opened.shift() : clear;
      if (secret !== undefined) subscriptions.push({ ...s, secret });
    }
    return subscriptions;
  }

  async remove(id: string): Promise<boolean> {
    const removed = await this.store.remove(id);
    const destroyed = await this.cipher.destroy(keyOf(id));
    return removed || destroyed;
  }

  /** Seals, in place, the secrets an earlier release stored in clear; answers how many. */
  async sealClearSecrets(): Promise<number> {
    let sealed = 0;
    for (const s of await this.store.subscriptions()) {
      if (s.sealedSecret || s.secret === undefined) continue;
      if (await this.store.sealInPlace(s.id, s.secret, await this.cipher.seal(keyOf(s.id), s.secret, CONTEXT))) sealed++;
    }
    return sealed;
  }
}

/** A receiver as admins see it: never its secret, sealed or not. */
export const shownWebhook = ({ secret: _, sealedSecret: __, ...s }: StoredWebhook) => s;
