import { Inject } from '@nestjs/common';
import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { notFound, toLocalDate, type Clock, type EventMetadata } from '../../kernel/index.js';
import { CommandRunner, type CommandOutcome } from '../../event-store/index.js';
import { CLOCK } from '../../platform/runtime/tokens.js';
import { missionNotesDecider } from '../domain/mission.decider.js';
import { missionStreamId } from '../domain/outreach.events.js';
import { NOTES_CIPHER, type NotesCipher } from './notes-cipher.port.js';

export class ForgetMissionNotesCommand {
  constructor(
    readonly missionId: string,
    readonly metadata: EventMetadata,
  ) {}
}

/**
 * Crypto-shredding: destroys the mission's key, then records MissionNotesForgotten. The key
 * goes first so that a failure between the two steps errs on the side of forgetting; a
 * retry finds the key gone and still records the event. Notes the mission records later are
 * sealed under a fresh key.
 */
@CommandHandler(ForgetMissionNotesCommand)
export class ForgetMissionNotesHandler implements ICommandHandler<ForgetMissionNotesCommand, CommandOutcome> {
  constructor(
    private readonly runner: CommandRunner,
    @Inject(NOTES_CIPHER) private readonly cipher: NotesCipher,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  async execute({ missionId, metadata }: ForgetMissionNotesCommand): Promise<CommandOutcome> {
    const stream = missionStreamId(missionId);
    const { state } = await this.runner.load(stream, missionNotesDecider);
    if (!state.registered) throw notFound('unknown-mission', `There is no mission "${missionId}".`, 'id');
    const keyDestroyed = await this.cipher.destroy(missionId);
    return this.runner.run(stream, missionNotesDecider, { missionId, keyDestroyed, today: toLocalDate(this.clock.now()) }, metadata, { retryOnConflict: true });
  }
}
