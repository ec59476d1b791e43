import type { Iso3, LocalDate, RecordedEvent } from '../../kernel/index.js';
import type { Projection, ProjectionView } from '../../projections/index.js';
import type { CampaignLaunched, LetterDelivered, MeetingHeld, MissionRegistered, ResponseReceived } from '../../outreach/index.js';
import type { CampaignFacts, CountryFacts, MissionFacts } from '../domain/campaign-picture.js';

export const CAMPAIGNS = 'campaigns';
export const MISSIONS = 'missions';

/** A campaign and the dated facts it recorded about each country (no notes: those stay sealed in the log). */
export interface CampaignDoc extends Partial<Omit<CampaignFacts, 'countries'>> {
  readonly campaignId: string;
  readonly countries: Readonly<Record<Iso3, CountryFacts>>;
  readonly lastActivityOn?: LocalDate;
}

/**
 * The campaigns with what they did and heard in each country, and the missions that carry
 * them out. Layout 2 keeps each letter, meeting and response with its day, for the campaign
 * as it stood on any day; layout 1 kept counts.
 */
export const campaignSummaryProjection: Projection = {
  name: 'campaign-summary',
  revision: 2,
  collections: [CAMPAIGNS, MISSIONS],
  handles: ['MissionRegistered', 'CampaignLaunched', 'LetterDelivered', 'MeetingHeld', 'ResponseReceived'],
  async apply(event: RecordedEvent, view: ProjectionView) {
    const e = event as RecordedEvent & (MissionRegistered | CampaignLaunched | LetterDelivered | MeetingHeld | ResponseReceived);
    if (e.type === 'MissionRegistered') {
      const { missionId, name, kind, coordinator, accreditedTo } = e.data;
      return view.update<MissionFacts>(MISSIONS, missionId, () => ({ missionId, name, kind, coordinator, accreditedTo }));
    }
    const campaignId = e.data.campaignId;
    await view.update<CampaignDoc>(CAMPAIGNS, campaignId, (doc) => {
      const current: CampaignDoc = doc ?? { campaignId, countries: {} };
      if (e.type === 'CampaignLaunched') {
        const { treaty, title, coordinators, startsOn } = e.data;
        return { ...current, treaty, title, coordinators, startsOn };
      }
      // In place: the document is the batch's own copy (see `ProjectionView.update`), and an
      // event changes one country, so it need not copy the map of all of them.
      const countries = current.countries as Record<Iso3, { letters: unknown[]; meetings: unknown[]; responses: unknown[] }>;
      const facts = (countries[e.data.iso3] ??= { letters: [], meetings: [], responses: [] });
      const { missionId } = e.data;
      if (e.type === 'LetterDelivered') facts.letters.push({ missionId, deliveredOn: e.data.deliveredOn, ...(e.data.cosignedBy ? { cosignedBy: e.data.cosignedBy } : {}) });
      else if (e.type === 'MeetingHeld') facts.meetings.push({ missionId, heldOn: e.data.heldOn });
      else {
        const { receivedOn, group, ratificationUnderWay, wishesToSign, depositAnnounced, obstacles } = e.data;
        facts.responses.push({ missionId, receivedOn, group, ratificationUnderWay, wishesToSign, ...(depositAnnounced ? { depositAnnounced } : {}), obstacles });
      }
      const day = e.occurredAt.slice(0, 10);
      const summary: { lastActivityOn?: LocalDate } = current;
      summary.lastActivityOn = current.lastActivityOn && current.lastActivityOn > day ? current.lastActivityOn : day;
      return current;
    });
  },
};
