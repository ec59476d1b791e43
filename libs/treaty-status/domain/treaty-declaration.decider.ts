import { ruleViolated, type Decider, type Iso3, type LocalDate } from '../../kernel/index.js';
import { ruleName, type TreatyDeclarationKind, type TreatyDefinition } from './treaty.js';
import type { TreatyDeclarationRecorded } from './treaty-status.events.js';

/** Record a declaration the depositary received from a state on a day. */
export interface RecordTreatyDeclaration {
  readonly treaty: TreatyDefinition;
  readonly iso3: Iso3;
  readonly declaration: TreatyDeclarationKind;
  readonly on: LocalDate;
  readonly source?: string;
  readonly today: LocalDate;
}

/** The declarations already recorded for one state and treaty. */
export type DeclarationsState = readonly Pick<TreatyDeclarationRecorded['data'], 'declaration' | 'on'>[];

/** A declaration the treaty provides for, dated within its life; the same one twice adds nothing. */
export function decideDeclaration(command: RecordTreatyDeclaration, state: DeclarationsState): TreatyDeclarationRecorded[] {
  const { treaty, iso3, declaration, on, today } = command;
  if (!(treaty.declarations ?? []).includes(declaration)) {
    const known = treaty.declarations?.length ? treaty.declarations.join(', ') : 'none';
    throw ruleViolated('declaration-not-provided', `${treaty.code} records no "${declaration}" declarations (its treaty file lists: ${known}).`, 'declaration');
  }
  if (on < treaty.openedForSignatureOn) throw ruleViolated('before-opening', `${treaty.code} opened for signature on ${treaty.openedForSignatureOn}; no declaration can be dated ${on}.`, 'on');
  if (on > today) throw ruleViolated('in-the-future', `A declaration dated ${on} is after today (${today}).`, 'on');
  if (state.some((d) => d.declaration === declaration && d.on === on)) return [];
  const about = declaration === 'provisional-application' ? ruleName(treaty, 'provisionalApplication') : undefined;
  return [
    {
      type: 'TreatyDeclarationRecorded',
      occurredAt: on,
      data: { treaty: treaty.code, iso3, declaration, on, ...(command.source ? { source: command.source } : about ? { source: about } : {}) },
    },
  ];
}

export const declarationsDecider: Decider<RecordTreatyDeclaration, DeclarationsState, TreatyDeclarationRecorded> = {
  decide: decideDeclaration,
  evolve: (state, event) => [...state, { declaration: event.data.declaration, on: event.data.on }],
  initialState: () => [],
};
