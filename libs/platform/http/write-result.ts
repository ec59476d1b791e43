import { ApiProperty } from '@nestjs/swagger';
import type { CommandOutcome } from '../../event-store/index.js';

/** What every write answers: the events it stored (none for a repeat) and the stream's version. */
export class WriteResult {
  @ApiProperty({ type: [String] }) eventIds!: string[];
  @ApiProperty() streamVersion!: number;
}

export const writeResult = (outcome: CommandOutcome): WriteResult => ({ eventIds: [...outcome.eventIds], streamVersion: outcome.streamVersion });
