import { join } from 'node:path';
import { existsSync } from 'node:fs';
import type { Clock } from '../../kernel/index.js';
import type { CommandRunner } from '../../event-store/index.js';
import { importStates, type ImportSummary, type TreatyDefinition } from '../index.js';
import { readCsvFile } from '../../platform/csv/csv.js';

export const STATES_COLUMNS = ['iso3', 'name', 'region', 'subregion', 'signed', 'deposited', 'deposit_type', 'entry_into_force'];
export const WITHDRAWAL_COLUMNS = ['iso3', 'notified', 'effective'];
export const UNIVERSE_COLUMNS = ['iso3', 'since'];
export const DECLARATION_COLUMNS = ['iso3', 'declaration', 'on'];

/** The files of one treaty's record; only the states file is required. */
export interface StatesFiles {
  readonly states: string;
  readonly withdrawals?: string | undefined;
  readonly universe?: string | undefined;
  readonly declarations?: string | undefined;
}

/** Imports a states file (and optionally its withdrawals, universe and declarations files) for one treaty. */
export async function importStatesFiles(
  runner: CommandRunner,
  clock: Clock,
  treaty: TreatyDefinition,
  files: StatesFiles,
  /** Who imports (the CLI's token); the seed at first start is the file itself. */
  actor?: string,
): Promise<ImportSummary> {
  const { states: statesFile, withdrawals, universe, declarations } = files;
  const sources = {
    states: { file: statesFile, records: readCsvFile(statesFile, STATES_COLUMNS) },
    ...(withdrawals ? { withdrawals: { file: withdrawals, records: readCsvFile(withdrawals, WITHDRAWAL_COLUMNS) } } : {}),
    ...(universe ? { universe: { file: universe, records: readCsvFile(universe, UNIVERSE_COLUMNS) } } : {}),
    ...(declarations ? { declarations: { file: declarations, records: readCsvFile(declarations, DECLARATION_COLUMNS) } } : {}),
  };
  const id = `import:${statesFile.split(/[\\/]/).pop()}`;
  const metadata = { actor: actor ?? id, correlationId: `${id}:${clock.now().toISOString()}`, causationId: id };
  return importStates(runner, clock, treaty, sources, metadata);
}

/**
 * The shipped files of one treaty (`reference/<code>-states.csv`, its `-withdrawals.csv` and
 * `-declarations.csv` when there are any), loaded into a fresh store so a newcomer sees real
 * data at once; undefined when no states file is shipped for it.
 */
export function shippedStatesFiles(referenceDir: string, treaty: string): StatesFiles | undefined {
  const file = (suffix: string) => {
    const path = join(referenceDir, `${treaty.toLowerCase()}-${suffix}.csv`);
    return existsSync(path) ? path : undefined;
  };
  const states = file('states');
  if (!states) return undefined;
  const universe = join(referenceDir, 'states-since.csv');
  return { states, withdrawals: file('withdrawals'), declarations: file('declarations'), universe: existsSync(universe) ? universe : undefined };
}
