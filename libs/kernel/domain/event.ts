import type { LocalDate } from './local-date.js';

/**
 * A fact, as a decider emits it: a stable `type` (never derived from a class name), its
 * payload, and when it happened in the world. Everything else in the stored envelope is
 * added when the fact is recorded.
 */
export interface DomainEvent<TType extends string = string, TData = unknown> {
  readonly type: TType;
  readonly data: TData;
  /** When it happened in the world: the deposit date, the day of the meeting. */
  readonly occurredAt: LocalDate | string;
}

/** Who caused a fact to be recorded, and as part of what. */
export interface EventMetadata {
  /** The user, token or process that caused the event (`import:ccm-states`, `system:follow-ups`). */
  readonly actor: string;
  /** The id shared by everything one request or import caused. */
  readonly correlationId: string;
  /** The id of the event or command that directly caused this one. */
  readonly causationId: string;
}

/** A fact as stored: the domain event in its envelope. */
export interface RecordedEvent<TType extends string = string, TData = unknown>
  extends DomainEvent<TType, TData>, EventMetadata {
  readonly id: string;
  readonly schemaVersion: number;
  readonly streamId: string;
  /** 1 for the first event of a stream. */
  readonly streamVersion: number;
  /** Position in the store's global order; strictly increasing, gaps allowed. */
  readonly position: number;
  /** When Demarche learned of it (ISO instant). */
  readonly recordedAt: string;
}

/** Narrow a recorded event by type, for readers that handle several kinds. */
export function isEvent<E extends DomainEvent>(
  event: RecordedEvent,
  type: E['type'],
): event is RecordedEvent<E['type'], E['data']> {
  return event.type === type;
}

/** A pure decision function: given what happened so far, what happens now. */
export type Decide<TCommand, TState, TEvent extends DomainEvent> = (command: TCommand, state: TState) => TEvent[];
/** A pure fold step: the state after one more event. */
export type Evolve<TState, TEvent extends DomainEvent> = (state: TState, event: TEvent) => TState;

export interface Decider<TCommand, TState, TEvent extends DomainEvent> {
  readonly decide: Decide<TCommand, TState, TEvent>;
  readonly evolve: Evolve<TState, TEvent>;
  readonly initialState: () => TState;
}

export function fold<TState, TEvent extends DomainEvent>(
  decider: Pick<Decider<unknown, TState, TEvent>, 'evolve' | 'initialState'>,
  events: readonly TEvent[],
): TState {
  return events.reduce(decider.evolve, decider.initialState());
}
