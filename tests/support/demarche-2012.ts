import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { projectRoot } from '../../libs/platform/config/config.js';

/**
 * A generated campaign the size of the 2012 Japan/Portugal joint demarche, and what its
 * follow-ups must be, worked out here from the shipped depositary record and the playbook's
 * words (not from Demarche's code): 113 missions (87 resident, 26 non-resident points of
 * contact), a letter in June-July 2012 to each of the 125 states not party on 1 June 2012,
 * 77 responses in the three groups, all posted in December 2026.
 */

export interface State {
  readonly iso3: string;
  readonly name: string;
  readonly region: string;
  readonly subregion: string;
  readonly signed?: string;
  readonly deposited?: string;
}

export interface Mission {
  readonly id: string;
  readonly name: string;
  readonly kind: 'resident' | 'non-resident';
  readonly coordinator: 'JPN' | 'PRT';
  readonly accreditedTo: readonly string[];
}

export interface Letter {
  readonly country: string;
  readonly missionId: string;
  readonly deliveredOn: string;
}

export interface Response {
  readonly country: string;
  readonly missionId: string;
  readonly receivedOn: string;
  readonly group: 'I' | 'II' | 'III';
  readonly ratificationUnderWay?: boolean;
  readonly wishesToSign?: boolean;
  readonly depositAnnounced?: boolean;
  readonly obstacles?: readonly string[];
}

/** A task as the playbook's words give it: its kind, countries, the day it opened and the day it closed. */
export interface ExpectedTask {
  readonly kind: string;
  readonly queue: 'bilateral' | 'regional' | 'high-level';
  readonly countries: readonly string[];
  readonly openedOn: string;
  readonly closedOn: string | null;
}

const START = '2012-06-01';
const root = projectRoot();

function addDays(day: string, n: number): string {
  const d = new Date(`${day}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + n);
  return d.toISOString().slice(0, 10);
}

/** A small deterministic generator, so that every run posts the same campaign. */
function prng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function shippedStates(): State[] {
  const rows = parse(readFileSync(join(root, 'reference/ccm-states.csv'), 'utf8'), { columns: true, skip_empty_lines: true }) as Record<string, string>[];
  const since = new Map((parse(readFileSync(join(root, 'reference/states-since.csv'), 'utf8'), { columns: true }) as Record<string, string>[]).map((r) => [r.iso3!, r.since!]));
  return rows
    .filter((r) => !since.has(r.iso3!) || since.get(r.iso3!)! <= START)
    .map((r) => ({ iso3: r.iso3!, name: r.name!, region: r.region!, subregion: r.subregion!, ...(r.signed ? { signed: r.signed } : {}), ...(r.deposited ? { deposited: r.deposited } : {}) }));
}

/** The record's status on a day, by the deposit-date convention. */
export function statusOn(state: State, day: string): 'state-party' | 'signatory' | 'non-signatory' {
  if (state.deposited && state.deposited <= day) return 'state-party';
  if (state.signed && state.signed <= day) return 'signatory';
  return 'non-signatory';
}

const GROUP_I = ['CAN', 'AUS', 'PER', 'TCD'];
const OBSTACLES = ['ccw-preference', 'awaiting-major-producers', 'security-environment', 'domestic-politics', 'capacity'];

export function generateDemarche() {
  const random = prng(20120611);
  const states = shippedStates();
  const targets = states.filter((s) => statusOn(s, START) !== 'state-party').sort((a, b) => (a.iso3 < b.iso3 ? -1 : 1));
  // 87 resident missions; the other 38 states are covered by 26 non-resident points of contact (12 of them cover two).
  const missions: Mission[] = [];
  const missionOf = new Map<string, Mission>();
  const coordinator = (i: number) => (i % 2 ? 'PRT' : 'JPN') as 'JPN' | 'PRT';
  targets.slice(0, 87).forEach((s, i) => {
    const m: Mission = { id: `${coordinator(i).toLowerCase()}-in-${s.iso3.toLowerCase()}`, name: `Embassy of ${coordinator(i) === 'JPN' ? 'Japan' : 'Portugal'} in ${s.name}`, kind: 'resident', coordinator: coordinator(i), accreditedTo: [s.iso3] };
    missions.push(m);
    missionOf.set(s.iso3, m);
  });
  const rest = targets.slice(87);
  for (let k = 0, i = 0; k < 26; k++) {
    const covered = rest.slice(i, i + (k < 12 ? 2 : 1));
    i += covered.length;
    const m: Mission = { id: `${coordinator(k).toLowerCase()}-poc-${k + 1}`, name: `Non-resident point of contact ${k + 1} of ${coordinator(k) === 'JPN' ? 'Japan' : 'Portugal'}`, kind: 'non-resident', coordinator: coordinator(k), accreditedTo: covered.map((s) => s.iso3) };
    missions.push(m);
    for (const s of covered) missionOf.set(s.iso3, m);
  }
  const letters: Letter[] = targets.map((s, i) => ({ country: s.iso3, missionId: missionOf.get(s.iso3)!.id, deliveredOn: addDays('2012-06-04', Math.floor((i * 53) / targets.length)) }));
  const letterOf = new Map(letters.map((l) => [l.country, l]));

  // 77 responders: the four named Group I states, South Sudan and Cuba, and 71 more drawn.
  const named = new Set([...GROUP_I, 'SSD', 'CUB']);
  const others = targets.filter((s) => !named.has(s.iso3)).map((s) => ({ s, r: random() })).sort((a, b) => a.r - b.r).slice(0, 71).map((x) => x.s);
  const responders = [...targets.filter((s) => named.has(s.iso3)), ...others].sort((a, b) => (a.iso3 < b.iso3 ? -1 : 1));
  const responses: Response[] = responders.map((s, i) => {
    const letter = letterOf.get(s.iso3)!;
    // Most answer within the 30 days; one in eight later, when the letter was already chased.
    const late = i % 8 === 3;
    const receivedOn = addDays(letter.deliveredOn, late ? 35 + (i % 9) : 5 + (i % 20));
    const base = { country: s.iso3, missionId: letter.missionId, receivedOn };
    if (GROUP_I.includes(s.iso3)) return { ...base, group: 'I', ratificationUnderWay: true };
    if (s.iso3 === 'SSD') return { ...base, group: 'II', obstacles: ['capacity', 'regional-reciprocity'] };
    if (s.iso3 === 'CUB') return { ...base, group: 'III', obstacles: ['security-environment'] };
    const pick = random();
    if (pick < 0.3) {
      const sub = i % 4;
      return { ...base, group: 'I', ...(sub === 0 ? { ratificationUnderWay: true } : sub === 1 ? { wishesToSign: true } : sub === 2 ? { ratificationUnderWay: true, depositAnnounced: true } : {}) };
    }
    if (pick < 0.72) {
      const obstacles = [OBSTACLES[i % OBSTACLES.length]!, ...(i % 3 === 0 ? ['regional-reciprocity'] : [])];
      return { ...base, group: 'II', obstacles: i % 5 === 0 ? ['regional-reciprocity'] : obstacles };
    }
    return { ...base, group: 'III', obstacles: [i % 2 ? 'security-environment' : 'domestic-politics'] };
  });
  return { states, targets, missions, letters, responses };
}

export type Demarche = ReturnType<typeof generateDemarche>;

const csvCell = (v: unknown) => {
  const s = v === undefined || v === null ? '' : Array.isArray(v) ? v.join(';') : String(v);
  return /[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
};

export function missionsCsv(d: Demarche): string {
  return ['id,name,kind,coordinator,accredited_to', ...d.missions.map((m) => [m.id, m.name, m.kind, m.coordinator, m.accreditedTo].map(csvCell).join(','))].join('\n') + '\n';
}

export function outreachCsv(d: Demarche): string {
  const header = 'kind,country,mission,date,group,ratification_under_way,wishes_to_sign,deposit_announced,obstacles';
  const flag = (b?: boolean) => (b ? 'yes' : '');
  return [
    header,
    ...d.letters.map((l) => ['letter', l.country, l.missionId, l.deliveredOn, '', '', '', '', ''].map(csvCell).join(',')),
    ...d.responses.map((r) => ['response', r.country, r.missionId, r.receivedOn, r.group, flag(r.ratificationUnderWay), flag(r.wishesToSign), flag(r.depositAnnounced), r.obstacles ?? []].map(csvCell).join(',')),
  ].join('\n') + '\n';
}

/**
 * The follow-ups the CCM playbook gives, each rule decided on the state's standing on the day
 * of its trigger: a deposit after that day closes the task on the deposit's day.
 */
export function expectedTasks(d: Demarche): ExpectedTask[] {
  const stateOf = new Map(d.states.map((s) => [s.iso3, s]));
  const answered = new Map(d.responses.map((r) => [r.country, r]));
  const tasks: ExpectedTask[] = [];
  const closedBy = (iso3: string, openedOn: string, also?: string) => {
    const deposit = stateOf.get(iso3)!.deposited;
    const ends = [deposit, also].filter((x): x is string => x !== undefined && x > openedOn).sort();
    return ends[0] ?? null;
  };
  for (const l of d.letters) {
    const due = addDays(l.deliveredOn, 30);
    const r = answered.get(l.country);
    if (r && r.receivedOn <= due) continue;
    if (statusOn(stateOf.get(l.country)!, due) === 'state-party') continue;
    tasks.push({ kind: 'chase-response', queue: 'bilateral', countries: [l.country], openedOn: due, closedOn: closedBy(l.country, due, r?.receivedOn) });
  }
  const members = new Map<string, { iso3: string; joinedOn: string; leftOn: string | null }[]>();
  for (const r of d.responses) {
    const state = stateOf.get(r.country)!;
    if (statusOn(state, r.receivedOn) === 'state-party') continue;
    const task = (kind: string, queue: ExpectedTask['queue']) => tasks.push({ kind, queue, countries: [r.country], openedOn: r.receivedOn, closedOn: closedBy(r.country, r.receivedOn) });
    if (r.group === 'I') {
      if (r.ratificationUnderWay) task('support-ratification', 'bilateral');
      if (r.wishesToSign) task('facilitate-accession', 'bilateral');
      if (!r.ratificationUnderWay && !r.wishesToSign) task('encourage-ratification', 'bilateral');
    } else if (r.group === 'II') {
      if (r.obstacles!.some((o) => o !== 'regional-reciprocity')) task('bilateral-approach', 'bilateral');
      if (r.obstacles!.includes('regional-reciprocity')) {
        const list = members.get(state.subregion) ?? members.set(state.subregion, []).get(state.subregion)!;
        list.push({ iso3: r.country, joinedOn: r.receivedOn, leftOn: closedBy(r.country, r.receivedOn) });
      }
    } else task('high-level-engagement', 'high-level');
  }
  // One initiative per sub-region while it has members; one that joins after all left starts another.
  for (const [, list] of members) {
    let current: { countries: string[]; openedOn: string; leftOn: (string | null)[] } | undefined;
    const close = () => {
      if (!current) return;
      const closedOn = current.leftOn.every((x) => x !== null) ? (current.leftOn as string[]).sort().at(-1)! : null;
      tasks.push({ kind: 'regional-initiative', queue: 'regional', countries: current.countries.sort(), openedOn: current.openedOn, closedOn });
    };
    for (const m of [...list].sort((a, b) => (a.joinedOn < b.joinedOn ? -1 : 1))) {
      const over = current && current.leftOn.every((x) => x !== null && x <= m.joinedOn);
      if (!current || over) {
        close();
        current = { countries: [], openedOn: m.joinedOn, leftOn: [] };
      }
      current.countries.push(m.iso3);
      current.leftOn.push(m.leftOn);
    }
    close();
  }
  return tasks;
}

/** A task open at the end of `day`: opened by then and not closed by then (one closed on its opening day never was). */
export const openOn = (t: ExpectedTask, day: string) => t.openedOn <= day && (t.closedOn === null || t.closedOn > day) && t.closedOn !== t.openedOn;

/** The members of a regional initiative on a day: those that had joined and not left. */
export function initiativeMembersOn(d: Demarche, subregion: string, day: string): string[] {
  const stateOf = new Map(d.states.map((s) => [s.iso3, s]));
  return d.responses
    .filter((r) => r.group === 'II' && r.obstacles!.includes('regional-reciprocity') && stateOf.get(r.country)!.subregion === subregion && r.receivedOn <= day)
    .filter((r) => statusOn(stateOf.get(r.country)!, r.receivedOn) !== 'state-party' && statusOn(stateOf.get(r.country)!, day) !== 'state-party')
    .map((r) => r.country)
    .sort();
}
