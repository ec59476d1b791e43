/**
 * What a state does with a treaty, as the depositary records it. Ratification, acceptance
 * and approval follow a signature; accession and succession stand in for one. Together
 * they are the *instruments* (deposits) that make a state a party.
 */
export const TREATY_ACTIONS = [
  'signature',
  'ratification',
  'acceptance',
  'approval',
  'accession',
  'succession',
  'withdrawal',
] as const;
export type TreatyAction = (typeof TREATY_ACTIONS)[number];

/** Instruments that require a prior signature. */
export const CONSENT_AFTER_SIGNATURE: readonly TreatyAction[] = ['ratification', 'acceptance', 'approval'];
/** Instruments by which a state that never signed becomes a party. */
export const CONSENT_WITHOUT_SIGNATURE: readonly TreatyAction[] = ['accession', 'succession'];

export function isDeposit(action: TreatyAction): boolean {
  return CONSENT_AFTER_SIGNATURE.includes(action) || CONSENT_WITHOUT_SIGNATURE.includes(action);
}

/**
 * The four situations the community counts:
 * - `state-party`: has deposited an instrument (the headline figure counts from the deposit;
 *   whether the treaty is already *in force* for it is a separate date);
 * - `signatory`: signed, has not deposited;
 * - `non-signatory`: neither;
 * - `withdrawn`: was a party and its withdrawal has taken effect.
 */
export const TREATY_STATUSES = ['state-party', 'signatory', 'non-signatory', 'withdrawn'] as const;
export type TreatyStatus = (typeof TREATY_STATUSES)[number];
