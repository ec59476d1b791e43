import { statusLabel, type Group } from './ui.js';
import type { FollowUp } from './api.js';

export type Status = 'state-party' | 'signatory' | 'non-signatory' | 'withdrawn';

export interface Row {
  readonly iso3: string;
  readonly name: string;
  readonly region: string;
  readonly subregion: string;
  readonly mission: { readonly missionId: string; readonly kind: 'resident' | 'non-resident' | null } | null;
  readonly letterOn: string | null;
  readonly letters: number;
  readonly meetings: number;
  readonly response: { readonly receivedOn: string; readonly group: Group; readonly ratificationUnderWay: boolean; readonly wishesToSign: boolean; readonly depositAnnounced?: boolean; readonly obstacles: readonly string[] } | null;
  readonly statusAtStart: Status;
  readonly status: Status;
  readonly openFollowUps: readonly { readonly id: string; readonly kind: string; readonly queue: FollowUp['queue']; readonly dueOn: string; readonly overdue: boolean }[];
}

export const status = (s: Status) => statusLabel[s] ?? s;

/** The exported table: one column per fact, named as the import files name theirs. */
const CSV_COLUMNS: readonly [string, (r: Row) => string | number][] = [
  ['country', (r) => r.name],
  ['iso3', (r) => r.iso3],
  ['region', (r) => r.region],
  ['subregion', (r) => r.subregion],
  ['mission', (r) => r.mission?.missionId ?? ''],
  ['mission_kind', (r) => r.mission?.kind ?? ''],
  ['letter_on', (r) => r.letterOn ?? ''],
  ['letters', (r) => r.letters],
  ['meetings', (r) => r.meetings],
  ['response_on', (r) => r.response?.receivedOn ?? ''],
  ['group', (r) => r.response?.group ?? ''],
  ['ratification_under_way', (r) => (r.response?.ratificationUnderWay ? 'yes' : '')],
  ['wishes_to_sign', (r) => (r.response?.wishesToSign ? 'yes' : '')],
  ['deposit_announced', (r) => (r.response?.depositAnnounced ? 'yes' : '')],
  ['obstacles', (r) => r.response?.obstacles.join(';') ?? ''],
  ['status_at_start', (r) => status(r.statusAtStart)],
  ['status', (r) => status(r.status)],
  ['open_follow_ups', (r) => r.openFollowUps.map((f) => `${f.kind} due ${f.dueOn}${f.overdue ? ' (overdue)' : ''}`).join('; ')],
];

const csvCell = (value: string | number) => (/[",\r\n]/.test(String(value)) ? `"${String(value).replace(/"/g, '""')}"` : String(value));

/** CSV as RFC 4180 writes it; the byte-order mark makes spreadsheet programs read the names as UTF-8. */
export function toCsv(rows: readonly Row[]): string {
  const lines = [CSV_COLUMNS.map(([name]) => name), ...rows.map((r) => CSV_COLUMNS.map(([, value]) => value(r)))];
  return `\uFEFF${lines.map((l) => l.map(csvCell).join(',')).join('\r\n')}\r\n`;
}
