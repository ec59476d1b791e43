import { conflict, ruleViolated, type Decider, type Iso3, type LocalDate } from '../../kernel/index.js';
import { CONSENT_AFTER_SIGNATURE, isDeposit, type TreatyAction } from './treaty-action.js';
import { EMPTY_STANDING, type TreatyStanding } from './treaty-standing.js';
import { entryIntoForceForState, noticePeriod, ruleName, treatyEntryIntoForce, withdrawalTakesEffectOn, type TreatyDefinition } from './treaty.js';
import type { StatusChanged } from './treaty-status.events.js';

/** Record that a state performed a treaty action on a day. */
export interface RecordTreatyAction {
  readonly treaty: TreatyDefinition;
  readonly iso3: Iso3;
  readonly action: TreatyAction;
  readonly on: LocalDate;
  readonly source?: string;
  /**
   * A succession: the day the successor became bound, as the depositary or the Office of
   * Legal Affairs gives it (often its independence, before the notification itself).
   */
  readonly entryIntoForceOn?: LocalDate;
  /** A withdrawal: the day its notice says it takes effect (default: after the notice period). */
  readonly effectiveOn?: LocalDate;
  /** A withdrawal by a state engaged in an armed conflict (Art. 20(3) of the CCM and APMBC). */
  readonly inArmedConflict?: boolean;
  /** Today, from the clock: an act cannot be dated after it. */
  readonly today: LocalDate;
}

/** The parts of an act that shape a standing. */
export type Act = Pick<StatusChanged['data'], 'action' | 'on' | 'entryIntoForceOn' | 'effectiveOn' | 'effectSuspended'>;

/** The standing after one more act. */
export function applyAct(state: TreatyStanding, act: Act): TreatyStanding {
  const { action, on, entryIntoForceOn, effectiveOn } = act;
  if (action === 'signature') return { ...state, signedOn: on };
  if (action === 'withdrawal') {
    // An effect recorded after a suspension ends it: the standing keeps one or the other.
    const { withdrawalSuspended: _ended, ...rest } = state;
    const base = effectiveOn ? rest : state;
    return { ...base, withdrawalNotifiedOn: on, ...(effectiveOn ? { withdrawalEffectiveOn: effectiveOn } : {}), ...(act.effectSuspended ? { withdrawalSuspended: act.effectSuspended } : {}) };
  }
  return { ...state, depositedOn: on, depositType: action, ...(entryIntoForceOn ? { entryIntoForceOn } : {}) };
}

export function evolveStanding(state: TreatyStanding, event: StatusChanged): TreatyStanding {
  return applyAct(state, event.data);
}

function sameActAlreadyRecorded(state: TreatyStanding, command: RecordTreatyAction): boolean {
  const { action, on } = command;
  if (action === 'signature') return state.signedOn === on;
  if (action === 'withdrawal') return state.withdrawalNotifiedOn === on && !suspensionEnds(state, command);
  return state.depositType === action && state.depositedOn === on;
}

/**
 * The treaty's rules for one state. Recording the very same act twice is not an error and
 * adds nothing (imports and retries are safe); a contradicting act is refused.
 */
export function decideTreatyAction(command: RecordTreatyAction, state: TreatyStanding): StatusChanged[] {
  const { treaty, iso3, action, on, today } = command;
  const code = treaty.code;
  if (sameActAlreadyRecorded(state, command)) return [];
  if (on < treaty.openedForSignatureOn) {
    throw ruleViolated('before-opening', `${code} opened for signature on ${treaty.openedForSignatureOn}; no ${action} can be dated ${on}.`, 'on');
  }
  if (on > today) throw ruleViolated('in-the-future', `A ${action} dated ${on} is after today (${today}); record acts once they happened.`, 'on');
  if (suspensionEnds(state, command)) return [{ type: 'StatusChanged', occurredAt: on, data: endOfSuspension(command) }];
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
    return event(withdrawalEffect(command));
  }
  if (command.effectiveOn || command.inArmedConflict) {
    throw ruleViolated('not-a-withdrawal', `effectiveOn and inArmedConflict belong to a withdrawal, not a ${action}.`, command.effectiveOn ? 'effectiveOn' : 'inArmedConflict');
  }
  if (state.depositedOn) {
    throw conflict('already-party', `${iso3} already deposited its instrument of ${state.depositType} on ${state.depositedOn}.`, 'action');
  }
  if (action === 'signature') {
    if (state.signedOn) throw conflict('already-signed', `${iso3} already signed ${code} on ${state.signedOn}.`, 'action');
    if (treaty.signatureClosesOn && on >= treaty.signatureClosesOn) {
      throw ruleViolated(
        'signature-closed',
        `${ruleName(treaty, 'signature')}: ${code} was open for signature until its entry into force on ${treaty.signatureClosesOn}; a signature dated ${on} is refused, and a state that has not signed joins by accession.`,
        'action',
      );
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
  const entryIntoForceOn = entryIntoForceOfInstrument(command);
  return event({ treatyStatus: 'state-party', ...(entryIntoForceOn ? { entryIntoForceOn } : {}) });
}

/**
 * The rule's date; a succession may name an earlier one (the successor is bound from the day
 * it took over), but never before the treaty itself entered into force.
 */
function entryIntoForceOfInstrument(command: RecordTreatyAction): LocalDate | undefined {
  const { treaty, action, on } = command;
  const byRule = entryIntoForceForState(treaty, on);
  const given = command.entryIntoForceOn;
  if (!given) return byRule;
  const rule = ruleName(treaty, 'entryIntoForce');
  if (action !== 'succession') {
    throw ruleViolated('entry-into-force-rule', `${rule}: the entry into force of a ${action} follows from its deposit (${byRule ?? 'not yet knowable'}); only a succession names its own date.`, 'entryIntoForceOn');
  }
  const treatyInForce = treatyEntryIntoForce(treaty);
  if (!byRule || !treatyInForce || given < treatyInForce || given > byRule) {
    throw ruleViolated('entry-into-force-rule', `${rule}: a succession deposited on ${on} takes effect between the treaty's entry into force (${treatyInForce ?? 'not yet'}) and ${byRule ?? 'a date not yet knowable'}; ${given} is outside.`, 'entryIntoForceOn');
  }
  return given;
}

/** The same notice again, now with the day it takes effect: the armed conflict that held it back has ended. */
function suspensionEnds(state: TreatyStanding, command: RecordTreatyAction): boolean {
  return command.action === 'withdrawal' && Boolean(state.withdrawalSuspended) && !state.withdrawalEffectiveOn && command.on === state.withdrawalNotifiedOn && Boolean(command.effectiveOn);
}

function endOfSuspension(command: RecordTreatyAction): StatusChanged['data'] {
  const { treaty, iso3, on, effectiveOn, source } = command;
  const earliest = withdrawalTakesEffectOn(treaty, on);
  if (effectiveOn! < earliest) {
    throw ruleViolated('withdrawal-notice-period', `${ruleName(treaty, 'withdrawal')}: notified on ${on}, the withdrawal cannot take effect before ${earliest} (not ${effectiveOn}), whenever the armed conflict ended.`, 'effectiveOn');
  }
  return { treaty: treaty.code, iso3, action: 'withdrawal', on, treatyStatus: 'withdrawn', effectiveOn: effectiveOn!, ...(source ? { source } : {}) };
}

/** When a withdrawal takes effect: after the notice period, later if the treaty lets the notice say so, or not yet in an armed conflict. */
function withdrawalEffect(command: RecordTreatyAction): Pick<StatusChanged['data'], 'treatyStatus' | 'effectiveOn' | 'effectSuspended'> {
  const { treaty, on, effectiveOn, inArmedConflict } = command;
  const rule = ruleName(treaty, 'withdrawal');
  const earliest = withdrawalTakesEffectOn(treaty, on);
  if (effectiveOn && effectiveOn < earliest) {
    throw ruleViolated('withdrawal-notice-period', `${rule}: a withdrawal takes effect ${noticePeriod(treaty)} after its notice; notified on ${on}, it cannot take effect before ${earliest} (not ${effectiveOn}).`, 'effectiveOn');
  }
  if (effectiveOn && effectiveOn > earliest && !treaty.withdrawalMayNameLaterDate) {
    throw ruleViolated('withdrawal-notice-period', `${rule}: a withdrawal takes effect ${noticePeriod(treaty)} after its notice, on ${earliest}; ${treaty.code} lets no notice name a later day (${effectiveOn}).`, 'effectiveOn');
  }
  if (inArmedConflict) {
    if (!treaty.withdrawalSuspendedInArmedConflict) {
      throw ruleViolated('no-armed-conflict-rule', `${rule}: ${treaty.code} does not suspend a withdrawal during an armed conflict.`, 'inArmedConflict');
    }
    return { treatyStatus: 'withdrawn', effectSuspended: 'armed-conflict' };
  }
  return { treatyStatus: 'withdrawn', effectiveOn: effectiveOn ?? earliest };
}

export const treatyStatusDecider: Decider<RecordTreatyAction, TreatyStanding, StatusChanged> = {
  decide: decideTreatyAction,
  evolve: evolveStanding,
  initialState: () => EMPTY_STANDING,
};
