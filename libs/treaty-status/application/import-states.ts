import { ImportError, isIso3Shape, isLocalDate, toLocalDate, type Clock, type CsvRecord, type EventMetadata, type Iso3, type LocalDate } from '../../kernel/index.js';
import { DomainError } from '../../kernel/index.js';
import type { CommandRunner } from '../../event-store/index.js';
import { decideTreatyAction, treatyStatusDecider } from '../domain/treaty-status.decider.js';
import { countryStreamId, treatyDeclarationsStreamId, treatyStatusStreamId, type CountryRegistered, type TreatyDeclarationRecorded } from '../domain/treaty-status.events.js';
import { TREATY_ACTIONS, type TreatyAction } from '../domain/treaty-action.js';
import type { TreatyStanding } from '../domain/treaty-standing.js';
import { entryIntoForceForState, TREATY_DECLARATION_KINDS, type TreatyDeclarationKind, type TreatyDefinition } from '../domain/treaty.js';
import { declarationsDecider, decideDeclaration } from '../domain/treaty-declaration.decider.js';

interface PlannedState {
  readonly line: number;
  readonly country: CountryRegistered['data'];
  readonly acts: PlannedAct[];
  readonly declarations: PlannedDeclaration[];
}

interface PlannedAct {
  readonly action: TreatyAction;
  readonly on: LocalDate;
  readonly source?: string;
  readonly entryIntoForceOn?: LocalDate;
  readonly effectiveOn?: LocalDate;
  readonly file: string;
  readonly line: number;
}

interface PlannedDeclaration extends Omit<TreatyDeclarationRecorded['data'], 'treaty' | 'iso3'> {
  readonly file: string;
  readonly line: number;
}

export interface ImportSummary {
  readonly states: number;
  readonly countriesAdded: number;
  readonly actsAdded: number;
  readonly actsAlreadyKnown: number;
  readonly declarationsAdded: number;
}

const countryDecider = {
  decide: (c: CountryRegistered['data'], s: CountryRegistered['data'] | undefined): CountryRegistered[] =>
    s ? [] : [{ type: 'CountryRegistered', occurredAt: '1945-10-24', data: c }],
  evolve: (_s: CountryRegistered['data'] | undefined, e: CountryRegistered) => e.data,
  initialState: () => undefined as CountryRegistered['data'] | undefined,
};

/**
 * Loads the states reference list and every signature, deposit and withdrawal as dated
 * `StatusChanged` events. Every row is checked against the treaty's rules (and against what
 * is already stored) before anything is written, so a bad row stops the import with its line
 * number and nothing half-written; a second run adds nothing.
 */
/** A parsed input file and its name, for error messages. */
export interface ImportFile {
  readonly file: string;
  readonly records: readonly CsvRecord[];
}

export interface ImportSources {
  /** The states, with their signature and deposit dates. */
  readonly states: ImportFile;
  readonly withdrawals?: ImportFile;
  /** States that came into being, or could first join, after the treaty opened (iso3, since). */
  readonly universe?: ImportFile;
  /** Declarations the record holds (iso3, declaration, on, source). */
  readonly declarations?: ImportFile;
}

export async function importStates(runner: CommandRunner, clock: Clock, treaty: TreatyDefinition, sources: ImportSources, metadata: EventMetadata): Promise<ImportSummary> {
  const plan = planImport(treaty, sources);
  const today = toLocalDate(clock.now());
  // Dry run: every act against the stored state, so a contradiction stops us before any write.
  for (const s of plan) {
    for (const d of s.declarations) {
      try {
        decideDeclaration({ treaty, iso3: s.country.iso3, today, declaration: d.declaration, on: d.on }, []);
      } catch (error) {
        if (error instanceof DomainError) throw new ImportError(`${d.file}, line ${d.line} (${s.country.iso3}): ${error.message}`);
        throw error;
      }
    }
    let { state } = await runner.load<TreatyStanding, never>(treatyStatusStreamId(treaty.code, s.country.iso3), treatyStatusDecider as never);
    for (const act of s.acts) {
      try {
        const events = decideTreatyAction({ treaty, iso3: s.country.iso3, today, ...act }, state);
        state = events.reduce(treatyStatusDecider.evolve, state);
      } catch (error) {
        if (error instanceof DomainError) throw new ImportError(`${act.file}, line ${act.line} (${s.country.iso3}): ${error.message}`);
        throw error;
      }
    }
  }
  let countriesAdded = 0;
  let actsAdded = 0;
  let actsAlreadyKnown = 0;
  let declarationsAdded = 0;
  for (const s of plan) {
    const c = await runner.run(countryStreamId(s.country.iso3), countryDecider, s.country, metadata);
    countriesAdded += c.events.length;
    for (const act of s.acts) {
      const r = await runner.run(treatyStatusStreamId(treaty.code, s.country.iso3), treatyStatusDecider, { treaty, iso3: s.country.iso3, today, ...act }, metadata);
      if (r.events.length) actsAdded++;
      else actsAlreadyKnown++;
    }
    for (const { file: _file, line: _line, ...d } of s.declarations) {
      const r = await runner.run(treatyDeclarationsStreamId(treaty.code, s.country.iso3), declarationsDecider, { treaty, iso3: s.country.iso3, today, ...d }, metadata);
      declarationsAdded += r.events.length;
    }
  }
  return { states: plan.length, countriesAdded, actsAdded, actsAlreadyKnown, declarationsAdded };
}

function planImport(treaty: TreatyDefinition, sources: ImportSources): PlannedState[] {
  const failIn = (file: string) => (line: number, message: string): never => {
    throw new ImportError(`${file}, line ${line}: ${message}`);
  };
  const fail = failIn(sources.states.file);
  const states = sources.states.records;
  const seen = new Map<Iso3, PlannedState>();
  for (const { line, fields: f } of states) {
    const iso3 = f.iso3 ?? '';
    if (!isIso3Shape(iso3)) fail(line, `iso3 "${iso3}" is not an upper-case ISO 3166-1 alpha-3 code.`);
    if (seen.has(iso3)) fail(line, `${iso3} appears twice (first on line ${seen.get(iso3)!.line}).`);
    for (const col of ['name', 'region', 'subregion'] as const) if (!f[col]) fail(line, `${iso3} has an empty ${col}.`);
    const date = (col: string): LocalDate | undefined => {
      const v = f[col];
      if (!v) return undefined;
      if (!isLocalDate(v)) fail(line, `${col} "${v}" is not a real calendar date written YYYY-MM-DD.`);
      return v;
    };
    const signed = date('signed');
    const deposited = date('deposited');
    const eif = date('entry_into_force');
    const type = f.deposit_type ?? '';
    const acts: PlannedAct[] = [];
    const source = f.source || undefined;
    const file = sources.states.file;
    if (signed) acts.push({ action: 'signature', on: signed, file, line, ...(source ? { source } : {}) });
    if (deposited) {
      if (!TREATY_ACTIONS.includes(type as TreatyAction) || type === 'signature' || type === 'withdrawal') {
        fail(line, `deposit_type "${type}" must be ratification, acceptance, approval, accession or succession.`);
      }
      // A succession's entry into force is the record's own date (see the decider); other rows are checked against the rule below.
      const given = type === 'succession' && eif ? { entryIntoForceOn: eif } : {};
      acts.push({ action: type as TreatyAction, on: deposited, file, line, ...given, ...(source ? { source } : {}) });
    } else if (type) fail(line, `deposit_type "${type}" is given without a deposited date.`);
    if (eif && !deposited) fail(line, `entry_into_force is given without a deposited date.`);
    seen.set(iso3, { line, country: { iso3, name: f.name!, region: f.region!, subregion: f.subregion! }, acts, declarations: [] });
    if (deposited && eif && type !== 'succession') {
      const expected = entryIntoForceForState(treaty, deposited);
      if (expected && expected !== eif) fail(line, `entry_into_force ${eif} does not follow the treaty's rule, which gives ${expected} for a deposit on ${deposited}.`);
    }
  }
  const withdrawalsFile = sources.withdrawals?.file ?? '';
  const failWithdrawal = failIn(withdrawalsFile);
  for (const { line, fields: f } of sources.withdrawals?.records ?? []) {
    const fail = failWithdrawal;
    const state = seen.get(f.iso3 ?? '') ?? fail(line, `withdrawal for "${f.iso3}", which is not in the states file.`);
    const notified = f.notified ?? '';
    if (!isLocalDate(notified)) fail(line, `notified "${notified}" is not a real calendar date written YYYY-MM-DD.`);
    if (f.effective && !isLocalDate(f.effective)) fail(line, `effective "${f.effective}" is not a real calendar date written YYYY-MM-DD.`);
    // The decider checks the effect against the notice period, in the dry run, naming this line.
    const effective = f.effective ? { effectiveOn: f.effective } : {};
    state.acts.push({ action: 'withdrawal', on: notified, ...effective, file: withdrawalsFile, line, ...(f.source ? { source: f.source } : {}) });
  }
  const declarationsFile = sources.declarations?.file ?? '';
  const failDeclaration = failIn(declarationsFile);
  for (const { line, fields: f } of sources.declarations?.records ?? []) {
    const fail = failDeclaration;
    const state = seen.get(f.iso3 ?? '') ?? fail(line, `declaration by "${f.iso3}", which is not in the states file.`);
    if (!TREATY_DECLARATION_KINDS.includes(f.declaration as TreatyDeclarationKind)) fail(line, `declaration "${f.declaration}" must be one of ${TREATY_DECLARATION_KINDS.join(', ')}.`);
    if (!isLocalDate(f.on)) fail(line, `on "${f.on}" is not a real calendar date written YYYY-MM-DD.`);
    state.declarations.push({ declaration: f.declaration as TreatyDeclarationKind, on: f.on!, file: declarationsFile, line, ...(f.source ? { source: f.source } : {}) });
  }
  const failUniverse = failIn(sources.universe?.file ?? '');
  for (const { line, fields: f } of sources.universe?.records ?? []) {
    const fail = failUniverse;
    const state = seen.get(f.iso3 ?? '') ?? fail(line, `"${f.iso3}" is not in the states file.`);
    if (!isLocalDate(f.since)) fail(line, `since "${f.since}" is not a real calendar date written YYYY-MM-DD.`);
    const firstAct = state.acts.map((a) => a.on).sort()[0];
    if (firstAct && firstAct < f.since!) fail(line, `${state.country.iso3} acted on ${firstAct}, before it could (since ${f.since}).`);
    seen.set(state.country.iso3, { ...state, country: { ...state.country, since: f.since! } });
  }
  return [...seen.values()];
}
