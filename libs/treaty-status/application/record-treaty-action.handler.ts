import { Inject } from '@nestjs/common';
import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { notFound, toLocalDate, type Clock, type EventMetadata, type Iso3, type LocalDate } from '../../kernel/index.js';
import { CommandRunner, EVENT_STORE, type CommandOutcome, type EventStore } from '../../event-store/index.js';
import { CLOCK } from '../../platform/runtime/tokens.js';
import { TREATIES } from '../infrastructure/treaty-catalog.js';
import { treatyStatusDecider } from '../domain/treaty-status.decider.js';
import { countryStreamId, treatyStatusStreamId } from '../domain/treaty-status.events.js';
import type { TreatyAction } from '../domain/treaty-action.js';
import type { TreatyCatalog } from '../infrastructure/treaty-catalog.js';

export class RecordTreatyActionCommand {
  constructor(
    readonly iso3: Iso3,
    readonly treaty: string,
    readonly action: TreatyAction,
    readonly on: LocalDate,
    readonly source: string | undefined,
    readonly metadata: EventMetadata,
  ) {}
}

/** Checks that a country is in the reference list, so nothing is recorded for a typo. */
/**
 * The states each store is known to hold: a registered state is never unregistered, so once
 * seen it need not be read again (every command checks its country, and on a bare FerretDB,
 * without deploy/infra's equality indexes, every read is a scan of the log).
 */
const knownStates = new WeakMap<EventStore, Set<Iso3>>();

export async function requireKnownCountry(store: EventStore, iso3: Iso3, field = 'iso3'): Promise<void> {
  const known = knownStates.get(store) ?? knownStates.set(store, new Set()).get(store)!;
  if (known.has(iso3)) return;
  if ((await store.readStream(countryStreamId(iso3))).length === 0) {
    throw notFound('unknown-country', `${iso3} is not a state in Demarche's reference list (ISO 3166-1 alpha-3, upper case).`, field);
  }
  known.add(iso3);
}

@CommandHandler(RecordTreatyActionCommand)
export class RecordTreatyActionHandler implements ICommandHandler<RecordTreatyActionCommand, CommandOutcome> {
  constructor(
    private readonly runner: CommandRunner,
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(TREATIES) private readonly treaties: TreatyCatalog,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  async execute(c: RecordTreatyActionCommand): Promise<CommandOutcome> {
    const treaty = this.treaties.require(c.treaty);
    await requireKnownCountry(this.store, c.iso3);
    return this.runner.run(
      treatyStatusStreamId(treaty.code, c.iso3),
      treatyStatusDecider,
      { treaty, iso3: c.iso3, action: c.action, on: c.on, today: toLocalDate(this.clock.now()), ...(c.source ? { source: c.source } : {}) },
      c.metadata,
    );
  }
}
