import type { Iso3, LocalDate, RecordedEvent } from '../../kernel/index.js';
import type { Projection, ProjectionView } from '../../projections/index.js';
import type { CampaignLaunched, CountryOutreachEvent, Obstacle, ResponseGroup } from '../../outreach/index.js';

export const CAMPAIGNS = 'campaigns';

export interface CampaignCountry {
  readonly letters: number;
  readonly responded: boolean;
  readonly group?: ResponseGroup;
  readonly obstacles: readonly Obstacle[];
}

/** A campaign and where each approached country stands in it. */
export interface CampaignDoc extends Partial<CampaignLaunched['data']> {
  readonly campaignId: string;
  readonly countries: Readonly<Record<Iso3, CampaignCountry>>;
  readonly lastActivityOn?: LocalDate;
}

export const campaignSummaryProjection: Projection = {
  name: 'campaign-summary',
  collections: [CAMPAIGNS],
  handles: ['CampaignLaunched', 'LetterDelivered', 'MeetingHeld', 'ResponseReceived', 'GroupAssigned'],
  async apply(event: RecordedEvent, view: ProjectionView) {
    const e = event as RecordedEvent & (CampaignLaunched | CountryOutreachEvent);
    const campaignId = e.data.campaignId;
    await view.update<CampaignDoc>(CAMPAIGNS, campaignId, (doc) => {
      const current: CampaignDoc = doc ?? { campaignId, countries: {} };
      if (e.type === 'CampaignLaunched') return { ...current, ...e.data };
      // In place: the document is the batch's own copy (see `ProjectionView.update`), and an
      // event changes one country, so it need not copy the map of all of them.
      const countries: Record<Iso3, CampaignCountry> = current.countries;
      const summary: { lastActivityOn?: LocalDate } = current;
      const iso3 = e.data.iso3;
      const country: CampaignCountry = countries[iso3] ?? { letters: 0, responded: false, obstacles: [] };
      countries[iso3] =
        e.type === 'LetterDelivered' ? { ...country, letters: country.letters + 1 }
        : e.type === 'ResponseReceived' ? { ...country, responded: true }
        : e.type === 'GroupAssigned' ? { ...country, group: e.data.group, obstacles: e.data.obstacles }
        : country;
      const day = e.occurredAt.slice(0, 10);
      summary.lastActivityOn = current.lastActivityOn && current.lastActivityOn > day ? current.lastActivityOn : day;
      return current;
    });
  },
};
