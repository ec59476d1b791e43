import { isLocalDate, notFound } from '../../kernel/index.js';
import type { TreatyDefinition } from '../domain/treaty.js';

/** DI token of the {@link TreatyCatalog}. */
export const TREATIES = Symbol('TreatyCatalog');

/** The treaties Demarche knows (the module reads them from `reference/treaties/*.json`). */
export class TreatyCatalog {
  private readonly treaties: Map<string, TreatyDefinition>;

  constructor(definitions: readonly TreatyDefinition[]) {
    this.treaties = new Map(definitions.map((t) => [t.code, t]));
  }

  get(code: string): TreatyDefinition | undefined {
    return this.treaties.get(code);
  }

  /** The treaty, or a not-found domain error naming `field` and the treaties Demarche knows. */
  require(code: string, field = 'treaty'): TreatyDefinition {
    const treaty = this.treaties.get(code);
    if (!treaty) throw notFound('unknown-treaty', `Demarche does not know the treaty "${code}"; known: ${this.codes().join(', ')}.`, field);
    return treaty;
  }

  codes(): string[] {
    return [...this.treaties.keys()];
  }
}

/** The definition a treaty file holds, or an error naming the file and every problem in it. */
export function checkTreaty(raw: Record<string, any>, file: string): TreatyDefinition {
  const problems: string[] = [];
  if (typeof raw.code !== 'string' || !/^[A-Z][A-Z0-9-]{1,15}$/.test(raw.code)) problems.push('code must be upper case, like "CCM"');
  if (!isLocalDate(raw.openedForSignatureOn)) problems.push('openedForSignatureOn must be a YYYY-MM-DD date');
  if (raw.signatureClosesOn !== undefined && !isLocalDate(raw.signatureClosesOn)) problems.push('signatureClosesOn must be a YYYY-MM-DD date');
  const eif = raw.entryIntoForce ?? {};
  if (!Number.isInteger(eif.instrumentsRequired) || eif.instrumentsRequired < 1) problems.push('entryIntoForce.instrumentsRequired must be a positive whole number');
  if (!Number.isInteger(eif.monthsAfterDeposit) || eif.monthsAfterDeposit < 0) problems.push('entryIntoForce.monthsAfterDeposit must be a whole number');
  if (eif.thresholdReachedOn !== undefined && !isLocalDate(eif.thresholdReachedOn)) problems.push('entryIntoForce.thresholdReachedOn must be a YYYY-MM-DD date');
  if (!Number.isInteger(raw.withdrawalNoticeMonths)) problems.push('withdrawalNoticeMonths must be a whole number');
  if (problems.length) throw new Error(`Treaty file ${file} is not valid: ${problems.join('; ')}.`);
  return raw as TreatyDefinition;
}
