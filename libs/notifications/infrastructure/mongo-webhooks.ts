import type mongoose from 'mongoose';
import type { Connection } from 'mongoose';
import type { DeliveryState, StoredWebhook, WebhookDelivery, WebhookStore } from '../application/webhook.ports.js';

type SubscriptionDoc = StoredWebhook & { _id: string };
type DeliveryDoc = WebhookDelivery & { _id: string };
const strip = <T extends { _id: string }>({ _id, ...rest }: T) => rest;

/**
 * Webhooks (`webhooks`) and deliveries (`webhook_deliveries`, `_id` = the webhook-id) on the
 * distributed profile. One worker at a time delivers (the one holding the playbook's lease).
 */
export class MongoWebhooks implements WebhookStore {
  private readonly subs: mongoose.mongo.Collection<SubscriptionDoc>;
  private readonly sent: mongoose.mongo.Collection<DeliveryDoc>;
  constructor(connection: Connection) {
    if (!connection.db) throw new Error('The webhook store needs an open MongoDB connection.');
    this.subs = connection.db.collection<SubscriptionDoc>('webhooks');
    this.sent = connection.db.collection<DeliveryDoc>('webhook_deliveries');
  }
  async add(s: StoredWebhook): Promise<void> {
    await this.subs.insertOne({ _id: s.id, ...s });
  }
  async subscriptions(): Promise<StoredWebhook[]> {
    return (await this.subs.find({}).toArray()).map(strip).sort((a, b) => a.id.localeCompare(b.id));
  }
  async sealInPlace(id: string, secret: string, sealedSecret: string): Promise<boolean> {
    return (await this.subs.updateOne({ _id: id, secret }, { $set: { sealedSecret }, $unset: { secret: '' } })).modifiedCount === 1;
  }
  async remove(id: string): Promise<boolean> {
    return (await this.subs.deleteOne({ _id: id })).deletedCount > 0;
  }
  async enqueue(deliveries: readonly WebhookDelivery[]): Promise<void> {
    for (const d of deliveries) {
      try {
        await this.sent.insertOne({ _id: d.id, ...d });
      } catch (error) {
        if ((error as { code?: number }).code !== 11000) throw error;
      }
    }
  }
  async due(now: string, limit: number): Promise<WebhookDelivery[]> {
    const pending = (await this.sent.find({ state: 'pending' }).toArray()).map(strip);
    return pending.filter((d) => d.nextAttemptAt <= now).sort((a, b) => a.createdAt.localeCompare(b.createdAt) || a.id.localeCompare(b.id)).slice(0, limit);
  }
  async update(d: WebhookDelivery): Promise<void> {
    await this.sent.replaceOne({ _id: d.id }, { ...d } as DeliveryDoc);
  }
  async delivery(id: string): Promise<WebhookDelivery | undefined> {
    const doc = await this.sent.findOne({ _id: id });
    return doc ? strip(doc) : undefined;
  }
  async deliveries(state: DeliveryState | undefined, limit: number): Promise<WebhookDelivery[]> {
    const docs = (await this.sent.find(state ? { state } : {}).toArray()).map(strip);
    return docs.sort((a, b) => b.createdAt.localeCompare(a.createdAt)).slice(0, limit);
  }
}
