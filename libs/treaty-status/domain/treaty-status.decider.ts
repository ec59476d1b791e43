import { conflict, ruleViolated, type Decider, type Iso3, type LocalDate } from '../../kernel/index.js';
import { CONSENT_AFTER_SIGNATURE, isDeposit, type TreatyAction } from './treaty-action.js';
import { EMPTY_STANDING, type TreatyStanding } from './treaty-standing.js';
import { entryIntoForceForState, withdrawalTakesEffectOn, type TreatyDefinition } from './treaty.js';
import type { StatusChanged } from './treaty-status.events.js';

/** Record that a state performed a treaty action on a day. */
export interface RecordTreatyAction {
  readonly treaty: TreatyDefinition;
  readonly iso3: Iso3;
  readonly action: TreatyAction;
  readonly on: LocalDate;
  readonly source?: string;
  /** Today, from the clock: an act cannot be dated after it. */
  readonly today: LocalDate;
}

/** The parts of an act that shape a standing. */
export type Act = Pick<StatusChanged['data'], 'action' | 'on' | 'entryIntoForceOn' | 'effectiveOn'>;

/** The standing after one more act. */
export function applyAct(state: TreatyStanding, act: Act): TreatyStanding {
  const { action, on, entryIntoForceOn, effectiveOn } = act;
  if (action === 'signature') return { ...state, signedOn: on };
  if (action === 'withdrawal') return { ...state, withdrawalNotifiedOn: on, ...(effectiveOn ? { withdrawalEffectiveOn: effectiveOn } : {}) };
  return { ...state, depositedOn: on, depositType: action, ...(entryIntoForceOn ? { entryIntoForceOn } : {}) };
}

export function evolveStanding(state: TreatyStanding, event: StatusChanged): TreatyStanding {
  return applyAct(state, event.data);
}

function sameActAlreadyRecorded(state: TreatyStanding, action: TreatyAction, on: LocalDate): boolean {
  if (action === 'signature') return state.signedOn === on;
  if (action === 'withdrawal') return state.withdrawalNotifiedOn === on;
  return state.depositType === action && state.depositedOn === on;
}

/**
 * The treaty's rules for one state. Recording the very same act twice is not an error and
 * adds nothing (imports and retries are safe); a contradicting act is refused.
 */
export function decideTreatyAction(command: RecordTreatyAction, state: TreatyStanding): StatusChanged[] {
  const { treaty, iso3, action, on, today } = command;
  const code = treaty.code;
  if (sameActAlreadyRecorded(state, action, on)) return [];
  if (on < treaty.openedForSignatureOn) {
    throw ruleViolated('before-opening', `${code} opened for signature on ${treaty.openedForSignatureOn}; no ${action} can be dated ${on}.`, 'on');
  }
  if (on > today) throw ruleViolated('in-the-future', `A ${action} dated ${on} is after today (${today}); record acts once they happened.`, 'on');
  if (state.withdrawalNotifiedOn) {
    throw conflict('withdrawn', `${iso3} notified its withdrawal from ${code} on ${state.withdrawalNotifiedOn}; no further act can be recorded.`, 'action');
  }

  const base = { treaty: code, iso3, action, on, ...(command.source ? { source: command.source } : {}) };
  const event = (data: Omit<StatusChanged['data'], keyof typeof base>): StatusChanged[] => [
    { type: 'StatusChanged', occurredAt: on, data: { ...base, ...data } },
  ];

  if (action === 'withdrawal') {
    if (!state.depositedOn) throw ruleViolated('not-a-party', `${iso3} is not a party to ${code}, so it cannot withdraw.`, 'action');
    if (on < state.depositedOn) throw ruleViolated('before-deposit', `${iso3} deposited its instrument on ${state.depositedOn}; a withdrawal cannot be dated earlier.`, 'on');
    return event({ treatyStatus: 'withdrawn', effectiveOn: withdrawalTakesEffectOn(treaty, on) });
  }
  if (state.depositedOn) {
    throw conflict('already-party', `${iso3} already deposited its instrument of ${state.depositType} on ${state.depositedOn}.`, 'action');
  }
  if (action === 'signature') {
    if (state.signedOn) throw conflict('already-signed', `${iso3} already signed ${code} on ${state.signedOn}.`, 'action');
    if (treaty.signatureClosesOn && on >= treaty.signatureClosesOn) {
      throw ruleViolated('signature-closed', `${code} was open for signature until ${treaty.signatureClosesOn}; a state that has not signed joins by accession.`, 'action');
    }
    return event({ treatyStatus: 'signatory' });
  }
  if (CONSENT_AFTER_SIGNATURE.includes(action)) {
    if (!state.signedOn) {
      throw ruleViolated('not-signed', `${iso3} has not signed ${code}, so it cannot deposit an instrument of ${action}; a state that did not sign joins by accession.`, 'action');
    }
    if (on < state.signedOn) throw ruleViolated('before-signature', `${iso3} signed on ${state.signedOn}; its ${action} cannot be dated earlier.`, 'on');
  } else if (isDeposit(action) && state.signedOn) {
    throw ruleViolated('signed-already', `${iso3} signed ${code} on ${state.signedOn}; a signatory joins by ratification, acceptance or approval, not ${action}.`, 'action');
  }
  const entryIntoForceOn = entryIntoForceForState(treaty, on);
  return event({ treatyStatus: 'state-party', ...(entryIntoForceOn ? { entryIntoForceOn } : {}) });
}

export const treatyStatusDecider: Decider<RecordTreatyAction, TreatyStanding, StatusChanged> = {
  decide: decideTreatyAction,
  evolve: evolveStanding,
  initialState: () => EMPTY_STANDING,
};
