import { Inject } from '@nestjs/common';
import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { notFound, toLocalDate, type Clock, type EventMetadata } from '../../kernel/index.js';
import { CommandRunner, type CommandOutcome } from '../../event-store/index.js';
import { CLOCK } from '../../platform/runtime/tokens.js';
import { followUpDecider } from '../domain/follow-up.decider.js';
import { followUpStreamId } from '../domain/follow-up.events.js';

/** A coordinator claims a follow-up, hands it to someone else, or completes it with an outcome. */
export class WorkFollowUpCommand {
  constructor(
    readonly followUpId: string,
    readonly work:
      | { readonly kind: 'claim'; readonly assignee: string }
      | { readonly kind: 'reassign'; readonly assignee: string; readonly by: string }
      | { readonly kind: 'complete'; readonly outcome: string; readonly by: string },
    readonly metadata: EventMetadata,
  ) {}
}

@CommandHandler(WorkFollowUpCommand)
export class WorkFollowUpHandler implements ICommandHandler<WorkFollowUpCommand, CommandOutcome> {
  constructor(
    private readonly runner: CommandRunner,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  async execute(c: WorkFollowUpCommand): Promise<CommandOutcome> {
    const streamId = followUpStreamId(c.followUpId);
    const { state } = await this.runner.load(streamId, followUpDecider);
    if (!state) throw notFound('unknown-follow-up', `There is no follow-up "${c.followUpId}".`, 'id');
    const on = toLocalDate(this.clock.now());
    return this.runner.run(streamId, followUpDecider, { ...c.work, on }, c.metadata);
  }
}
