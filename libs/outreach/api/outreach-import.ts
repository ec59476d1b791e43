import type { DomainErrorKind, EventMetadata } from '../../kernel/index.js';
import { parseCsv } from '../../platform/csv/csv.js';
import { BatchRefused, RecordOutreachBatchCommand, type ItemOutcome, type RecordOutreachBatchHandler } from '../application/record-outreach-batch.handler.js';
import { RegisterMissionsCommand, type RegisterMissionsHandler } from '../application/register-missions.handler.js';
import { CsvRefused, MISSION_COLUMNS, missionsOf, OUTREACH_COLUMNS, outreachRowsOf, type OutreachRow, type RowProblem } from './outreach-csv.js';

/** One row of an imported file, as the preview and the result show it. */
export interface ImportedRow {
  readonly line: number;
  readonly kind: 'mission' | 'letter' | 'meeting' | 'response';
  readonly campaignId?: string;
  readonly country?: string;
  readonly missionId: string;
  readonly date?: string;
  /** What the row records, in a few words (`Group II: capacity`). */
  readonly what: string;
  /** `new`: the row adds to the record (or would, in a preview); `recorded already`: the very same fact is there. */
  readonly outcome: 'new' | 'recorded already';
}

export interface ImportResult {
  readonly file: string;
  readonly dryRun: boolean;
  readonly rows: readonly ImportedRow[];
  readonly added: number;
  readonly alreadyRecorded: number;
  /** The log position the import reached (0 for a preview): a read may ask to see it. */
  readonly position: number;
}

export interface ImportOptions {
  readonly dryRun?: boolean;
  readonly onProgress?: (done: number, total: number) => void;
}

const KIND_OF = { 'deliver-letter': 'letter', 'hold-meeting': 'meeting', 'record-response': 'response' } as const;
const COLUMN_OF: Record<string, string> = {
  missionId: 'mission', deliveredOn: 'date', heldOn: 'date', receivedOn: 'date', ratificationUnderWay: 'ratification_under_way', wishesToSign: 'wishes_to_sign',
  depositAnnounced: 'deposit_announced', cosignedBy: 'cosigned_by', accreditedTo: 'accredited_to', id: 'id',
};
const columnOf = (field: string) => COLUMN_OF[field.split('/')[0]!] ?? field.split('/')[0]!;

function describe(row: OutreachRow): string {
  const d = row.item.details;
  if (d.kind === 'deliver-letter') return d.cosignedBy ? `letter co-signed by ${d.cosignedBy.join(', ')}` : 'letter co-signed by the coordinators';
  if (d.kind === 'hold-meeting') return d.summary ? 'meeting, with a summary' : 'meeting';
  const flags = [d.ratificationUnderWay && 'ratification under way', d.wishesToSign && 'wishes to sign', d.depositAnnounced && 'deposit announced', ...(d.obstacles ?? [])].filter(Boolean);
  return `Group ${d.group}${flags.length ? `: ${flags.join(', ')}` : ''}`;
}

/** The problems of a refused batch, told by the rows they came from. */
function refusedRows(file: string, error: BatchRefused, lineOf: (index: number) => number): CsvRefused {
  return new CsvRefused(file, error.problems.map((p): RowProblem & { kind: DomainErrorKind } => ({ line: lineOf(p.index), column: columnOf(p.field), message: p.message, kind: p.kind })));
}

/**
 * Imports from spreadsheets, for the command line and the console alike: parse, check every
 * row (against the record too), then write; or, as a preview, say what each row would record.
 * A bad row stops the import with its line, before anything is written; an import run again
 * records nothing twice.
 */
export class OutreachImport {
  constructor(
    private readonly outreach: RecordOutreachBatchHandler,
    private readonly registrar: RegisterMissionsHandler,
  ) {}

  async missions(file: string, text: string, metadata: EventMetadata, options: ImportOptions = {}): Promise<ImportResult> {
    const missions = await missionsOf(file, parseCsv(text, file, MISSION_COLUMNS));
    const lines = missions.map((m) => m.line);
    const outcomes = await this.registrar.execute(new RegisterMissionsCommand(missions.map(({ line: _, ...m }) => m), metadata, options)).catch((error: unknown) => {
      throw error instanceof BatchRefused ? refusedRows(file, error, (i) => lines[i]!) : error;
    });
    const rows = outcomes.map((o): ImportedRow => {
      const m = missions[o.index]!;
      return { line: m.line, kind: 'mission', missionId: m.missionId, what: `${m.kind} mission of ${m.coordinator}: ${m.accreditedTo.join(', ')}`, outcome: o.registered ? 'new' : 'recorded already' };
    });
    return this.result(file, rows, options, Math.max(0, ...outcomes.map((o) => o.position)));
  }

  /** `campaignId`: the campaign of rows that name none (the command line's `--campaign`, the console's campaign page). */
  async outreachFile(file: string, text: string, metadata: EventMetadata, options: ImportOptions & { readonly campaignId?: string; readonly defaultMissionId?: string } = {}): Promise<ImportResult> {
    const rows = await outreachRowsOf(file, parseCsv(text, file, OUTREACH_COLUMNS), options.campaignId);
    const campaigns = [...new Set(rows.map((r) => r.campaignId))].map((campaignId) => rows.filter((r) => r.campaignId === campaignId));
    const batch = (group: OutreachRow[], dryRun: boolean, done = 0) =>
      this.outreach
        .execute(
          new RecordOutreachBatchCommand(group[0]!.campaignId, group.map((r) => r.item), metadata, {
            dryRun,
            ...(options.defaultMissionId ? { defaultMissionId: options.defaultMissionId } : {}),
            ...(options.onProgress ? { onProgress: (n: number) => options.onProgress!(done + n, rows.length) } : {}),
          }),
        )
        .catch((error: unknown) => {
          throw error instanceof BatchRefused ? refusedRows(file, error, (i) => group[i]!.line) : error;
        });
    // Every campaign's rows are checked before any campaign's are written.
    const previews = await Promise.all(campaigns.map((group) => batch(group, true)));
    let outcomes: ItemOutcome[][] = previews.map((p) => [...p.items]);
    let position = 0;
    if (!options.dryRun) {
      outcomes = [];
      let done = 0;
      for (const group of campaigns) {
        const written = await batch(group, false, done);
        outcomes.push([...written.items]);
        position = Math.max(position, written.position);
        done += group.length;
      }
    }
    const imported = campaigns.flatMap((group, g) =>
      outcomes[g]!.map((o): ImportedRow => {
        const row = group[o.index]!;
        const d = row.item.details;
        const date = d.kind === 'deliver-letter' ? d.deliveredOn : d.kind === 'hold-meeting' ? d.heldOn : d.receivedOn;
        return { line: row.line, kind: KIND_OF[d.kind], campaignId: row.campaignId, country: o.iso3, missionId: o.missionId, date, what: describe(row), outcome: o.recorded ? 'new' : 'recorded already' };
      }),
    );
    return this.result(file, imported.sort((a, b) => a.line - b.line), options, position);
  }

  private result(file: string, rows: ImportedRow[], options: ImportOptions, position: number): ImportResult {
    const added = rows.filter((r) => r.outcome === 'new').length;
    return { file, dryRun: Boolean(options.dryRun), rows, added, alreadyRecorded: rows.length - added, position };
  }
}
