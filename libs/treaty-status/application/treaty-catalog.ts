import { isLocalDate, notFound } from '../../kernel/index.js';
import { TREATY_DECLARATION_KINDS, TREATY_RULES, type TreatyDefinition } from '../domain/treaty.js';

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

  all(): TreatyDefinition[] {
    return [...this.treaties.values()];
  }

  codes(): string[] {
    return [...this.treaties.keys()];
  }
}

/** The definition a treaty file holds, or an error naming the file and every problem in it. */
export function checkTreaty(raw: Record<string, any>, file: string): TreatyDefinition {
  const problems: string[] = [];
  const known = ['code', 'title', 'name', 'openedForSignatureOn', 'signatureClosesOn', 'entryIntoForce', 'withdrawalNoticeMonths', 'withdrawalNoticeDays', 'withdrawalMayNameLaterDate', 'withdrawalSuspendedInArmedConflict', 'obstacles', 'declarations', 'articles'];
  for (const key of Object.keys(raw)) if (!known.includes(key)) problems.push(`"${key}" is not a treaty rule Demarche knows`);
  if (typeof raw.code !== 'string' || !/^[A-Z][A-Z0-9-]{1,15}$/.test(raw.code)) problems.push('code must be upper case, like "CCM"');
  if (typeof raw.title !== 'string' || !raw.title) problems.push('title must be the treaty\'s name');
  if (raw.name !== undefined && (typeof raw.name !== 'string' || !raw.name || raw.name.length > 100)) problems.push('name must be the short name of the treaty, up to 100 characters');
  if (!isLocalDate(raw.openedForSignatureOn)) problems.push('openedForSignatureOn must be a YYYY-MM-DD date');
  if (raw.signatureClosesOn !== undefined && !isLocalDate(raw.signatureClosesOn)) problems.push('signatureClosesOn must be a YYYY-MM-DD date');
  else if (raw.signatureClosesOn !== undefined && raw.signatureClosesOn <= raw.openedForSignatureOn) problems.push('signatureClosesOn must be after openedForSignatureOn');
  const eif = raw.entryIntoForce ?? {};
  if (!Number.isInteger(eif.instrumentsRequired) || eif.instrumentsRequired < 1) problems.push('entryIntoForce.instrumentsRequired must be a positive whole number');
  if ((eif.monthsAfterDeposit === undefined) === (eif.daysAfterDeposit === undefined)) problems.push('entryIntoForce needs exactly one of monthsAfterDeposit and daysAfterDeposit');
  for (const key of ['monthsAfterDeposit', 'daysAfterDeposit']) {
    if (eif[key] !== undefined && (!Number.isInteger(eif[key]) || eif[key] < 0)) problems.push(`entryIntoForce.${key} must be a whole number`);
  }
  if (eif.thresholdReachedOn !== undefined && !isLocalDate(eif.thresholdReachedOn)) problems.push('entryIntoForce.thresholdReachedOn must be a YYYY-MM-DD date');
  if (eif.earlyInstrumentsUntil !== undefined && !['threshold', 'entry-into-force'].includes(eif.earlyInstrumentsUntil)) problems.push('entryIntoForce.earlyInstrumentsUntil must be "threshold" or "entry-into-force"');
  if ((raw.withdrawalNoticeMonths === undefined) === (raw.withdrawalNoticeDays === undefined)) problems.push('a treaty needs exactly one of withdrawalNoticeMonths and withdrawalNoticeDays');
  for (const key of ['withdrawalNoticeMonths', 'withdrawalNoticeDays']) {
    if (raw[key] !== undefined && (!Number.isInteger(raw[key]) || raw[key] < 0)) problems.push(`${key} must be a whole number`);
  }
  for (const key of ['withdrawalMayNameLaterDate', 'withdrawalSuspendedInArmedConflict']) {
    if (raw[key] !== undefined && typeof raw[key] !== 'boolean') problems.push(`${key} must be true or false`);
  }
  if (raw.obstacles !== undefined && (!Array.isArray(raw.obstacles) || !raw.obstacles.length || raw.obstacles.some((o: unknown) => typeof o !== 'string' || !/^[a-z][a-z0-9-]{0,40}$/.test(o)))) {
    problems.push('obstacles must list lower-case obstacle codes, like "capacity"');
  }
  if (raw.declarations !== undefined && (!Array.isArray(raw.declarations) || raw.declarations.some((d: unknown) => !TREATY_DECLARATION_KINDS.includes(d as never)))) {
    problems.push(`declarations must list some of ${TREATY_DECLARATION_KINDS.join(', ')}`);
  }
  if (raw.articles !== undefined) {
    const ok = typeof raw.articles === 'object' && raw.articles !== null && Object.entries(raw.articles).every(([k, v]) => TREATY_RULES.includes(k as never) && typeof v === 'string');
    if (!ok) problems.push(`articles must map some of ${TREATY_RULES.join(', ')} to the article's name`);
  }
  if (problems.length) throw new Error(`Treaty file ${file} is not valid: ${problems.join('; ')}.`);
  return raw as TreatyDefinition;
}
