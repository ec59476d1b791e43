import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { projectRoot } from '../../libs/platform/config/config.js';
import { startTestApp, type RunningApp } from '../support/running-app.js';

/**
 * Several treaties, one picture: the ATT and the Mine Ban Convention beside the CCM. Every
 * count the API gives is checked against counts this test makes itself from the shipped files.
 */
interface Row {
  readonly iso3: string;
  readonly signed: string;
  readonly deposited: string;
  readonly eif: string;
  readonly effective: string;
  readonly since: string;
}

/** A shipped CSV as records (the files quote only fields with commas, never a quote inside). */
function csv(file: string): Record<string, string>[] {
  const [header, ...lines] = readFileSync(join(projectRoot(), 'reference', file), 'utf8').trim().split('\n');
  const split = (line: string) => [...line.matchAll(/("([^"]|"")*"|[^,]*)(,|$)/g)].map((m) => m[1]!.replace(/^"|"$/g, '')).slice(0, -1);
  const columns = header!.split(',');
  return lines.map((line) => Object.fromEntries(split(line).map((v, i) => [columns[i], v])));
}

function record(code: string): Row[] {
  const since = new Map(csv('states-since.csv').map((r) => [r.iso3!, r.since!]));
  let withdrawals = new Map<string, string>();
  try {
    withdrawals = new Map(csv(`${code}-withdrawals.csv`).map((r) => [r.iso3!, r.effective!]));
  } catch {
    // The ATT record lists no withdrawals, so it ships no withdrawals file.
  }
  return csv(`${code}-states.csv`).map((r) => ({
    iso3: r.iso3!, signed: r.signed!, deposited: r.deposited!, eif: r.entry_into_force!, effective: withdrawals.get(r.iso3!) ?? '', since: since.get(r.iso3!) ?? '',
  }));
}

/** The picture on `day`, counted from the files: deposits less withdrawals in effect, and the entry-into-force convention. */
function expected(rows: readonly Row[], day: string) {
  const on = (d: string) => d !== '' && d <= day;
  const counted = rows.filter((r) => r.since === '' || r.since <= day);
  const withdrawn = counted.filter((r) => on(r.effective)).length;
  const statesParties = counted.filter((r) => on(r.deposited) && !on(r.effective)).length;
  const signatories = counted.filter((r) => on(r.signed) && !on(r.deposited)).length;
  const inForce = counted.filter((r) => on(r.eif) && !on(r.effective)).length;
  return { asOf: day, statesParties, signatories, nonSignatories: counted.length - statesParties - signatories - withdrawn, inForce, withdrawn, states: counted.length };
}

const TREATIES = [
  { code: 'CCM', opened: '2008-12-03' },
  { code: 'APMBC', opened: '1997-12-03' },
  { code: 'ATT', opened: '2013-06-03' },
];
const TODAY = '2026-11-27';

describe('several treaties, one picture', () => {
  let app: RunningApp;
  beforeAll(async () => {
    app = await startTestApp({ now: `${TODAY}T09:00:00Z` });
    await app.settle();
  });
  afterAll(() => app.destroy());

  const get = async (path: string) => (await app.http().get(path).expect(200)).body;

  it.each(TREATIES)('gives the $code counts at every month end from its opening for signature to today, as the files count them', async ({ code, opened }) => {
    const rows = record(code.toLowerCase());
    const series = await get(`/v1/status/series?treaty=${code}&from=${opened}&to=${TODAY}`);
    expect(series.items.length).toBeGreaterThan(100);
    expect(series.items).toEqual(series.items.map((p: { asOf: string }) => expected(rows, p.asOf)));
  });

  it('gives the UNTC headline on the record date: ATT 130 signatories and 117 parties, APMBC 162 parties', async () => {
    const att = await get('/v1/status?treaty=ATT&asOf=2026-02-03');
    expect([att.statesParties, att.signatories]).toEqual([117, 25]);
    const signatures = await get('/v1/status/changes?treaty=ATT&from=2013-06-03&to=2026-02-03');
    expect(signatures.signatures).toHaveLength(130);
    expect((await get('/v1/status?treaty=APMBC&asOf=2026-02-03')).statesParties).toBe(162);
    expect((await get('/v1/status?treaty=APMBC&asOf=2026-02-21')).statesParties).toBe(161);
    const poland = (asOf: string) => get(`/v1/status/states?treaty=APMBC&asOf=${asOf}`).then((b) => b.items.find((s: { iso3: string }) => s.iso3 === 'POL').treatyStatus);
    expect([await poland('2026-02-03'), await poland('2026-02-21')]).toEqual(['state-party', 'withdrawn']);
    // The CCM's own contract is unchanged, with or without treaty=.
    expect(await get('/v1/status?asOf=2012-09-11')).toEqual(await get('/v1/status?treaty=CCM&asOf=2012-09-11'));
    expect(await get('/v1/status?asOf=2012-09-11')).toMatchObject({ statesParties: 75, signatories: 36, nonSignatories: 85 });
  });

  it('dates entries into force by each treaty\'s rule (Kuwait, Montenegro, South Sudan, the ATT\'s early deposits)', async () => {
    const changes = await get('/v1/status/changes?treaty=APMBC&from=2007-04-01&to=2011-07-09');
    const eif = (iso3: string) => changes.entriesIntoForce.find((c: { iso3: string }) => c.iso3 === iso3)?.on;
    expect([eif('KWT'), eif('MNE'), eif('SSD')]).toEqual(['2008-01-01', '2007-04-01', '2011-07-09']);
    const att = await get('/v1/status/changes?treaty=ATT&from=2014-12-24&to=2014-12-24');
    expect(att.entriesIntoForce).toHaveLength(61);
    const lateDeposit = (await get('/v1/countries/BRB/treaties?asOf=2015-08-18')).treaties.find((t: { treaty: string }) => t.treaty === 'ATT');
    expect([lateDeposit.depositedOn, lateDeposit.entryIntoForceOn, lateDeposit.inForce]).toEqual(['2015-05-20', '2015-08-18', true]);
  });

  it('shows a country across treaties on a day, each standing with its provenance', async () => {
    const usa = await get('/v1/countries/USA/treaties?asOf=2026-02-03');
    expect(usa.treaties.map((t: { treaty: string }) => t.treaty)).toEqual(['APMBC', 'ATT', 'CCM']);
    const att = usa.treaties[1];
    expect(att).toMatchObject({ treaty: 'ATT', title: 'Arms Trade Treaty', treatyStatus: 'signatory', signedOn: '2013-09-25', inForce: false });
    expect(att.declarations).toEqual([{ declaration: 'no-intention-to-become-party', on: '2019-07-18', provenance: expect.objectContaining({ type: 'TreatyDeclarationRecorded', eventId: expect.any(String), source: expect.stringMatching(/footnote 3/) }) }]);
    expect(att.provenance).toEqual([expect.objectContaining({ action: 'signature', on: '2013-09-25', type: 'StatusChanged', eventId: expect.any(String) })]);
    expect(usa.treaties[2]).toMatchObject({ treaty: 'CCM', treatyStatus: 'non-signatory', provenance: [] });
    // Before its statement the United States had made no declaration.
    expect((await get('/v1/countries/USA/treaties?asOf=2019-07-17')).treaties[1].declarations).toEqual([]);
    const pol = await get('/v1/countries/POL/treaties?asOf=2026-02-03');
    expect(pol.treaties[0]).toMatchObject({ treaty: 'APMBC', treatyStatus: 'state-party', withdrawalNotifiedOn: '2025-08-20', withdrawalEffectiveOn: '2026-02-20' });
    const aut = await get('/v1/countries/AUT?treaty=ATT&asOf=2026-02-03');
    expect(aut.declarations).toEqual([expect.objectContaining({ declaration: 'provisional-application', on: '2014-06-03' })]);
  });

  it('gives every state x every treaty on a day, adding up to each treaty\'s picture', async () => {
    const matrix = await get('/v1/status/matrix?asOf=2026-02-03');
    expect(matrix.treaties).toEqual(['APMBC', 'ATT', 'CCM']);
    expect(matrix.count).toBe(197);
    for (const code of matrix.treaties) {
      const { statesParties, signatories, nonSignatories, withdrawn, inForce } = await get(`/v1/status?treaty=${code}&asOf=2026-02-03`);
      expect(matrix.totals[code]).toEqual({ statesParties, signatories, nonSignatories, withdrawn, inForce });
    }
    const fin = matrix.items.find((r: { iso3: string }) => r.iso3 === 'FIN');
    expect(fin.treatyStatus).toEqual({ APMBC: 'withdrawn', ATT: 'state-party', CCM: 'non-signatory' });
    // Outreach targets: parties to the Mine Ban Convention that are not parties to the CCM.
    const targets = matrix.items.filter((r: any) => r.treatyStatus.APMBC === 'state-party' && r.treatyStatus.CCM !== 'state-party');
    expect(targets.length).toBeGreaterThan(40);
  });

  it('runs an ATT campaign under the ATT playbook, with the ATT\'s own obstacle', async () => {
    const post = (path: string, body: object) => app.http().post(path).send(body).expect(201);
    await post('/v1/missions', { id: 'nzl-delhi', name: 'High Commission of New Zealand in New Delhi', kind: 'non-resident', coordinator: 'NZL', accreditedTo: ['BGD', 'BTN'] });
    await post('/v1/campaigns', { id: 'att-2026', treaty: 'ATT', title: 'ATT outreach 2026', coordinators: ['NZL'], startsOn: '2026-09-01' });
    await post('/v1/countries/BGD/letters', { campaignId: 'att-2026', missionId: 'nzl-delhi', deliveredOn: '2026-09-10' });
    await post('/v1/countries/BGD/responses', { campaignId: 'att-2026', missionId: 'nzl-delhi', receivedOn: '2026-10-01', group: 'II', obstacles: ['export-control-capacity'] });
    await app.settle();
    const tasks = (await get('/v1/follow-ups?campaignId=att-2026&state=open')).items.map((f: any) => `${f.kind} ${f.countries.join('+')} ${f.dueOn}`);
    expect(tasks.sort()).toEqual(['bilateral-approach BGD 2026-12-30', 'export-control-assistance BGD 2026-11-30']);
    const bgd = await get('/v1/countries/BGD?treaty=ATT');
    expect(bgd).toMatchObject({ treatyStatus: 'signatory', group: 'II', obstacles: ['export-control-capacity'] });
    // Each treaty's file lists the obstacles its responses name: the CCW is no obstacle to the ATT.
    const ccw = await app.http().post('/v1/countries/BTN/responses').send({ campaignId: 'att-2026', missionId: 'nzl-delhi', receivedOn: '2026-10-02', group: 'II', obstacles: ['ccw-preference'] }).expect(422);
    expect(ccw.body).toMatchObject({ code: 'obstacle-not-for-treaty' });
    expect(JSON.stringify(ccw.body)).toMatch(/"obstacles"/);
    const bulk = await app.http().post('/v1/campaigns/att-2026/responses').send({ responses: [{ country: 'BTN', receivedOn: '2026-10-02', group: 'II', obstacles: ['ccw-preference'] }] }).expect(422);
    expect(JSON.stringify(bulk.body)).toMatch(/\/responses\/0\/obstacles/);
    // The CCM record of the same country is untouched by the ATT campaign.
    expect((await get('/v1/countries/BGD?treaty=CCM')).group).toBeNull();
    const report = await get('/v1/reports/universalization?treaty=ATT&asOf=2026-11-27');
    expect(JSON.stringify(report)).toMatch(/att-2026/);
    expect(JSON.stringify(await get('/v1/reports/universalization?asOf=2026-11-27'))).not.toMatch(/att-2026/);
  });

  it('lists the campaigns and the follow-ups of one treaty, each task naming its campaign\'s treaty', async () => {
    await app.http().post('/v1/campaigns').send({ id: 'ccm-2026', treaty: 'CCM', title: 'CCM outreach 2026', coordinators: ['NZL'], startsOn: '2026-09-01' }).expect(201);
    await app.http().post('/v1/countries/BTN/responses').send({ campaignId: 'ccm-2026', missionId: 'nzl-delhi', receivedOn: '2026-10-05', group: 'II', obstacles: ['capacity'] }).expect(201);
    await app.settle();
    const launched: Record<string, string> = { 'att-2026': 'ATT', 'ccm-2026': 'CCM' };
    const all = (await get('/v1/follow-ups')).items as { id: string; campaignId: string; treaty: string }[];
    expect(all.map((f) => f.treaty)).toEqual(all.map((f) => launched[f.campaignId]));
    for (const code of ['ATT', 'CCM', 'APMBC']) {
      const tasks = await get(`/v1/follow-ups?treaty=${code}`);
      expect(tasks.items.map((f: { id: string }) => f.id).sort()).toEqual(all.filter((f) => launched[f.campaignId] === code).map((f) => f.id).sort());
      const campaigns = await get(`/v1/campaigns?treaty=${code}`);
      expect(campaigns.items.map((c: { id: string }) => c.id)).toEqual(Object.keys(launched).filter((id) => launched[id] === code));
    }
    expect((await get('/v1/follow-ups?treaty=ATT')).count).toBeGreaterThan(0);
    expect((await get('/v1/campaigns')).items.map((c: { id: string; treaty: string }) => `${c.id} ${c.treaty}`).sort()).toEqual(['att-2026 ATT', 'ccm-2026 CCM']);
    expect((await get('/v1/campaigns?treaty=ATT')).items[0]).toMatchObject({ title: 'ATT outreach 2026', coordinators: ['NZL'], startsOn: '2026-09-01', approached: 1 });
    for (const path of ['/v1/follow-ups?treaty=XYZ', '/v1/follow-ups?treaty=XYZ&asOf=2026-10-01', '/v1/campaigns?treaty=XYZ']) {
      const res = await app.http().get(path).expect(404);
      expect(res.headers['content-type']).toMatch(/application\/problem\+json/);
      expect(JSON.stringify(res.body)).toMatch(/"treaty"/);
    }
  });

  it('reports the ATT\'s declarations, and the CCM\'s non-parties by their standing in the other treaties', async () => {
    const att = await get('/v1/reports/universalization?treaty=ATT&asOf=2026-02-03');
    expect(att.declarations.filter((d: any) => d.declaration === 'provisional-application')).toHaveLength(22);
    expect(att.declarations).toContainEqual({ iso3: 'USA', name: 'United States of America', declaration: 'no-intention-to-become-party', on: '2019-07-18' });
    const ccm = await get('/v1/reports/universalization?treaty=CCM&asOf=2026-02-03');
    const matrix = await get('/v1/status/matrix?asOf=2026-02-03');
    const partiesElsewhere = matrix.items.filter((r: any) => r.treatyStatus.CCM !== 'state-party' && r.treatyStatus.APMBC === 'state-party').map((r: any) => r.iso3).sort();
    expect(ccm.nonPartiesElsewhere.APMBC.statesParties.map((s: any) => s.iso3).sort()).toEqual(partiesElsewhere);
    expect(Object.keys(ccm.nonPartiesElsewhere)).toEqual(['APMBC', 'ATT']);
    const markdown = (await app.http().get('/v1/reports/universalization?treaty=ATT&asOf=2026-02-03&format=markdown').expect(200)).text;
    expect(markdown).toMatch(/## Declarations[\s\S]*United States of America: no intention to become party \(2019-07-18\)/);
    expect(markdown).toMatch(/## States not party to the ATT, in the other treaties/);
  });

  it('lists the treaties of the shipped files to any role, each entering into force on the day the views count from', async () => {
    const dir = join(projectRoot(), 'reference', 'treaties');
    const files = readdirSync(dir).filter((f) => f.endsWith('.json')).map((f) => JSON.parse(readFileSync(join(dir, f), 'utf8')));
    const analyst = (await app.http().post('/v1/tokens').send({ role: 'analyst', label: 'treaty list' }).expect(201)).body.token;
    const listed = (await app.as(analyst).get('/v1/treaties').expect(200)).body;
    expect(listed).toEqual(await get('/v1/treaties'));
    expect(listed.default).toBe('CCM');
    expect(listed.items.map((t: { code: string }) => t.code)).toEqual(files.map((f) => f.code).sort());
    for (const file of files) {
      const t = listed.items.find((i: { code: string }) => i.code === file.code);
      const { thresholdReachedOn: reached, monthsAfterDeposit: months, daysAfterDeposit: days } = file.entryIntoForce;
      // The treaty's own rule counted from the threshold deposit: the first day of the Nth month after it, or N days after it.
      const [y, m, d] = reached.split('-').map(Number);
      const on = new Date(months !== undefined ? Date.UTC(y, m - 1 + months, 1) : Date.UTC(y, m - 1, d + days)).toISOString().slice(0, 10);
      expect(t).toMatchObject({ title: file.title, name: file.name ?? file.title, openedForSignatureOn: file.openedForSignatureOn, signatureClosesOn: file.signatureClosesOn, obstacles: file.obstacles, articles: file.articles });
      expect(t.entryIntoForce).toEqual({ ...file.entryIntoForce, on });
      expect(t.withdrawal.notice).toBe(file.withdrawalNoticeDays !== undefined ? `${file.withdrawalNoticeDays} days` : `${file.withdrawalNoticeMonths} months`);
      const dayBefore = new Date(Date.parse(`${on}T00:00:00Z`) - 86_400_000).toISOString().slice(0, 10);
      expect((await get(`/v1/status?treaty=${file.code}&asOf=${dayBefore}`)).inForce).toBe(0);
      expect((await get(`/v1/status?treaty=${file.code}&asOf=${on}`)).inForce).toBeGreaterThanOrEqual(file.entryIntoForce.instrumentsRequired);
    }
    const unknown = await app.http().get('/v1/treaties?code=CCM').expect(400);
    expect(unknown.headers['content-type']).toMatch(/application\/problem\+json/);
    expect(unknown.body.errors.map((e: { field: string }) => e.field)).toEqual(['code']);
    await app.as(undefined).get('/v1/treaties').expect(401);
  });

  it('refuses an unknown treaty with a problem naming the field, on every view', async () => {
    for (const path of ['/v1/status?treaty=XYZ', '/v1/status/series?treaty=XYZ&from=2020-01-01', '/v1/status/states?treaty=XYZ', '/v1/status/changes?treaty=XYZ&from=2020-01-01', '/v1/reports/universalization?treaty=XYZ']) {
      const res = await app.http().get(path).expect(404);
      expect(res.headers['content-type']).toMatch(/application\/problem\+json/);
      expect(JSON.stringify(res.body)).toMatch(/"treaty"/);
      expect(res.body.detail ?? JSON.stringify(res.body)).toMatch(/APMBC, ATT, CCM|ATT/);
    }
    await app.http().get('/v1/status/matrix?treaty=CCM').expect(400);
    await app.http().get('/v1/countries/USA/treaties?asOf=2026-02-30').expect(400);
    await app.http().get('/v1/countries/ZZZ/treaties').expect(404);
  });

  it('refuses a signature after the entry into force naming the rule, and changes nothing', async () => {
    const before = (await get('/v1/events?stream=treaty-status-CCM-USA&limit=10')).items.length;
    const res = await app.http().post('/v1/countries/USA/treaty-actions').send({ treaty: 'CCM', action: 'signature', on: '2012-05-10' }).expect(422);
    expect(JSON.stringify(res.body)).toMatch(/CCM Art\. 15/);
    const withdrawal = await app.http().post('/v1/countries/AUT/treaty-actions').send({ treaty: 'ATT', action: 'withdrawal', on: '2026-01-05', effectiveOn: '2026-02-01' }).expect(422);
    expect(JSON.stringify(withdrawal.body)).toMatch(/effectiveOn/);
    expect(JSON.stringify(withdrawal.body)).toMatch(/ATT Art\. 24/);
    expect((await get('/v1/events?stream=treaty-status-CCM-USA&limit=10')).items.length).toBe(before);
    expect((await get('/v1/events?stream=treaty-status-ATT-AUT&limit=10')).items.map((e: { type: string }) => e.type)).toEqual(['StatusChanged', 'StatusChanged']);
  });

  it('records a withdrawal suspended by an armed conflict: the state stays a party', async () => {
    const before = (await get(`/v1/status?treaty=APMBC&asOf=${TODAY}`)).statesParties;
    await app.http().post('/v1/countries/AFG/treaty-actions').send({ treaty: 'APMBC', action: 'withdrawal', on: '2026-03-02', inArmedConflict: true }).expect(201);
    const refused = await app.http().post('/v1/countries/AUT/treaty-actions').send({ treaty: 'ATT', action: 'withdrawal', on: '2026-03-02', inArmedConflict: true }).expect(422);
    expect(refused.body).toMatchObject({ code: 'no-armed-conflict-rule' });
    await app.settle();
    const afg = (await get(`/v1/countries/AFG/treaties?asOf=${TODAY}`)).treaties[0];
    expect(afg).toMatchObject({ treaty: 'APMBC', treatyStatus: 'state-party', inForce: true, withdrawalNotifiedOn: '2026-03-02', withdrawalEffectiveOn: null, withdrawalSuspended: 'armed-conflict' });
    expect((await get(`/v1/status?treaty=APMBC&asOf=${TODAY}`)).statesParties).toBe(before);
    // The conflict ended: the same notice with the day it takes effect, not before its six months.
    await app.http().post('/v1/countries/AFG/treaty-actions').send({ treaty: 'APMBC', action: 'withdrawal', on: '2026-03-02', effectiveOn: '2026-08-01' }).expect(422);
    await app.http().post('/v1/countries/AFG/treaty-actions').send({ treaty: 'APMBC', action: 'withdrawal', on: '2026-03-02', effectiveOn: '2026-10-15' }).expect(201);
    await app.settle();
    expect((await get(`/v1/countries/AFG/treaties?asOf=${TODAY}`)).treaties[0]).toMatchObject({ treatyStatus: 'withdrawn', withdrawalEffectiveOn: '2026-10-15', withdrawalSuspended: null });
    expect((await get(`/v1/status?treaty=APMBC&asOf=${TODAY}`)).statesParties).toBe(before - 1);
    expect((await get('/v1/status/changes?treaty=APMBC&from=2026-10-01&to=2026-10-31')).withdrawals.map((w: any) => [w.iso3, w.on, w.notifiedOn])).toEqual([['AFG', '2026-10-15', '2026-03-02']]);
  });
});
