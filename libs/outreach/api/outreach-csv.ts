import { plainToInstance } from 'class-transformer';
import { validate } from 'class-validator';
import { ImportError, type CsvRecord, type DomainErrorKind } from '../../kernel/index.js';
import type { OutreachItem } from '../application/record-outreach-batch.handler.js';
import type { RegisterMission } from '../domain/mission.decider.js';
import { LetterItemDto, MeetingItemDto, RegisterMissionDto, ResponseItemDto } from './outreach.dto.js';

/**
 * Spreadsheets of missions and of outreach, read into the same checked shapes as the API's
 * bodies: each row goes through the DTO of the matching request, so a file and a request obey
 * one set of rules, and a problem names the row's line and the column.
 */

export const MISSION_COLUMNS = ['id', 'name', 'kind', 'coordinator', 'accredited_to'] as const;
export const OUTREACH_COLUMNS = ['kind', 'country', 'date'] as const;
/** Columns an outreach file may have besides the required ones; an empty cell is as good as none. */
export const OUTREACH_OPTIONAL_COLUMNS = ['campaign', 'mission', 'group', 'ratification_under_way', 'wishes_to_sign', 'deposit_announced', 'obstacles', 'cosigned_by', 'summary', 'notes', 'interlocutors'] as const;

const KINDS = { letter: 'deliver-letter', meeting: 'hold-meeting', response: 'record-response' } as const;
type RowKind = keyof typeof KINDS;

/** One row the file does not get past, by line and column. */
export interface RowProblem {
  readonly line: number;
  readonly column: string;
  readonly message: string;
  /** Set when the row is well formed but the rules or the record refuse it. */
  readonly kind?: DomainErrorKind;
}

/** A file with at least one bad row: its problems, and nothing written. */
export class CsvRefused extends ImportError {
  constructor(
    readonly file: string,
    readonly problems: readonly RowProblem[],
  ) {
    const shown = problems.slice(0, 20).map((p) => `- line ${p.line}${p.column ? `, ${p.column}` : ''}: ${p.message}`);
    const more = problems.length > 20 ? [`- and ${problems.length - 20} more`] : [];
    super(`${file}: ${problems.length} row${problems.length === 1 ? ' is' : 's are'} not valid; nothing was written:\n${[...shown, ...more].join('\n')}`);
  }
}

/** A cell holding several values: `KEN;UGA`, `KEN UGA` or `KEN, UGA`. */
const list = (cell: string | undefined) => (cell ?? '').split(/[;,\s]+/).filter(Boolean);
/** Names are separated by semicolons only: a name may hold spaces and commas. */
const names = (cell: string | undefined) => (cell ?? '').split(';').map((n) => n.trim()).filter(Boolean);
const cell = (value: string | undefined) => (value === undefined || value === '' ? undefined : value);

const FLAG_VALUES: Record<string, boolean> = { yes: true, y: true, true: true, '1': true, x: true, no: false, n: false, false: false, '0': false };

async function problemsOf<T extends object>(type: new () => T, plain: object, line: number, columnOf: (property: string) => string): Promise<{ value?: T; problems: RowProblem[] }> {
  const value = plainToInstance(type, plain);
  const errors = await validate(value, { whitelist: true, forbidNonWhitelisted: true, validationError: { target: false, value: false } });
  const problems = errors.flatMap((e) => Object.values(e.constraints ?? {}).map((message) => ({ line, column: columnOf(e.property), message: message.replace(e.property, columnOf(e.property)) })));
  return problems.length ? { problems } : { value, problems };
}

/** The missions of a file, as registrations; every row checked before any is returned. */
export async function missionsOf(file: string, records: readonly CsvRecord[]): Promise<(Omit<RegisterMission, 'today'> & { line: number })[]> {
  const problems: RowProblem[] = [];
  const missions: (Omit<RegisterMission, 'today'> & { line: number })[] = [];
  const column = (p: string) => (p === 'accreditedTo' ? 'accredited_to' : p);
  for (const { line, fields: f } of records) {
    const plain = { id: f.id, name: f.name, kind: f.kind, coordinator: f.coordinator, accreditedTo: list(f.accredited_to) };
    const checked = await problemsOf(RegisterMissionDto, plain, line, column);
    problems.push(...checked.problems);
    if (checked.value) missions.push({ line, missionId: checked.value.id, name: checked.value.name, kind: checked.value.kind, coordinator: checked.value.coordinator, accreditedTo: checked.value.accreditedTo });
  }
  if (problems.length) throw new CsvRefused(file, problems);
  return missions;
}

/** A row of an outreach file as an item of its campaign's batch, with its line. */
export interface OutreachRow {
  readonly line: number;
  readonly campaignId: string;
  readonly item: OutreachItem;
}

const OUTREACH_COLUMN: Record<string, string> = {
  country: 'country', missionId: 'mission', deliveredOn: 'date', heldOn: 'date', receivedOn: 'date', group: 'group',
  ratificationUnderWay: 'ratification_under_way', wishesToSign: 'wishes_to_sign', depositAnnounced: 'deposit_announced',
  obstacles: 'obstacles', cosignedBy: 'cosigned_by', summary: 'summary', notes: 'notes', interlocutors: 'interlocutors',
};

/**
 * The rows of an outreach file; `campaignId` (the command line's `--campaign`) is the campaign
 * of rows that name none. Every row is checked before any is returned.
 */
export async function outreachRowsOf(file: string, records: readonly CsvRecord[], campaignId?: string): Promise<OutreachRow[]> {
  const problems: RowProblem[] = [];
  const rows: OutreachRow[] = [];
  const column = (p: string) => OUTREACH_COLUMN[p] ?? p;
  for (const { line, fields: f } of records) {
    const kind = (f.kind ?? '').toLowerCase() as RowKind;
    const campaign = cell(f.campaign) ?? campaignId;
    if (!campaign) problems.push({ line, column: 'campaign', message: 'name the campaign: fill the campaign column, or give --campaign' });
    else if (campaignId && cell(f.campaign) && f.campaign !== campaignId) problems.push({ line, column: 'campaign', message: `the row is for campaign ${f.campaign}, the import for ${campaignId}` });
    if (!(kind in KINDS)) {
      problems.push({ line, column: 'kind', message: `kind "${f.kind ?? ''}" must be letter, meeting or response` });
      continue;
    }
    const flag = (name: 'ratification_under_way' | 'wishes_to_sign' | 'deposit_announced') => {
      const v = cell(f[name])?.toLowerCase();
      if (v === undefined) return undefined;
      if (v in FLAG_VALUES) return FLAG_VALUES[v];
      problems.push({ line, column: name, message: `${name} "${f[name]}" must be yes or no (or empty)` });
      return undefined;
    };
    const only = (allowed: RowKind, names: readonly string[]) => {
      for (const n of names) if (kind !== allowed && cell(f[n]) !== undefined) problems.push({ line, column: n, message: `${n} belongs to a ${allowed} row, not a ${kind}` });
    };
    only('response', ['group', 'ratification_under_way', 'wishes_to_sign', 'deposit_announced', 'obstacles', 'notes']);
    only('letter', ['cosigned_by']);
    if (kind === 'letter' && cell(f.interlocutors) !== undefined) problems.push({ line, column: 'interlocutors', message: 'interlocutors belong to a meeting or a response row, not a letter' });
    const base = { country: f.country, ...(cell(f.mission) ? { missionId: f.mission } : {}) };
    const checked =
      kind === 'letter'
        ? await problemsOf(LetterItemDto, { ...base, deliveredOn: f.date, ...(cell(f.cosigned_by) ? { cosignedBy: list(f.cosigned_by) } : {}) }, line, column)
        : kind === 'meeting'
          ? await problemsOf(MeetingItemDto, { ...base, heldOn: f.date, ...(cell(f.summary) ? { summary: f.summary } : {}), ...(cell(f.interlocutors) ? { interlocutors: names(f.interlocutors) } : {}) }, line, column)
          : await problemsOf(
              ResponseItemDto,
              {
                ...base,
                receivedOn: f.date,
                group: f.group,
                ...Object.fromEntries(
                  ([['ratificationUnderWay', 'ratification_under_way'], ['wishesToSign', 'wishes_to_sign'], ['depositAnnounced', 'deposit_announced']] as const).flatMap(([key, name]) => {
                    const v = flag(name);
                    return v === undefined ? [] : [[key, v]];
                  }),
                ),
                ...(cell(f.obstacles) ? { obstacles: list(f.obstacles) } : {}),
                ...(cell(f.notes) ? { notes: f.notes } : {}),
                ...(cell(f.interlocutors) ? { interlocutors: names(f.interlocutors) } : {}),
              },
              line,
              column,
            );
    problems.push(...checked.problems);
    if (!checked.value || !campaign) continue;
    const { country, missionId, ...details } = checked.value as unknown as { country: string; missionId?: string } & Record<string, unknown>;
    rows.push({ line, campaignId: campaign, item: { iso3: country, ...(missionId ? { missionId } : {}), details: { kind: KINDS[kind], ...details } as OutreachItem['details'] } });
  }
  if (problems.length) throw new CsvRefused(file, problems);
  return rows;
}
