import { requireKnownCountry } from '../../treaty-status/index.js';
import { Inject, Injectable } from '@nestjs/common';
import { notFound, type Iso3, type RecordedEvent } from '../../kernel/index.js';
import { EVENT_STORE, EventRegistry, PAYLOAD_CODEC, type EventStore, type PayloadCodec } from '../../event-store/index.js';
import { campaignStreamId } from '../domain/outreach.events.js';

const OUTREACH_TYPES = ['LetterDelivered', 'MeetingHeld', 'ResponseReceived'];

/**
 * A country's outreach record: every letter, meeting and response, with the notes and the
 * interlocutors in clear. It is the one view that opens sealed notes, and it reads them from
 * the log on each request, so no read model ever holds them: forgetting a mission's notes
 * (destroying its key) is enough for them to read as forgotten here.
 */
@Injectable()
export class OutreachRecordQuery {
  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(PAYLOAD_CODEC) private readonly codec: PayloadCodec,
    private readonly registry: EventRegistry,
  ) {}

  async of(iso3: Iso3, campaignId?: string) {
    await requireKnownCountry(this.store, iso3);
    const events: RecordedEvent[] = [];
    for (let after = 0; ; ) {
      const page = await this.store.query({ country: iso3, types: OUTREACH_TYPES, ...(campaignId ? { campaignId } : {}), afterPosition: after, limit: 1000 });
      events.push(...page);
      if (page.length < 1000) break;
      after = page[page.length - 1]!.position;
    }
    if (campaignId && !events.length && !(await this.store.readStream(campaignStreamId(campaignId))).length) {
      throw notFound('unknown-campaign', `There is no campaign "${campaignId}".`, 'campaignId');
    }
    const revealed = await this.codec.reveal(events.map((e) => this.registry.upcast(e)));
    const items = revealed.map((e) => ({ eventId: e.id, type: e.type, occurredAt: e.occurredAt, recordedAt: e.recordedAt, actor: e.actor, ...(e.data as object) }));
    return { iso3, items, count: items.length };
  }
}
