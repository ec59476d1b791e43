import { writeFileSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { projectRoot } from '../../platform/config/config.js';
import { importStatesFiles } from './import-states-files.js';
import { CCM, ManualClock } from '../../../tests/support/scenario.js';
import { CommandRunner, InMemoryEventStore } from '../../event-store/index.js';
import { demarcheEventRegistry } from '../../../apps/runtime/event-types.js';
import { fold } from '../../kernel/index.js';
import { inForceOn, statusOn } from '../domain/treaty-standing.js';
import { treatyStatusDecider } from '../domain/treaty-status.decider.js';
import type { StatusChanged } from '../domain/treaty-status.events.js';
import { ImportError } from '../../kernel/index.js';

const states = join(projectRoot(), 'reference/ccm-states.csv');
const withdrawals = join(projectRoot(), 'reference/ccm-withdrawals.csv');
const since = join(projectRoot(), 'reference/states-since.csv');
const clock = new ManualClock(new Date('2026-11-27T12:00:00Z'));

function fresh() {
  const store = new InMemoryEventStore(() => clock.now());
  return { store, runner: new CommandRunner(store, demarcheEventRegistry()) };
}

async function standings(store: InMemoryEventStore) {
  const events = (await store.query({ types: ['StatusChanged'], limit: 10_000 })) as unknown as (StatusChanged & { streamId: string })[];
  const byState = new Map<string, StatusChanged[]>();
  for (const e of events) byState.set(e.data.iso3, [...(byState.get(e.data.iso3) ?? []), e]);
  return new Map([...byState].map(([iso3, evs]) => [iso3, fold(treatyStatusDecider, evs)]));
}

describe('importing the depositary record', () => {
  it('loads 197 states and every act, with Article 17 dates equal to the record', async () => {
    const { store, runner } = fresh();
    const summary = await importStatesFiles(runner, clock, CCM, { states, withdrawals });
    expect(summary).toEqual({ states: 197, countriesAdded: 197, actsAdded: 222, actsAlreadyKnown: 0, declarationsAdded: 0 });
    const csv = readFileSync(states, 'utf8').trim().split('\n').slice(1);
    const map = await standings(store);
    let deposits = 0;
    for (const line of csv) {
      const [iso3, , , , signed, deposited, , eif] = line.split(',');
      const s = map.get(iso3!) ?? {};
      expect([iso3, s.signedOn ?? '', s.depositedOn ?? '', s.entryIntoForceOn ?? '']).toEqual([iso3, signed, deposited, eif]);
      if (deposited) deposits++;
    }
    expect(deposits).toBe(113);
  });

  it('agrees with the treaty file: the 30th instrument was deposited on the threshold day', async () => {
    const { store, runner } = fresh();
    await importStatesFiles(runner, clock, CCM, { states, withdrawals });
    const deposits = [...(await standings(store)).values()].map((s) => s.depositedOn).filter(Boolean).sort();
    expect(deposits[29]).toBe(CCM.entryIntoForce.thresholdReachedOn);
    expect(deposits[30]! > CCM.entryIntoForce.thresholdReachedOn!).toBe(true);
  });

  it.each([
    // On its entry into force the convention bound the 30 states of Art. 17(1); 8 more had deposited since.
    ['2010-08-01', { parties: 38, signatories: 70, inForce: 30, withdrawn: 0 }],
    ['2026-02-03', { parties: 112, signatories: 12, inForce: 111, withdrawn: 1 }],
    ['2025-03-05', { parties: 112, signatories: 12, inForce: 112, withdrawn: 0 }],
  ])('gives the record\'s counts on %s', async (date, expected) => {
    const { store, runner } = fresh();
    await importStatesFiles(runner, clock, CCM, { states, withdrawals });
    const all = [...(await standings(store)).values()];
    const count = (status: string) => all.filter((s) => statusOn(s, date) === status).length;
    expect({ parties: count('state-party'), signatories: count('signatory'), inForce: all.filter((s) => inForceOn(s, date)).length, withdrawn: count('withdrawn') }).toEqual(expected);
  });

  it('adds nothing when run again', async () => {
    const { store, runner } = fresh();
    await importStatesFiles(runner, clock, CCM, { states, withdrawals });
    const head = await store.headPosition();
    const again = await importStatesFiles(runner, clock, CCM, { states, withdrawals });
    expect(again).toEqual({ states: 197, countriesAdded: 0, actsAdded: 0, actsAlreadyKnown: 222, declarationsAdded: 0 });
    expect(await store.headPosition()).toBe(head);
  });

  it.each([
    ['an impossible date on the last row', (l: string[]) => l.push('ZZZ,Nowhere,Asia,Southern Asia,2008-12-03,2009-02-30,ratification,2010-08-01,x'), 'line 199: deposited "2009-02-30"'],
    ['a ratification without signature', (l: string[]) => (l[2] = l[2]!.replace('AGO,Angola,Africa,Middle Africa,2008-12-03,,,', 'AGO,Angola,Africa,Middle Africa,,2011-01-01,ratification,2011-07-01')), 'line 3 (AGO): AGO has not signed CCM'],
    ['an entry into force that breaks Article 17', (l: string[]) => (l[1] = l[1]!.replace('2012-03-01', '2012-04-01')), 'line 2: entry_into_force 2012-04-01 does not follow'],
    ['a duplicate state', (l: string[]) => l.push(l[1]!), 'line 199: AFG appears twice (first on line 2)'],
    ['a signature after signature closed', (l: string[]) => l.push('ZZZ,Nowhere,Asia,Southern Asia,2010-08-01,,,,x'), 'line 199 (ZZZ): CCM Art. 15: CCM was open for signature until its entry into force on 2010-08-01'],
  ])('stops at %s with the line number, and writes nothing', async (_label, corrupt, message) => {
    const dir = mkdtempSync(join(tmpdir(), 'demarche-import-'));
    const lines = readFileSync(states, 'utf8').trim().split('\n');
    corrupt(lines);
    writeFileSync(join(dir, 'states.csv'), lines.join('\n') + '\n');
    const { store, runner } = fresh();
    const attempt = importStatesFiles(runner, clock, CCM, { states: join(dir, 'states.csv'), withdrawals });
    await expect(attempt).rejects.toThrow(ImportError);
    await expect(attempt).rejects.toThrow(message);
    expect(await store.headPosition()).toBe(0);
  });

  it('records when a state could first join, and refuses an act dated before it', async () => {
    const { store, runner } = fresh();
    await importStatesFiles(runner, clock, CCM, { states, withdrawals, universe: since });
    const ssd = (await store.readStream('country-SSD'))[0]!.data;
    expect(ssd).toEqual({ iso3: 'SSD', name: 'South Sudan', region: 'Africa', subregion: 'Eastern Africa', since: '2011-07-09' });
    const dir = mkdtempSync(join(tmpdir(), 'demarche-import-'));
    writeFileSync(join(dir, 'since.csv'), 'iso3,since,reason\nPSE,2015-06-01,wrong on purpose\n');
    const other = fresh();
    await expect(importStatesFiles(other.runner, clock, CCM, { states, withdrawals, universe: join(dir, 'since.csv') })).rejects.toThrow(
      /since\.csv, line 2: PSE acted on 2015-01-02, before it could \(since 2015-06-01\)/,
    );
    expect(await other.store.headPosition()).toBe(0);
  });

  it('refuses a withdrawal whose effective date breaks the notice period', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'demarche-import-'));
    writeFileSync(join(dir, 'w.csv'), 'iso3,notified,effective,source\nLTU,2024-09-06,2025-03-07,x\n');
    const { store, runner } = fresh();
    await expect(importStatesFiles(runner, clock, CCM, { states, withdrawals: join(dir, 'w.csv') })).rejects.toThrow('w.csv, line 2 (LTU): CCM Art. 20: a withdrawal takes effect 6 months after its notice, on 2025-03-06');
    expect(await store.headPosition()).toBe(0);
  });
});

describe('importing the ATT and APMBC records', () => {
  const reference = (f: string) => join(projectRoot(), 'reference', f);
  const load = (code: string) => JSON.parse(readFileSync(reference(`treaties/${code}.json`), 'utf8'));

  it('gives the UNTC headline of the ATT (130 signatories, 117 parties) and records its declarations on their own streams', async () => {
    const { store, runner } = fresh();
    const summary = await importStatesFiles(runner, clock, load('att'), { states: reference('att-states.csv'), declarations: reference('att-declarations.csv'), universe: since });
    expect(summary).toMatchObject({ states: 197, declarationsAdded: 23 });
    const all = [...(await standings(store)).values()];
    expect(all.filter((s) => s.signedOn && s.signedOn <= '2026-02-03').length).toBe(130);
    expect(all.filter((s) => statusOn(s, '2026-02-03') === 'state-party').length).toBe(117);
    const usa = await store.readStream('treaty-declarations-ATT-USA');
    expect(usa.map((e) => [e.type, (e.data as { declaration: string }).declaration, (e.data as { on: string }).on])).toEqual([['TreatyDeclarationRecorded', 'no-intention-to-become-party', '2019-07-18']]);
    expect(await store.readStream('treaty-status-CCM-USA')).toEqual([]);
  });

  it('gives 162 APMBC parties on the record date, Poland counted until its withdrawal takes effect', async () => {
    const { store, runner } = fresh();
    await importStatesFiles(runner, clock, load('apmbc'), { states: reference('apmbc-states.csv'), withdrawals: reference('apmbc-withdrawals.csv'), universe: since });
    const map = await standings(store);
    const parties = (day: string) => [...map.values()].filter((s) => statusOn(s, day) === 'state-party').length;
    expect(parties('2026-02-03')).toBe(162);
    expect(statusOn(map.get('POL')!, '2026-02-19')).toBe('state-party');
    expect(statusOn(map.get('POL')!, '2026-02-20')).toBe('withdrawn');
    expect(parties('2026-02-21')).toBe(161);
    expect(map.get('SSD')!.entryIntoForceOn).toBe('2011-07-09');
    expect(map.get('KWT')!.entryIntoForceOn).toBe('2008-01-01');
  });
});

describe('the shipped ATT declarations', () => {
  it('are the ones the depositary record notes, with their dates', () => {
    const rows = (f: string) => readFileSync(join(projectRoot(), 'reference', f), 'utf8').trim().split('\n').slice(1);
    const noted = rows('att-states.csv').flatMap((line) => {
      const iso3 = line.slice(0, 3);
      const provisional = /provisional application \(Art\.23\) declared (\d{4}-\d{2}-\d{2})/.exec(line);
      const statement = /communication of 18 Jul 2019: does not intend to become a party/.test(line);
      return [...(provisional ? [`${iso3},provisional-application,${provisional[1]}`] : []), ...(statement ? [`${iso3},no-intention-to-become-party,2019-07-18`] : [])];
    });
    const shipped = rows('att-declarations.csv').map((line) => line.split(',').slice(0, 3).join(','));
    expect(shipped.sort()).toEqual(noted.sort());
    expect(noted).toHaveLength(23);
  });
});
