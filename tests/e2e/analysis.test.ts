import { parse } from 'csv-parse/sync';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { projectRoot } from '../../libs/platform/config/config.js';
import { startTestApp, type RunningApp } from '../support/running-app.js';
import { eventually } from '../support/eventually.js';

/** The depositary record, read here independently of the application's import code. */
const record: Record<string, string>[] = parse(readFileSync(join(projectRoot(), 'reference/ccm-states.csv'), 'utf8'), { columns: true });
const withdrawals: Record<string, string>[] = parse(readFileSync(join(projectRoot(), 'reference/ccm-withdrawals.csv'), 'utf8'), { columns: true });
const since: Record<string, string>[] = parse(readFileSync(join(projectRoot(), 'reference/states-since.csv'), 'utf8'), { columns: true });

function expected(date: string) {
  const withdrawnBy = new Set(withdrawals.filter((w) => w.effective! <= date).map((w) => w.iso3));
  const exists = (iso3: string) => !since.some((s) => s.iso3 === iso3 && s.since! > date);
  const rows = record.filter((r) => exists(r.iso3!));
  const party = (r: Record<string, string>) => !!r.deposited && r.deposited <= date && !withdrawnBy.has(r.iso3!);
  const signatory = (r: Record<string, string>) => !!r.signed && r.signed <= date && !(r.deposited && r.deposited <= date);
  return {
    states: rows.length,
    statesParties: rows.filter(party).length,
    inForce: rows.filter((r) => !!r.entry_into_force && r.entry_into_force <= date && !withdrawnBy.has(r.iso3!)).length,
    signatories: rows.filter(signatory).length,
    withdrawn: rows.filter((r) => withdrawnBy.has(r.iso3!)).length,
    nonSignatories: rows.filter((r) => !party(r) && !signatory(r) && !withdrawnBy.has(r.iso3!)).length,
  };
}

function monthEnds(from: string, to: string): string[] {
  const out: string[] = [];
  for (let d = new Date(`${from}T00:00:00Z`); d.toISOString().slice(0, 10) <= to; ) {
    const end = new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 0));
    out.push(end.toISOString().slice(0, 10));
    d = new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1));
  }
  return out;
}

describe('the picture on any date', () => {
  let app: RunningApp;
  beforeAll(async () => {
    app = await startTestApp({ now: '2026-11-27T09:00:00Z' });
    await app.settle();
  });
  afterAll(() => app.destroy());

  const status = async (query: string) => (await app.http().get(`/v1/status?${query}`).expect(200)).body;

  it('agrees with the depositary record at every month end from December 2008 to today, on both conventions', async () => {
    const dates = monthEnds('2008-12-01', '2026-11-27');
    expect(dates).toHaveLength(216);
    for (const date of dates) {
      const { states, statesParties, inForce, signatories, nonSignatories, withdrawn } = await status(`treaty=CCM&asOf=${date}`);
      expect({ date, states, statesParties, inForce, signatories, nonSignatories, withdrawn }).toEqual({ date, ...expected(date) });
    }
  });

  it('gives the figures the community published', async () => {
    // 1 Aug 2010, entry into force: 38 deposits (the ISS note said 37 before Comoros was counted), 30 bound.
    expect(await status('asOf=2010-08-01')).toMatchObject({ statesParties: 38, inForce: 30 });
    // 3MSP, 11 Sep 2012: 75 parties and 36 signatories; Palestine could not yet join.
    expect(await status('asOf=2012-09-11')).toMatchObject({ statesParties: 75, signatories: 36, nonSignatories: 85, states: 196 });
    // The sources' date, 3 Feb 2026: 112 parties, 12 signatories, Lithuania withdrawn, 72 never joined.
    expect(await status('asOf=2026-02-03')).toMatchObject({ statesParties: 112, signatories: 12, withdrawn: 1, nonSignatories: 72, states: 197 });
  });

  it('counts the withdrawal when it takes effect, not when it is notified', async () => {
    const before = await status('asOf=2025-03-05');
    const after = await status('asOf=2025-03-06');
    expect([before.statesParties, before.withdrawn, before.byRegion.Europe.statesParties]).toEqual([after.statesParties + 1, 0, after.byRegion.Europe.statesParties + 1]);
    expect(after.withdrawn).toBe(1);
  });

  it('breaks the picture down by region and sub-region', async () => {
    const picture = await status('asOf=2026-02-03');
    const sum = (k: 'statesParties' | 'signatories' | 'nonSignatories') => Object.values(picture.byRegion as Record<string, Record<string, number>>).reduce((n, r) => n + r[k]!, 0);
    expect([sum('statesParties'), sum('signatories'), sum('nonSignatories')]).toEqual([112, 12, 72]);
    expect(Object.keys(picture.byRegion)).toEqual(['Africa', 'Americas', 'Asia', 'Europe', 'Oceania']);
    const africa = record.filter((r) => r.region === 'Africa' && r.signed && r.signed <= '2012-09-11' && !(r.deposited && r.deposited <= '2012-09-11')).length;
    expect((await status('asOf=2012-09-11')).byRegion.Africa.signatories).toBe(africa);
    expect(picture.bySubregion['Eastern Africa']).toEqual(expect.objectContaining({ statesParties: expect.any(Number) }));
  });

  it('answers "as we knew it then" with knownAt', async () => {
    const head = (await app.http().get('/v1/events?type=StatusChanged&limit=1000').expect(200)).body.items.at(-1);
    const seededAt: string = head.recordedAt;
    // What follows must be recorded after `seededAt`, which has millisecond precision.
    await eventually(async () => (new Date().toISOString() > seededAt ? true : undefined), 'the clock to pass the seed');
    await app.http().post('/v1/countries/AGO/treaty-actions').send({ treaty: 'CCM', action: 'ratification', on: '2026-06-30' }).expect(201);
    await app.settle();
    const today = await status('asOf=2026-07-01');
    const knewBefore = await status(`asOf=2026-07-01&knownAt=${seededAt}`);
    expect(today.statesParties).toBe(knewBefore.statesParties + 1);
    expect(knewBefore.knownAt).toBe(seededAt);
    // Before the import itself, Demarche knew of no state at all.
    expect(await status('asOf=2026-07-01&knownAt=2026-01-01')).toMatchObject({ states: 0, statesParties: 0 });
    const dossier = (await app.http().get('/v1/countries/AGO?asOf=2026-07-01').expect(200)).body;
    expect(dossier.treatyStatus.value).toBe('state-party');
    expect(dossier.depositedOn).toMatchObject({ value: '2026-06-30', provenance: { type: 'StatusChanged', actor: 'token:admin-env', occurredAt: '2026-06-30' } });
    expect(dossier.signedOn).toMatchObject({ value: '2008-12-03', provenance: { actor: 'import:ccm-states.csv', source: expect.stringContaining('UNTC') } });
    const earlier = (await app.http().get(`/v1/countries/AGO?asOf=2026-07-01&knownAt=${seededAt}`).expect(200)).body;
    expect(earlier.treatyStatus.value).toBe('signatory');
    expect(earlier.depositedOn).toEqual({ value: null, provenance: null });
  });

  it('lists what changed in a window, with group moves', async () => {
    const changes = (await app.http().get('/v1/status/changes?treaty=CCM&from=2024-01-01&to=2025-12-31').expect(200)).body;
    const names = (list: { iso3: string }[]) => list.map((c) => c.iso3);
    const expectedDeposits = record.filter((r) => r.deposited && r.deposited >= '2024-01-01' && r.deposited <= '2025-12-31').map((r) => r.iso3).sort();
    expect(names(changes.deposits).sort()).toEqual(expectedDeposits);
    expect(changes.withdrawals).toEqual([expect.objectContaining({ iso3: 'LTU', on: '2025-03-06', notifiedOn: '2024-09-06' })]);
    expect(names(changes.entriesIntoForce)).toContain('SSD');
    expect(changes.signatures).toEqual([]);
    await app.http().get('/v1/status/changes?from=2025-01-01&to=2024-01-01').expect(400);
    await app.http().get('/v1/status?asOf=2025-02-30').expect(400);
  });
});
