import { ApiProperty } from '@nestjs/swagger';

/**
 * What every write answers: the events it stored (none for a repeat), the stream's version, and
 * the log position reached, which a read can ask to see (`?minPosition=`, also sent as the
 * `Consistency-Position` header).
 */
export class WriteResult {
  @ApiProperty({ type: [String] }) eventIds!: string[];
  @ApiProperty() streamVersion!: number;
  @ApiProperty({ description: 'the log position this write reached; pass it to a read as minPosition to see its effect' }) position!: number;
}

/** What a command's outcome tells its caller. */
interface Outcome {
  readonly eventIds: readonly string[];
  readonly streamVersion: number;
  readonly position: number;
}

export const writeResult = (outcome: Outcome): WriteResult => ({ eventIds: [...outcome.eventIds], streamVersion: outcome.streamVersion, position: outcome.position });
