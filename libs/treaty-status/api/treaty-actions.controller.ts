import { Body, Controller, HttpCode, Param, Post, Req } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiCreatedResponse, ApiProperty, ApiPropertyOptional, ApiTags } from '@nestjs/swagger';
import { IsBoolean, IsIn, IsString, Matches, MaxLength } from 'class-validator';
import type { Request } from 'express';
import { metadataOf } from '../../platform/http/request-context.js';
import { IsLocalDate, Iso3Pipe, Omittable } from '../../platform/http/validators.js';
import { WriteResult, writeResult } from '../../platform/http/write-result.js';
import { RecordTreatyActionCommand } from '../application/record-treaty-action.handler.js';
import { TREATY_ACTIONS, type TreatyAction } from '../domain/treaty-action.js';

export class RecordTreatyActionDto {
  @ApiProperty({ example: 'CCM' }) @IsString() @Matches(/^[A-Z][A-Z0-9-]{1,15}$/, { message: 'treaty must be a treaty code such as CCM' }) treaty!: string;
  @ApiProperty({ enum: TREATY_ACTIONS }) @IsIn(TREATY_ACTIONS, { message: `action must be one of ${TREATY_ACTIONS.join(', ')}` }) action!: TreatyAction;
  @ApiProperty({ example: '2026-01-20' }) @IsLocalDate() on!: string;
  @ApiPropertyOptional() @Omittable() @IsString() @MaxLength(500) source?: string;
  @ApiPropertyOptional({ description: 'a succession: the day the successor became bound, when the record gives one' }) @Omittable() @IsLocalDate() entryIntoForceOn?: string;
  @ApiPropertyOptional({ description: 'a withdrawal: the day its notice says it takes effect (not before the notice period)' }) @Omittable() @IsLocalDate() effectiveOn?: string;
  @ApiPropertyOptional({ description: 'a withdrawal by a state engaged in an armed conflict: its effect waits (Art. 20(3) of the CCM and APMBC)' })
  @Omittable() @IsBoolean({ message: 'inArmedConflict must be true or false' }) inArmedConflict?: boolean;
}

@ApiTags('treaty status')
@Controller('v1/countries')
export class TreatyActionsController {
  constructor(private readonly commands: CommandBus) {}

  @Post(':iso3/treaty-actions')
  @HttpCode(201)
  @ApiCreatedResponse({ type: WriteResult })
  async record(@Param('iso3', Iso3Pipe) iso3: string, @Body() body: RecordTreatyActionDto, @Req() req: Request): Promise<WriteResult> {
    const { entryIntoForceOn, effectiveOn, inArmedConflict } = body;
    const details = { ...(entryIntoForceOn ? { entryIntoForceOn } : {}), ...(effectiveOn ? { effectiveOn } : {}), ...(inArmedConflict ? { inArmedConflict } : {}) };
    const command = new RecordTreatyActionCommand(iso3, body.treaty, body.action, body.on, body.source, metadataOf(req), details);
    return writeResult(await this.commands.execute(command));
  }
}
