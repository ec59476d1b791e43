import { requireKnownCountry } from '../../treaty-status/index.js';
import { Inject } from '@nestjs/common';
import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { toLocalDate, type Clock, type EventMetadata } from '../../kernel/index.js';
import { CommandRunner, EVENT_STORE, type CommandOutcome, type EventStore } from '../../event-store/index.js';
import { CLOCK } from '../../platform/runtime/tokens.js';
import { missionDecider, type RegisterMission } from '../domain/mission.decider.js';
import { missionStreamId } from '../domain/outreach.events.js';

export class RegisterMissionCommand {
  constructor(
    readonly mission: Omit<RegisterMission, 'today'>,
    readonly metadata: EventMetadata,
  ) {}
}

@CommandHandler(RegisterMissionCommand)
export class RegisterMissionHandler implements ICommandHandler<RegisterMissionCommand, CommandOutcome> {
  constructor(
    private readonly runner: CommandRunner,
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  async execute({ mission, metadata }: RegisterMissionCommand): Promise<CommandOutcome> {
    await requireKnownCountry(this.store, mission.coordinator, 'coordinator');
    for (const [i, iso3] of mission.accreditedTo.entries()) await requireKnownCountry(this.store, iso3, `accreditedTo[${i}]`);
    return this.runner.run(missionStreamId(mission.missionId), missionDecider, { ...mission, today: toLocalDate(this.clock.now()) }, metadata);
  }
}
