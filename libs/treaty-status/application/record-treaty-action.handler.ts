import { Inject } from '@nestjs/common';
import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { toLocalDate, type Clock, type EventMetadata, type Iso3, type LocalDate } from '../../kernel/index.js';
import { CommandRunner, EVENT_STORE, type CommandOutcome, type EventStore } from '../../event-store/index.js';
import { CLOCK } from '../../platform/runtime/tokens.js';
import { TREATIES, type TreatyCatalog } from './treaty-catalog.js';
import { requireKnownCountry } from './known-country.js';
import { treatyStatusDecider, type RecordTreatyAction } from '../domain/treaty-status.decider.js';
import { treatyStatusStreamId } from '../domain/treaty-status.events.js';
import type { TreatyAction } from '../domain/treaty-action.js';

export class RecordTreatyActionCommand {
  constructor(
    readonly iso3: Iso3,
    readonly treaty: string,
    readonly action: TreatyAction,
    readonly on: LocalDate,
    readonly source: string | undefined,
    readonly metadata: EventMetadata,
    readonly details: Pick<RecordTreatyAction, 'entryIntoForceOn' | 'effectiveOn' | 'inArmedConflict'> = {},
  ) {}
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
      { treaty, iso3: c.iso3, action: c.action, on: c.on, today: toLocalDate(this.clock.now()), ...(c.source ? { source: c.source } : {}), ...c.details },
      c.metadata,
    );
  }
}
