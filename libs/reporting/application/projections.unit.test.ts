import { Scenario } from '../../../tests/support/scenario.js';
import { applyBatch } from '../../projections/index.js';
import { outreachStreamId } from '../../outreach/index.js';
import { READ_MODEL_PROJECTIONS } from '../../../apps/runtime/projection-catalog.js';
import { COUNTRIES, COUNTRY_CAMPAIGNS, countryCampaignId, type CountryCampaignDoc, type CountryDoc } from './country-status.projection.js';
import { CAMPAIGNS, MISSIONS, type CampaignDoc } from './campaign-summary.projection.js';

async function busyCampaign(): Promise<Scenario> {
  const s = new Scenario();
  for (const iso3 of ['KEN', 'UGA', 'ETH']) await s.country(iso3, 'Eastern Africa');
  await s.country('NOR', 'Northern Europe', 'Europe');
  await s.launch(['KEN', 'UGA', 'ETH']);
  await s.letter('KEN', '2026-01-20');
  await s.letter('UGA', '2026-01-20');
  await s.response('KEN', '2026-02-01', { group: 'II', obstacles: ['regional-reciprocity'] });
  await s.response('UGA', '2026-02-02', { group: 'II', obstacles: ['regional-reciprocity', 'capacity'] });
  await s.response('ETH', '2026-02-03', { group: 'III' });
  await s.treatyAction('UGA', 'accession', '2026-03-01');
  return s.on('2026-03-05');
}

async function snapshot(s: Scenario) {
  const out: Record<string, unknown[]> = {};
  for (const p of READ_MODEL_PROJECTIONS) for (const c of p.collections) out[c] = await s.engine.readModels.find(c);
  return out;
}

describe('read model projections', () => {
  it('change nothing when the same events are delivered again', async () => {
    const s = await busyCampaign();
    const before = await snapshot(s);
    const all = await s.engine.store.readAll(0, 10_000);
    for (const p of READ_MODEL_PROJECTIONS) {
      await applyBatch(p, s.engine.readModels, all);
      await applyBatch(p, s.engine.readModels, all.slice(10, 20));
    }
    expect(await snapshot(s)).toEqual(before);
  });

  it('build the country dossier and the campaign summary', async () => {
    const s = await busyCampaign();
    const uga = (await s.engine.readModels.get<CountryDoc>(COUNTRIES, 'UGA'))!;
    expect(uga.treaties.CCM!.standing).toEqual({ depositedOn: '2026-03-01', depositType: 'accession', entryIntoForceOn: '2026-09-01' });
    expect(uga).not.toHaveProperty('campaigns');
    const ugaInC1 = await s.engine.readModels.get<CountryCampaignDoc>(COUNTRY_CAMPAIGNS, countryCampaignId('UGA', 'c1'));
    expect(ugaInC1).toMatchObject({ iso3: 'UGA', campaignId: 'c1', treaty: 'CCM', group: 'II', obstacles: ['capacity', 'regional-reciprocity'], letters: 1, lastResponseOn: '2026-02-02' });
    // A country's document is not touched by its campaigns' streams, so it does not grow with them.
    expect(Object.keys((uga as CountryDoc & { _seen: object })._seen)).not.toContain(outreachStreamId('c1', 'UGA'));
    expect(Object.keys((ugaInC1 as CountryCampaignDoc & { _seen: object })._seen)).toEqual([outreachStreamId('c1', 'UGA')]);
    expect(Object.values(uga.followUps)).toEqual([]);
    const ken = (await s.engine.readModels.get<CountryDoc>(COUNTRIES, 'KEN'))!;
    expect(Object.values(ken.followUps).map((f) => f.kind)).toEqual(['regional-initiative']);
    const campaign = (await s.engine.readModels.get<CampaignDoc>(CAMPAIGNS, 'c1'))!;
    expect(campaign).toMatchObject({ treaty: 'CCM', coordinators: ['NOR'], lastActivityOn: '2026-02-03' });
    const letter = { missionId: 'm1', deliveredOn: '2026-01-20', cosignedBy: ['NOR'] };
    const response = (receivedOn: string, group: string, obstacles: string[]) => ({ missionId: 'm1', receivedOn, group, ratificationUnderWay: false, wishesToSign: false, obstacles });
    expect(campaign.countries).toEqual({
      KEN: { letters: [letter], meetings: [], responses: [response('2026-02-01', 'II', ['regional-reciprocity'])] },
      UGA: { letters: [letter], meetings: [], responses: [response('2026-02-02', 'II', ['capacity', 'regional-reciprocity'])] },
      ETH: { letters: [], meetings: [], responses: [response('2026-02-03', 'III', [])] },
    });
    expect(await s.engine.readModels.get(MISSIONS, 'm1')).toMatchObject({ missionId: 'm1', kind: 'non-resident', coordinator: 'NOR', accreditedTo: ['KEN', 'UGA', 'ETH'] });
  });
});
