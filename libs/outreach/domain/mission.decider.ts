import { conflict, notFound, ruleViolated, type Decider, type Iso3, type LocalDate } from '../../kernel/index.js';
import type { MissionEvent, MissionKind, MissionNotesForgotten, MissionRegistered } from './outreach.events.js';

export interface RegisterMission {
  readonly missionId: string;
  readonly name: string;
  readonly kind: MissionKind;
  readonly coordinator: Iso3;
  readonly accreditedTo: readonly Iso3[];
  /** Registration has no date in the world; it happens today. */
  readonly today: LocalDate;
}

export type Mission = MissionRegistered['data'];
export type MissionState = Mission | undefined;

const sameMission = (a: Mission, b: RegisterMission) =>
  a.name === b.name && a.kind === b.kind && a.coordinator === b.coordinator && a.accreditedTo.join() === b.accreditedTo.join();

export function decideRegisterMission(command: RegisterMission, state: MissionState): MissionRegistered[] {
  if (state) {
    if (sameMission(state, command)) return [];
    throw conflict('mission-exists', `Mission ${command.missionId} is already registered with other details.`, 'id');
  }
  const { accreditedTo, kind } = command;
  if (new Set(accreditedTo).size !== accreditedTo.length) {
    throw ruleViolated('duplicate-accreditation', 'accreditedTo lists the same country twice.', 'accreditedTo');
  }
  if (kind === 'resident' && accreditedTo.length !== 1) {
    throw ruleViolated('resident-covers-one', 'A resident mission sits in exactly one country; use kind "non-resident" for a point of contact that covers several.', 'accreditedTo');
  }
  const { today, ...data } = command;
  return [{ type: 'MissionRegistered', occurredAt: today, data: { ...data, accreditedTo: [...accreditedTo] } }];
}

export const missionDecider: Decider<RegisterMission, MissionState, MissionEvent> = {
  decide: decideRegisterMission,
  evolve: (state, event) => (event.type === 'MissionRegistered' ? event.data : state),
  initialState: () => undefined,
};

/**
 * Forget a mission's notes. The key is destroyed before this is decided (see the handler);
 * `keyDestroyed` says whether that destroyed anything, so a repeated request records nothing
 * while a forget after new notes (sealed under a fresh key) is recorded again.
 */
export interface ForgetMissionNotes {
  readonly missionId: string;
  readonly keyDestroyed: boolean;
  readonly today: LocalDate;
}

export interface MissionNotesState {
  readonly registered: boolean;
  readonly forgotten: boolean;
}

export function decideForgetMissionNotes(command: ForgetMissionNotes, state: MissionNotesState): MissionNotesForgotten[] {
  if (!state.registered) throw notFound('unknown-mission', `There is no mission "${command.missionId}".`, 'id');
  if (state.forgotten && !command.keyDestroyed) return [];
  return [{ type: 'MissionNotesForgotten', occurredAt: command.today, data: { missionId: command.missionId, forgottenOn: command.today } }];
}

export const missionNotesDecider: Decider<ForgetMissionNotes, MissionNotesState, MissionEvent> = {
  decide: decideForgetMissionNotes,
  evolve: (state, event) => (event.type === 'MissionRegistered' ? { ...state, registered: true } : { ...state, forgotten: true }),
  initialState: () => ({ registered: false, forgotten: false }),
};
