import { requireKnownCountry } from '../../treaty-status/index.js';
import { Inject } from '@nestjs/common';
import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { toLocalDate, type Clock, type EventMetadata } from '../../kernel/index.js';
import { CommandRunner, EVENT_STORE, type EventStore } from '../../event-store/index.js';
import { CLOCK } from '../../platform/runtime/tokens.js';
import { missionDecider, type MissionState, type RegisterMission } from '../domain/mission.decider.js';
import { missionStreamId } from '../domain/outreach.events.js';
import { BatchRefused, itemProblem, type ItemProblem } from './record-outreach-batch.handler.js';

export interface MissionOutcome {
  readonly index: number;
  readonly missionId: string;
  /** False: the mission is registered already with these very details. */
  readonly registered: boolean;
  readonly position: number;
}

/** Many missions at once (a spreadsheet of a campaign's embassies): all of them, or none. */
export class RegisterMissionsCommand {
  constructor(
    readonly missions: readonly Omit<RegisterMission, 'today'>[],
    readonly metadata: EventMetadata,
    readonly options: { readonly dryRun?: boolean; readonly onProgress?: (done: number, total: number) => void } = {},
  ) {}
}

/**
 * Registers missions after checking every one: the countries it names exist, and it does not
 * contradict a mission registered already, in the store or earlier in the same list.
 */
@CommandHandler(RegisterMissionsCommand)
export class RegisterMissionsHandler implements ICommandHandler<RegisterMissionsCommand, MissionOutcome[]> {
  constructor(
    private readonly runner: CommandRunner,
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  async execute({ missions, metadata, options }: RegisterMissionsCommand): Promise<MissionOutcome[]> {
    const today = toLocalDate(this.clock.now());
    const problems: ItemProblem[] = [];
    const states = new Map<string, MissionState>();
    const planned: { index: number; command: RegisterMission; registered: boolean }[] = [];
    for (const [index, mission] of missions.entries()) {
      try {
        await requireKnownCountry(this.store, mission.coordinator, 'coordinator');
        for (const [i, iso3] of mission.accreditedTo.entries()) await requireKnownCountry(this.store, iso3, `accreditedTo/${i}`);
        const stream = missionStreamId(mission.missionId);
        const state = states.has(stream) ? states.get(stream) : (await this.runner.load(stream, missionDecider)).state;
        const command = { ...mission, today };
        const events = missionDecider.decide(command, state);
        states.set(stream, events.reduce(missionDecider.evolve, state));
        planned.push({ index, command, registered: events.length > 0 });
      } catch (error) {
        problems.push(itemProblem(index, error));
      }
    }
    if (problems.length) throw new BatchRefused(problems);
    if (options.dryRun) return planned.map(({ index, command, registered }) => ({ index, missionId: command.missionId, registered, position: 0 }));
    const outcomes: MissionOutcome[] = [];
    for (const { index, command } of planned) {
      const outcome = await this.runner.run(missionStreamId(command.missionId), missionDecider, command, metadata);
      outcomes.push({ index, missionId: command.missionId, registered: outcome.events.length > 0, position: outcome.position });
      options.onProgress?.(outcomes.length, planned.length);
    }
    return outcomes;
  }
}
