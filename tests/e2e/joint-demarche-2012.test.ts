import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { projectRoot } from '../../libs/platform/config/config.js';
import { eventually } from '../support/eventually.js';
import { cliEnv, startTestApp, type RunningApp } from '../support/running-app.js';
import { expectedTasks, generateDemarche, initiativeMembersOn, missionsCsv, openOn, outreachCsv, statusOn, type Demarche, type ExpectedTask } from '../support/demarche-2012.js';

/**
 * The 2012 joint demarche entered in December 2026, at its real size, twice on fresh stores:
 * once from spreadsheets through the command line, once through the bulk endpoints. Every
 * figure checked is worked out in the test from the shipped depositary record.
 */
const TODAY = '2026-12-07';
const MEETING = '2012-09-11'; // the Third Meeting of States Parties
const CAMPAIGN = { id: 'ccm-2012', treaty: 'CCM', title: 'CCM joint demarche 2012', coordinators: ['JPN', 'PRT'], startsOn: '2012-06-01' };
const demarche = generateDemarche();
const expected = expectedTasks(demarche);
const root = projectRoot();

const line = (t: { kind: string; countries: readonly string[]; openedOn: string; closedOn: string | null }) => `${t.kind} ${t.countries.join('+')} opened ${t.openedOn} closed ${t.closedOn ?? '-'}`;

/** Waits until the follow-ups the timers open (a chase 30 days after each unanswered letter) are all there too. */
async function allFollowUps(app: RunningApp, position: number): Promise<any[]> {
  const want = expected.filter((t) => t.kind !== 'regional-initiative').length;
  return eventually(async () => {
    const items = (await app.http().get(`/v1/follow-ups?campaignId=ccm-2012&minPosition=${position}`).set('prefer', 'wait=60').expect(200)).body.items as any[];
    const real = items.filter((f) => f.kind !== 'regional-initiative' && !(f.state === 'retracted' && f.closedOn === f.openedOn));
    return real.length >= want ? items : undefined;
  }, `the ${want} follow-ups of the 2012 responses and unanswered letters`, 120_000);
}

function checks(entered: () => Promise<{ app: RunningApp; position: number }>) {
  let app: RunningApp;
  let position: number;
  let followUps: any[];
  beforeAll(async () => {
    ({ app, position } = await entered());
    followUps = await allFollowUps(app, position);
  }, 600_000);
  afterAll(() => app?.destroy());

  it('gives every responder the follow-up its group calls for, opened in 2012 and retracted on the day the state joined', () => {
    const stood = followUps.filter((f) => !(f.state === 'retracted' && f.closedOn === f.openedOn));
    const actual = stood.filter((f) => f.kind !== 'regional-initiative').map((f) => line(f)).sort();
    expect(actual).toEqual(expected.filter((t) => t.kind !== 'regional-initiative').map(line).sort());
    for (const f of stood.filter((f) => f.kind !== 'regional-initiative')) expect(f.state).toBe(f.closedOn ? 'retracted' : 'open');
    const named = (kind: string, iso3: string) => stood.find((f) => f.kind === kind && f.countries.includes(iso3));
    // Canada, Australia, Peru and Chad ratified after 2012: each still had its task in 2012.
    for (const iso3 of ['CAN', 'AUS', 'PER', 'TCD']) {
      const state = demarche.states.find((s) => s.iso3 === iso3)!;
      expect(named('support-ratification', iso3)).toMatchObject({ openedOn: expect.stringMatching(/^2012-/), closedOn: state.deposited, state: 'retracted' });
    }
    // South Sudan (Group II) and Cuba (Group III) joined later too.
    expect(named('bilateral-approach', 'SSD')).toMatchObject({ closedOn: '2023-08-03' });
    expect(named('high-level-engagement', 'CUB')).toMatchObject({ closedOn: '2016-04-06' });
  });

  it('keeps no country with two open occurrences of one rule', () => {
    const open = followUps.filter((f) => f.state === 'open' || f.state === 'claimed');
    const perRule = open.flatMap((f) => f.countries.map((c: string) => `${f.kind} ${c}`));
    expect(perRule.length).toBe(new Set(perRule).size);
    expect(open.every((f) => f.occurrence === 1)).toBe(true);
  });

  it('shows the queues as they stood at the Third Meeting of States Parties', async () => {
    const then = (await app.http().get(`/v1/follow-ups?campaignId=ccm-2012&asOf=${MEETING}&state=open`).expect(200)).body.items as any[];
    const want = expected.filter((t) => openOn(t, MEETING));
    expect(then.filter((f) => f.kind !== 'regional-initiative').map((f) => `${f.kind} ${f.countries.join('+')}`).sort()).toEqual(
      want.filter((t) => t.kind !== 'regional-initiative').map((t) => `${t.kind} ${t.countries.join('+')}`).sort(),
    );
    const initiatives = then.filter((f) => f.kind === 'regional-initiative').map((f) => `${f.subregion}: ${f.countries.join('+')}`).sort();
    const subregions = [...new Set(want.filter((t) => t.kind === 'regional-initiative').map((t) => subregionOf(demarche, t)))];
    expect(initiatives).toEqual(subregions.map((s) => `${s}: ${initiativeMembersOn(demarche, s, MEETING).join('+')}`).sort());
  });

  it('gives the campaign page a row per country it covers, with its mission, letter, response and status then and now', async () => {
    const page = (await app.http().get(`/v1/campaigns/ccm-2012/countries?minPosition=${position}`).expect(200)).body;
    expect(page.rows).toHaveLength(125);
    const missionOf = new Map(demarche.missions.flatMap((m) => m.accreditedTo.map((c) => [c, m] as const)));
    const letterOf = new Map(demarche.letters.map((l) => [l.country, l]));
    const responseOf = new Map(demarche.responses.map((r) => [r.country, r]));
    for (const row of page.rows) {
      const state = demarche.states.find((s) => s.iso3 === row.iso3)!;
      expect(row).toMatchObject({
        mission: { missionId: missionOf.get(row.iso3)!.id, kind: missionOf.get(row.iso3)!.kind },
        letterOn: letterOf.get(row.iso3)!.deliveredOn,
        letters: 1,
        statusAtStart: statusOn(state, CAMPAIGN.startsOn),
        status: statusOn(state, TODAY),
      });
      const r = responseOf.get(row.iso3);
      expect(row.response?.group ?? null).toBe(r?.group ?? null);
      if (r) expect(row.response).toMatchObject({ receivedOn: r.receivedOn, ratificationUnderWay: Boolean(r.ratificationUnderWay), wishesToSign: Boolean(r.wishesToSign), obstacles: [...(r.obstacles ?? [])].sort() });
    }
    expect(page.counts.letters).toMatchObject({ delivered: 125, states: 125, residentMissions: 87, nonResidentContacts: 26, cosignedBy: ['JPN', 'PRT'] });
    expect(page.counts).toMatchObject({ countries: 125, responded: 77, noResponse: 48 });
    expect(page.weekly.reduce((n: number, w: any) => n + w.letters, 0)).toBe(125);
    expect(page.weekly.reduce((n: number, w: any) => n + w.responses, 0)).toBe(77);
  });

  it('reports the campaign as the coordinators told it on 11 September 2012', async () => {
    const report = (await app.http().get(`/v1/reports/universalization?asOf=${MEETING}&campaignId=ccm-2012`).expect(200)).body;
    expect(report.campaigns).toHaveLength(1);
    const counts = report.campaigns[0].counts;
    expect(counts.letters).toMatchObject({ delivered: 125, states: 125, residentMissions: 87, nonResidentContacts: 26 });
    const stateOf = new Map(demarche.states.map((s) => [s.iso3, s]));
    const standing = demarche.responses.filter((r) => statusOn(stateOf.get(r.country)!, MEETING) !== 'state-party');
    const groupOf = (g: string) => standing.filter((r) => r.group === g && !(g === 'I' && r.depositAnnounced));
    expect([counts.groups.I.count, counts.groups.II.count, counts.groups.III.count]).toEqual([groupOf('I').length, groupOf('II').length, groupOf('III').length]);
    const names = (list: { iso3: string }[]) => list.map((c) => c.iso3).sort();
    expect(names(counts.groups.I.ratificationUnderWay)).toEqual(groupOf('I').filter((r) => r.ratificationUnderWay).map((r) => r.country).sort());
    expect(names(counts.groups.I.wishesToSign)).toEqual(groupOf('I').filter((r) => r.wishesToSign).map((r) => r.country).sort());
    expect(names(counts.expectedSoon)).toEqual(standing.filter((r) => r.depositAnnounced).map((r) => r.country).sort());
    const obstacles: Record<string, number> = {};
    for (const r of standing) for (const o of r.obstacles ?? []) obstacles[o] = (obstacles[o] ?? 0) + 1;
    expect(counts.obstacles).toEqual(obstacles);
    expect(counts.regionalInitiatives.map((i: any) => `${i.subregion}: ${i.countries.join('+')}`).sort()).toEqual(
      [...new Set(expected.filter((t) => t.kind === 'regional-initiative' && openOn(t, MEETING)).map((t) => subregionOf(demarche, t)))].map((s) => `${s}: ${initiativeMembersOn(demarche, s, MEETING).join('+')}`).sort(),
    );
    const tally = (queue: string) => ({
      open: expected.filter((t) => t.queue === queue && openOn(t, MEETING)).length,
      done: 0,
      retracted: expected.filter((t) => t.queue === queue && t.closedOn !== null && t.closedOn <= MEETING && t.closedOn !== t.openedOn).length,
    });
    expect(counts.followUps).toEqual({ bilateral: tally('bilateral'), regional: tally('regional'), 'high-level': tally('high-level') });
    expect(report.followUps).toEqual(counts.followUps);
    const markdown = (await app.http().get(`/v1/reports/universalization?asOf=${MEETING}&campaignId=ccm-2012&format=markdown`).expect(200)).text;
    expect(markdown).toContain('Through 87 resident missions and 26 non-resident points of contact, the coordinators delivered a joint letter, co-signed by JPN, PRT, to 125 states');
  });
}

function subregionOf(d: Demarche, t: ExpectedTask): string {
  return d.states.find((s) => s.iso3 === t.countries[0])!.subregion;
}

describe('the 2012 joint demarche entered from spreadsheets on the command line', () => {
  const files = mkdtempSync(join(tmpdir(), 'demarche-2012-'));
  afterAll(() => rmSync(files, { recursive: true, force: true }));
  checks(async () => {
    const app = await startTestApp({ now: `${TODAY}T09:00:00Z` });
    await app.http().post('/v1/campaigns').send(CAMPAIGN).expect(201);
    writeFileSync(join(files, 'missions.csv'), missionsCsv(demarche));
    writeFileSync(join(files, 'outreach.csv'), outreachCsv(demarche));
    const cli = (...args: string[]) => spawnSync(process.execPath, [join(root, 'bin/demarche.js'), ...args], { env: cliEnv(app.dataDir), encoding: 'utf8', cwd: root });
    const missions = cli('import-missions', join(files, 'missions.csv'));
    expect([missions.status, missions.stdout]).toEqual([0, expect.stringContaining('113 missions; 113 recorded, 0 recorded already')]);
    const outreach = cli('import-outreach', join(files, 'outreach.csv'), '--campaign', 'ccm-2012');
    expect([outreach.status, outreach.stdout]).toEqual([0, expect.stringContaining('125 letters, 77 responses; 202 recorded, 0 recorded already')]);
    expect(outreach.stderr).toMatch(/Importing outreach \[#+\] 202\/202/);
    const again = cli('import-outreach', join(files, 'outreach.csv'), '--campaign', 'ccm-2012');
    expect(again.stdout).toContain('0 recorded, 202 recorded already');
    return { app, position: Number(/log position (\d+)/.exec(outreach.stdout)![1]) };
  });
});

describe('the 2012 joint demarche entered through the bulk endpoints', () => {
  checks(async () => {
    const app = await startTestApp({ now: `${TODAY}T09:00:00Z` });
    await app.http().post('/v1/campaigns').send(CAMPAIGN).expect(201);
    for (const m of demarche.missions) await app.http().post('/v1/missions').send(m).expect(201);
    const letters = await app.http().post('/v1/campaigns/ccm-2012/letters').send({ deliveries: demarche.letters }).expect(201);
    expect(letters.body).toMatchObject({ recorded: 125, alreadyRecorded: 0 });
    const responses = await app.http().post('/v1/campaigns/ccm-2012/responses').send({ responses: demarche.responses }).expect(201);
    expect(responses.body).toMatchObject({ recorded: 77, alreadyRecorded: 0 });
    const again = await app.http().post('/v1/campaigns/ccm-2012/responses').send({ responses: demarche.responses }).expect(201);
    expect(again.body).toMatchObject({ recorded: 0, alreadyRecorded: 77, eventIds: [] });
    return { app, position: Math.max(letters.body.position, responses.body.position) };
  });
});
