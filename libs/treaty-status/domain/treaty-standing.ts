import type { LocalDate } from '../../kernel/index.js';
import type { TreatyAction, TreatyStatus } from './treaty-action.js';

/**
 * Everything the record says about one state and one treaty: the dates of its acts. Status
 * on any day is computed from these, so the same record answers "today" and "on 1 Aug 2010".
 */
export interface TreatyStanding {
  readonly signedOn?: LocalDate;
  readonly depositedOn?: LocalDate;
  readonly depositType?: TreatyAction;
  /** When the treaty is in force for this state (Article 17), once knowable. */
  readonly entryIntoForceOn?: LocalDate;
  readonly withdrawalNotifiedOn?: LocalDate;
  readonly withdrawalEffectiveOn?: LocalDate;
  /** A notified withdrawal that waits for the end of an armed conflict (Art. 20(3)). */
  readonly withdrawalSuspended?: 'armed-conflict';
}

export const EMPTY_STANDING: TreatyStanding = {};

/** The state's status on `date` (end of that day), by the community's counting convention. */
export function statusOn(standing: TreatyStanding, date: LocalDate): TreatyStatus {
  const { signedOn, depositedOn, withdrawalEffectiveOn } = standing;
  if (withdrawalEffectiveOn && withdrawalEffectiveOn <= date) return 'withdrawn';
  if (depositedOn && depositedOn <= date) return 'state-party';
  if (signedOn && signedOn <= date) return 'signatory';
  return 'non-signatory';
}

/** Whether the treaty binds the state on `date`: entered into force and not withdrawn. */
export function inForceOn(standing: TreatyStanding, date: LocalDate): boolean {
  const { entryIntoForceOn, withdrawalEffectiveOn } = standing;
  if (!entryIntoForceOn || entryIntoForceOn > date) return false;
  return !(withdrawalEffectiveOn && withdrawalEffectiveOn <= date);
}
