import { join } from 'node:path';
import { existsSync } from 'node:fs';
import type { Clock } from '../../kernel/index.js';
import type { CommandRunner } from '../../event-store/index.js';
import { importStates, readCsvFile, type ImportSummary, type TreatyDefinition } from '../../treaty-status/index.js';

export const STATES_COLUMNS = ['iso3', 'name', 'region', 'subregion', 'signed', 'deposited', 'deposit_type', 'entry_into_force'];
export const WITHDRAWAL_COLUMNS = ['iso3', 'notified', 'effective'];

/** Imports a states file (and optionally its withdrawals file) for one treaty. */
export async function importStatesFiles(
  runner: CommandRunner,
  clock: Clock,
  treaty: TreatyDefinition,
  statesFile: string,
  withdrawalsFile: string | undefined,
): Promise<ImportSummary> {
  const states = readCsvFile(statesFile, STATES_COLUMNS);
  const withdrawals = withdrawalsFile ? readCsvFile(withdrawalsFile, WITHDRAWAL_COLUMNS) : [];
  const id = `import:${statesFile.split(/[\\/]/).pop()}`;
  return importStates(runner, clock, treaty, states, withdrawals, { actor: id, correlationId: `${id}:${clock.now().toISOString()}`, causationId: id }, statesFile);
}

/** The shipped CCM files, loaded into a fresh store so a newcomer sees real data at once. */
export function shippedStatesFiles(referenceDir: string) {
  const states = join(referenceDir, 'ccm-states.csv');
  const withdrawals = join(referenceDir, 'ccm-withdrawals.csv');
  return { states, withdrawals: existsSync(withdrawals) ? withdrawals : undefined };
}
