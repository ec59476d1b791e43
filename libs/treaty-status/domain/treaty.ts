import { addDays, addMonths, firstDayOfNthMonthAfter, type LocalDate } from '../../kernel/index.js';

/**
 * A treaty as Demarche needs to know it: when it opened for signature, how it enters into
 * force and how withdrawal takes effect. Values come from a treaty file, never from code, so
 * a campaign for another treaty needs a new file, not a new release.
 */
export interface TreatyDefinition {
  /** Short code that campaigns and queries name (`CCM`). */
  readonly code: string;
  /** Its full title, as the depositary writes it. */
  readonly title: string;
  /** The short name people use for it ("Mine Ban Convention"); absent: the title. */
  readonly name?: string;
  readonly openedForSignatureOn: LocalDate;
  /**
   * Signature is possible from the opening until this day, exclusive. For the CCM, the APMBC
   * and the ATT that is their entry into force: afterwards a state can only accede.
   */
  readonly signatureClosesOn?: LocalDate;
  readonly entryIntoForce: {
    /** How many instruments bring the treaty into force (CCM Art. 17(1): 30). */
    readonly instrumentsRequired: number;
    /** "The first day of the sixth month after the month of deposit" (CCM, APMBC Art. 17): 6. */
    readonly monthsAfterDeposit?: number;
    /** "The ninetieth day following the date of deposit" (ATT Art. 22): 90. */
    readonly daysAfterDeposit?: number;
    /**
     * The day the instrument that met `instrumentsRequired` was deposited, once that has
     * happened. The treaty enters into force by the same rule counted from that day.
     */
    readonly thresholdReachedOn?: LocalDate;
    /**
     * Which early instruments take effect on the treaty's own entry into force:
     * `threshold` (default; CCM, APMBC): those deposited up to the threshold day, later ones
     * by the rule; `entry-into-force` (ATT Art. 22(2)): every one deposited before it.
     */
    readonly earlyInstrumentsUntil?: 'threshold' | 'entry-into-force';
  };
  /** Months between the notice of withdrawal and its effect (CCM, APMBC Art. 20: six). */
  readonly withdrawalNoticeMonths?: number;
  /** Days between the notice of withdrawal and its effect (ATT Art. 24: 90). */
  readonly withdrawalNoticeDays?: number;
  /** A notice may name a later day for its effect (ATT Art. 24(2)). */
  readonly withdrawalMayNameLaterDate?: boolean;
  /**
   * A withdrawal by a state engaged in an armed conflict does not take effect before the
   * conflict ends (CCM, APMBC Art. 20(3)).
   */
  readonly withdrawalSuspendedInArmedConflict?: boolean;
  /**
   * The obstacle codes a response about this treaty may name (the ATT's `export-control-capacity`,
   * the CCM's `ccw-preference`); absent: any code of the shared vocabulary.
   */
  readonly obstacles?: readonly string[];
  /** Declarations the record holds as dated facts besides the acts (ATT: Art. 23). */
  readonly declarations?: readonly TreatyDeclarationKind[];
  /** Where each rule is written, so a refusal can name it (`{ "signature": "Art. 15" }`). */
  readonly articles?: Readonly<Partial<Record<TreatyRule, string>>>;
}

/** The treaty a view reads when its request names none: the CCM, Demarche's first. */
export const DEFAULT_TREATY = 'CCM';

export const TREATY_RULES = ['signature', 'entryIntoForce', 'withdrawal', 'provisionalApplication'] as const;
export type TreatyRule = (typeof TREATY_RULES)[number];

/**
 * Facts a depositary records that are no act of joining or leaving:
 * - `provisional-application`: the state applies some articles before the treaty binds it
 *   (ATT Art. 23: Articles 6 and 7);
 * - `no-intention-to-become-party`: a signatory tells the depositary it does not intend to
 *   ratify, which releases it from the obligations of a signatory (the United States, ATT, 2019).
 */
export const TREATY_DECLARATION_KINDS = ['provisional-application', 'no-intention-to-become-party'] as const;
export type TreatyDeclarationKind = (typeof TREATY_DECLARATION_KINDS)[number];

/** "CCM Art. 17" when the treaty file names the article of `rule`, else the treaty's code. */
export function ruleName(treaty: TreatyDefinition, rule: TreatyRule): string {
  const article = treaty.articles?.[rule];
  return article ? `${treaty.code} ${article}` : treaty.code;
}

function afterDeposit(treaty: TreatyDefinition, depositedOn: LocalDate): LocalDate {
  const { monthsAfterDeposit, daysAfterDeposit } = treaty.entryIntoForce;
  return daysAfterDeposit !== undefined ? addDays(depositedOn, daysAfterDeposit) : firstDayOfNthMonthAfter(depositedOn, monthsAfterDeposit ?? 0);
}

/** The day the treaty itself entered (or enters) into force, when the threshold is met. */
export function treatyEntryIntoForce(treaty: TreatyDefinition): LocalDate | undefined {
  const { thresholdReachedOn } = treaty.entryIntoForce;
  return thresholdReachedOn ? afterDeposit(treaty, thresholdReachedOn) : undefined;
}

/**
 * For an instrument deposited on `depositedOn`, the day the treaty enters into force for
 * that state. Undefined while the treaty itself has not yet gathered enough instruments
 * (the date is not knowable yet).
 */
export function entryIntoForceForState(treaty: TreatyDefinition, depositedOn: LocalDate): LocalDate | undefined {
  const { thresholdReachedOn, earlyInstrumentsUntil } = treaty.entryIntoForce;
  const treatyInForce = treatyEntryIntoForce(treaty);
  if (!thresholdReachedOn || !treatyInForce) return undefined;
  if (depositedOn <= thresholdReachedOn) return treatyInForce;
  if (earlyInstrumentsUntil === 'entry-into-force' && depositedOn < treatyInForce) return treatyInForce;
  return afterDeposit(treaty, depositedOn);
}

/** The day a withdrawal notified on `notifiedOn` takes effect by the notice period alone. */
export function withdrawalTakesEffectOn(treaty: TreatyDefinition, notifiedOn: LocalDate): LocalDate {
  return treaty.withdrawalNoticeDays !== undefined ? addDays(notifiedOn, treaty.withdrawalNoticeDays) : addMonths(notifiedOn, treaty.withdrawalNoticeMonths ?? 0);
}

/** "six months" or "90 days", for messages. */
export function noticePeriod(treaty: TreatyDefinition): string {
  return treaty.withdrawalNoticeDays !== undefined ? `${treaty.withdrawalNoticeDays} days` : `${treaty.withdrawalNoticeMonths} months`;
}
