import type { DomainEvent, Iso3, LocalDate } from '../../kernel/index.js';
import type { TreatyAction, TreatyStatus } from './treaty-action.js';
import type { TreatyDeclarationKind } from './treaty.js';

/**
 * A state signed, deposited an instrument, or withdrew. `on` is the day of the act (for a
 * withdrawal, the day of notification). The status after the act and the dates that follow
 * from the treaty's rules are recorded with it, so readers never re-derive them differently.
 */
export type StatusChanged = DomainEvent<
  'StatusChanged',
  {
    readonly treaty: string;
    readonly iso3: Iso3;
    readonly action: TreatyAction;
    readonly on: LocalDate;
    /** Status from `on` by the deposit-date convention (a withdrawal: from `effectiveOn`). */
    readonly treatyStatus: TreatyStatus;
    /** For a deposit: when the treaty enters into force for the state (Article 17). */
    readonly entryIntoForceOn?: LocalDate;
    /** For a withdrawal: when it takes effect. */
    readonly effectiveOn?: LocalDate;
    /** For a withdrawal whose effect waits for the end of an armed conflict (no `effectiveOn` then). */
    readonly effectSuspended?: 'armed-conflict';
    /** Where the fact comes from (the depositary notification, a mission's report). */
    readonly source?: string;
  }
>;

/** A state in the reference list: who can be approached and counted, and where it sits. */
export type CountryRegistered = DomainEvent<
  'CountryRegistered',
  {
    readonly iso3: Iso3;
    readonly name: string;
    /** UN M49 region: Africa, Americas, Asia, Europe, Oceania. */
    readonly region: string;
    /** UN M49 intermediate region where there is one, otherwise the sub-region. */
    readonly subregion: string;
    /**
     * The day from which the state exists and can join treaties open to all States (South
     * Sudan from its independence). Absent when that predates every treaty Demarche tracks.
     * Counts on earlier dates leave the state out.
     */
    readonly since?: LocalDate;
  }
>;

/** A declaration the depositary recorded (provisional application, no intention to ratify). */
export type TreatyDeclarationRecorded = DomainEvent<
  'TreatyDeclarationRecorded',
  {
    readonly treaty: string;
    readonly iso3: Iso3;
    readonly declaration: TreatyDeclarationKind;
    readonly on: LocalDate;
    readonly source?: string;
  }
>;

export type TreatyStatusEvent = StatusChanged;

export const treatyStatusStreamId = (treaty: string, iso3: Iso3) => `treaty-status-${treaty}-${iso3}`;
/** Declarations have their own stream per treaty and state, so the acts' stream keeps its shape. */
export const treatyDeclarationsStreamId = (treaty: string, iso3: Iso3) => `treaty-declarations-${treaty}-${iso3}`;
export const countryStreamId = (iso3: Iso3) => `country-${iso3}`;
