import { join } from 'node:path';
import { existsSync } from 'node:fs';
import type { Clock } from '../../kernel/index.js';
import type { CommandRunner } from '../../event-store/index.js';
import { importStates, type ImportSummary, type TreatyDefinition } from '../index.js';
import { readCsvFile } from '../../platform/csv/csv.js';

export const STATES_COLUMNS = ['iso3', 'name', 'region', 'subregion', 'signed', 'deposited', 'deposit_type', 'entry_into_force'];
export const WITHDRAWAL_COLUMNS = ['iso3', 'notified', 'effective'];
export const UNIVERSE_COLUMNS = ['iso3', 'since'];

/** Imports a states file (and optionally its withdrawals file) for one treaty. */
export async function importStatesFiles(
  runner: CommandRunner,
  clock: Clock,
  treaty: TreatyDefinition,
  statesFile: string,
  withdrawalsFile: string | undefined,
  universeFile?: string,
  /** Who imports (the CLI's token); the seed at first start is the file itself. */
  actor?: string,
): Promise<ImportSummary> {
  const sources = {
    states: { file: statesFile, records: readCsvFile(statesFile, STATES_COLUMNS) },
    ...(withdrawalsFile ? { withdrawals: { file: withdrawalsFile, records: readCsvFile(withdrawalsFile, WITHDRAWAL_COLUMNS) } } : {}),
    ...(universeFile ? { universe: { file: universeFile, records: readCsvFile(universeFile, UNIVERSE_COLUMNS) } } : {}),
  };
  const id = `import:${statesFile.split(/[\\/]/).pop()}`;
  const metadata = { actor: actor ?? id, correlationId: `${id}:${clock.now().toISOString()}`, causationId: id };
  return importStates(runner, clock, treaty, sources, metadata);
}

/** The shipped CCM files, loaded into a fresh store so a newcomer sees real data at once. */
export function shippedStatesFiles(referenceDir: string) {
  const states = join(referenceDir, 'ccm-states.csv');
  const withdrawals = join(referenceDir, 'ccm-withdrawals.csv');
  const universe = join(referenceDir, 'states-since.csv');
  return { states, withdrawals: existsSync(withdrawals) ? withdrawals : undefined, universe: existsSync(universe) ? universe : undefined };
}
