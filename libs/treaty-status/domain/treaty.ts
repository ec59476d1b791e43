import { firstDayOfNthMonthAfter, addMonths, type LocalDate } from '../../kernel/index.js';

/**
 * A treaty as Demarche needs to know it: when it opened for signature, how it enters into
 * force and how withdrawal takes effect. Values come from a treaty file, never from code, so
 * a campaign for another treaty needs a new file, not a new release.
 */
export interface TreatyDefinition {
  /** Short code that campaigns and queries name (`CCM`). */
  readonly code: string;
  readonly title: string;
  readonly openedForSignatureOn: LocalDate;
  /**
   * Signature is possible from the opening until this day, exclusive. For the CCM that is
   * its entry into force (Art. 15): afterwards a state can only accede.
   */
  readonly signatureClosesOn?: LocalDate;
  readonly entryIntoForce: {
    /** How many instruments bring the treaty into force (Art. 17(1): 30). */
    readonly instrumentsRequired: number;
    /** It takes effect on the first day of this many months after the month of deposit. */
    readonly monthsAfterDeposit: number;
    /**
     * The day the instrument that met `instrumentsRequired` was deposited, once that has
     * happened. Every instrument deposited up to and including that day takes effect on
     * the treaty's own entry into force.
     */
    readonly thresholdReachedOn?: LocalDate;
  };
  /** Months between the notice of withdrawal and its effect (Art. 20: six). */
  readonly withdrawalNoticeMonths: number;
}

/** The day the treaty itself entered (or enters) into force, when the threshold is met. */
export function treatyEntryIntoForce(treaty: TreatyDefinition): LocalDate | undefined {
  const { thresholdReachedOn, monthsAfterDeposit } = treaty.entryIntoForce;
  return thresholdReachedOn ? firstDayOfNthMonthAfter(thresholdReachedOn, monthsAfterDeposit) : undefined;
}

/**
 * Article 17: for an instrument deposited on `depositedOn`, the day the treaty enters into
 * force for that state. Undefined while the treaty itself has not yet gathered enough
 * instruments (the date is not knowable yet).
 */
export function entryIntoForceForState(treaty: TreatyDefinition, depositedOn: LocalDate): LocalDate | undefined {
  const { thresholdReachedOn, monthsAfterDeposit } = treaty.entryIntoForce;
  if (!thresholdReachedOn) return undefined;
  if (depositedOn <= thresholdReachedOn) return treatyEntryIntoForce(treaty);
  return firstDayOfNthMonthAfter(depositedOn, monthsAfterDeposit);
}

export function withdrawalTakesEffectOn(treaty: TreatyDefinition, notifiedOn: LocalDate): LocalDate {
  return addMonths(notifiedOn, treaty.withdrawalNoticeMonths);
}
