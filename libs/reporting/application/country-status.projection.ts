import type { Iso3, LocalDate, RecordedEvent } from '../../kernel/index.js';
import type { Projection, ProjectionView } from '../../projections/index.js';
import type { CountryOutreachEvent, Obstacle, ResponseGroup } from '../../outreach/index.js';
import { evolveStanding, type CountryRegistered, type StatusChanged, type TreatyStanding } from '../../treaty-status/index.js';
import type { FollowUpEvent } from '../../follow-ups/index.js';

export const COUNTRIES = 'countries';
/** A country's standing in one campaign, a document of its own: see {@link countryStatusProjection}. */
export const COUNTRY_CAMPAIGNS = 'country-campaigns';

/** The fact behind a field: which event said it, who, and on which dates. */
export interface Provenance {
  readonly eventId: string;
  readonly type: string;
  readonly actor: string;
  readonly occurredAt: string;
  readonly recordedAt: string;
}

export interface CampaignStanding {
  readonly treaty: string;
  readonly group?: ResponseGroup;
  readonly ratificationUnderWay?: boolean;
  readonly wishesToSign?: boolean;
  readonly obstacles: readonly Obstacle[];
  readonly assessedOn?: LocalDate;
  readonly letters: number;
  readonly lastLetterOn?: LocalDate;
  readonly meetings: number;
  readonly lastResponseOn?: LocalDate;
  readonly groupProvenance?: Provenance;
}

export interface OpenFollowUp {
  readonly id: string;
  readonly campaignId: string;
  readonly treaty: string;
  readonly kind: string;
  readonly queue: string;
  readonly dueOn: LocalDate;
}

/** What Demarche knows about one country across treaties; its campaigns are {@link CountryCampaignDoc}s. */
export interface CountryDoc {
  readonly iso3: Iso3;
  readonly name?: string;
  readonly region?: string;
  readonly subregion?: string;
  readonly treaties: Readonly<Record<string, { readonly standing: TreatyStanding; readonly provenance: readonly Provenance[] }>>;
  readonly followUps: Readonly<Record<string, OpenFollowUp>>;
}

/** One country's standing in one campaign; its id is {@link countryCampaignId}. */
export interface CountryCampaignDoc extends CampaignStanding {
  readonly id: string;
  readonly iso3: Iso3;
  readonly campaignId: string;
}

/** ISO codes are three letters, so the id is unique whatever characters the campaign id holds. */
export const countryCampaignId = (iso3: Iso3, campaignId: string) => `${iso3}:${campaignId}`;

const provenanceOf = (e: RecordedEvent): Provenance => ({ eventId: e.id, type: e.type, actor: e.actor, occurredAt: e.occurredAt, recordedAt: e.recordedAt });
const empty = (iso3: Iso3): CountryDoc => ({ iso3, treaties: {}, followUps: {} });

/**
 * Sets one open follow-up of the country in place (`update` hands over the batch's own copy
 * of the document, see `ProjectionView.update`), or drops it when `followUp` is undefined.
 */
function withFollowUp(doc: CountryDoc, followUpId: string, followUp: OpenFollowUp | undefined): CountryDoc {
  const followUps: Record<string, OpenFollowUp> = doc.followUps;
  if (followUp) followUps[followUpId] = followUp;
  else delete followUps[followUpId];
  return doc;
}

/**
 * Country status per treaty with each country's open follow-ups, and each country's standing
 * in every campaign it is approached in.
 *
 * A country's standing in a campaign is a document of its own, not a field of the country's:
 * a country is approached in campaign after campaign, and a document holding all of them (and
 * the version of every campaign's stream it saw) grows with the history, while every batch
 * that touches it reads, copies and writes it whole. Layout 1 kept them together, and a
 * rebuild of a long history slowed down as it went.
 */
export const countryStatusProjection: Projection = {
  name: 'country-status',
  revision: 2,
  collections: [COUNTRIES, COUNTRY_CAMPAIGNS],
  handles: [
    'CountryRegistered', 'StatusChanged', 'LetterDelivered', 'MeetingHeld', 'GroupAssigned', 'ResponseReceived',
    'FollowUpScheduled', 'FollowUpWidened', 'FollowUpNarrowed', 'FollowUpCompleted', 'FollowUpRetracted',
  ],
  async apply(event: RecordedEvent, view: ProjectionView) {
    const update = (iso3: Iso3, change: (doc: CountryDoc) => CountryDoc) => view.update<CountryDoc>(COUNTRIES, iso3, (doc) => change(doc ?? empty(iso3)));
    const inCampaign = (iso3: Iso3, campaignId: string, treaty: string, change: (c: CountryCampaignDoc) => CountryCampaignDoc) => {
      const id = countryCampaignId(iso3, campaignId);
      return view.update<CountryCampaignDoc>(COUNTRY_CAMPAIGNS, id, (c) => change(c ?? { id, iso3, campaignId, treaty, obstacles: [], letters: 0, meetings: 0 }));
    };
    const e = event as RecordedEvent & (CountryRegistered | StatusChanged | CountryOutreachEvent | FollowUpEvent);
    switch (e.type) {
      case 'CountryRegistered':
        return update(e.data.iso3, (doc) => ({ ...doc, ...e.data }));
      case 'StatusChanged':
        return update(e.data.iso3, (doc) => {
          const treaties: Record<string, CountryDoc['treaties'][string]> = doc.treaties;
          const current = treaties[e.data.treaty] ?? { standing: {}, provenance: [] };
          treaties[e.data.treaty] = { standing: evolveStanding(current.standing, e), provenance: [...current.provenance, provenanceOf(e)] };
          return doc;
        });
      case 'LetterDelivered':
        return inCampaign(e.data.iso3, e.data.campaignId, e.data.treaty, (c) => ({ ...c, letters: c.letters + 1, lastLetterOn: max(c.lastLetterOn, e.data.deliveredOn) }));
      case 'MeetingHeld':
        return inCampaign(e.data.iso3, e.data.campaignId, e.data.treaty, (c) => ({ ...c, meetings: c.meetings + 1 }));
      case 'ResponseReceived':
        return inCampaign(e.data.iso3, e.data.campaignId, e.data.treaty, (c) => ({ ...c, lastResponseOn: max(c.lastResponseOn, e.data.receivedOn) }));
      case 'GroupAssigned': {
        const { group, ratificationUnderWay, wishesToSign, obstacles, since } = e.data;
        return inCampaign(e.data.iso3, e.data.campaignId, e.data.treaty, (c) => ({ ...c, group, ratificationUnderWay, wishesToSign, obstacles, assessedOn: since, groupProvenance: provenanceOf(e) }));
      }
      case 'FollowUpScheduled': {
        const { followUpId, campaignId, treaty, kind, queue, dueOn } = e.data;
        for (const iso3 of e.data.countries) {
          await update(iso3, (doc) => withFollowUp(doc, followUpId, { id: followUpId, campaignId, treaty, kind, queue, dueOn }));
        }
        return;
      }
      case 'FollowUpWidened': {
        const { followUpId, iso3, countries, campaignId, treaty, kind, queue, dueOn } = e.data;
        const peer = countries.find((c) => c !== iso3);
        // Widenings of earlier releases name no details: a member that is still there has them.
        const template = campaignId && treaty && kind && queue && dueOn ? { id: followUpId, campaignId, treaty, kind, queue, dueOn } : peer ? (await view.get<CountryDoc>(COUNTRIES, peer))?.followUps[followUpId] : undefined;
        if (template) await update(iso3, (doc) => withFollowUp(doc, followUpId, template));
        return;
      }

      case 'FollowUpNarrowed':
        return update(e.data.iso3, (doc) => withFollowUp(doc, e.data.followUpId, undefined));
      case 'FollowUpCompleted':
      case 'FollowUpRetracted':
        for (const iso3 of e.data.countries) await update(iso3, (doc) => withFollowUp(doc, e.data.followUpId, undefined));
        return;
    }
  },
};

const max = (a: LocalDate | undefined, b: LocalDate) => (a && a > b ? a : b);
