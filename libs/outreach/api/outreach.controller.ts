import { Body, Controller, Get, HttpCode, Param, Post, Query, Req } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiCreatedResponse, ApiQuery, ApiTags } from '@nestjs/swagger';
import type { Request } from 'express';
import { principalOf, TokenService } from '../../access/index.js';
import { metadataOf } from '../../platform/http/request-context.js';
import { InvalidRequest } from '../../platform/http/problem.js';
import { ID_MESSAGE, ID_PATTERN, Iso3Pipe, onlyKnownQuery } from '../../platform/http/validators.js';
import { WriteResult, writeResult } from '../../platform/http/write-result.js';
import { LaunchCampaignCommand } from '../application/launch-campaign.handler.js';
import { RecordOutreachCommand } from '../application/record-outreach.handler.js';
import { RegisterMissionCommand } from '../application/register-mission.handler.js';
import { ForgetMissionNotesCommand } from '../application/forget-mission-notes.handler.js';
import { OutreachRecordQuery } from '../application/outreach-record.query.js';
import { DeliverLetterDto, HoldMeetingDto, LaunchCampaignDto, RecordResponseDto, RegisterMissionDto } from './outreach.dto.js';

@ApiTags('outreach')
@Controller('v1')
export class OutreachController {
  constructor(
    private readonly commands: CommandBus,
    private readonly records: OutreachRecordQuery,
    private readonly tokens: TokenService,
  ) {}

  @Post('missions')
  @HttpCode(201)
  @ApiCreatedResponse({ type: WriteResult })
  async registerMission(@Body() body: RegisterMissionDto, @Req() req: Request): Promise<WriteResult> {
    const { id, ...rest } = body;
    return writeResult(await this.commands.execute(new RegisterMissionCommand({ missionId: id, ...rest }, metadataOf(req))));
  }

  /**
   * Crypto-shredding (admin only): destroys the mission's key, so the notes and interlocutor
   * names it recorded read as forgotten everywhere, and records MissionNotesForgotten.
   */
  @Post('missions/:id/forget')
  @HttpCode(201)
  @ApiCreatedResponse({ type: WriteResult })
  async forgetMissionNotes(@Param('id') id: string, @Body() body: Record<string, unknown>, @Req() req: Request): Promise<WriteResult> {
    if (!ID_PATTERN.test(id)) throw new InvalidRequest([{ field: 'id', message: `id ${ID_MESSAGE}` }]);
    // The request has no fields: anything sent is refused, not ignored.
    const sent = Object.keys(body ?? {});
    if (sent.length) throw new InvalidRequest(sent.slice(0, 20).map((field) => ({ field, message: `${field} is not an accepted field; this request takes no body` })));
    return writeResult(await this.commands.execute(new ForgetMissionNotesCommand(id, metadataOf(req))));
  }

  /** The letters, meetings and responses about a country, with the notes in clear (see README, Security). */
  @Get('countries/:iso3/outreach')
  @ApiQuery({ name: 'campaignId', required: false })
  async outreachRecord(@Param('iso3', Iso3Pipe) iso3: string, @Query() query: Record<string, string>) {
    onlyKnownQuery(query, ['campaignId']);
    if (query.campaignId !== undefined && !ID_PATTERN.test(query.campaignId)) throw new InvalidRequest([{ field: 'campaignId', message: `campaignId ${ID_MESSAGE}` }]);
    return this.records.of(iso3, query.campaignId);
  }

  @Post('campaigns')
  @HttpCode(201)
  @ApiCreatedResponse({ type: WriteResult })
  async launchCampaign(@Body() body: LaunchCampaignDto, @Req() req: Request): Promise<WriteResult> {
    const { id, ...rest } = body;
    const outcome = await this.commands.execute(new LaunchCampaignCommand({ campaignId: id, ...rest }, metadataOf(req)));
    // A coordinator who launches a campaign coordinates it from then on.
    const principal = principalOf(req);
    if (principal?.role === 'coordinator') await this.tokens.grantCampaign(principal.tokenId, id);
    return writeResult(outcome);
  }

  @Post('countries/:iso3/letters')
  @HttpCode(201)
  @ApiCreatedResponse({ type: WriteResult })
  async deliverLetter(@Param('iso3', Iso3Pipe) iso3: string, @Body() body: DeliverLetterDto, @Req() req: Request): Promise<WriteResult> {
    const { campaignId, missionId, deliveredOn } = body;
    return this.record(iso3, campaignId, missionId, { kind: 'deliver-letter', deliveredOn }, req);
  }

  @Post('countries/:iso3/meetings')
  @HttpCode(201)
  @ApiCreatedResponse({ type: WriteResult })
  async holdMeeting(@Param('iso3', Iso3Pipe) iso3: string, @Body() body: HoldMeetingDto, @Req() req: Request): Promise<WriteResult> {
    const { campaignId, missionId, ...details } = body;
    return this.record(iso3, campaignId, missionId, { kind: 'hold-meeting', ...details }, req);
  }

  @Post('countries/:iso3/responses')
  @HttpCode(201)
  @ApiCreatedResponse({ type: WriteResult })
  async recordResponse(@Param('iso3', Iso3Pipe) iso3: string, @Body() body: RecordResponseDto, @Req() req: Request): Promise<WriteResult> {
    const { campaignId, missionId, ...details } = body;
    return this.record(iso3, campaignId, missionId, { kind: 'record-response', ...details }, req);
  }

  private async record(iso3: string, campaignId: string, missionId: string, details: RecordOutreachCommand['details'], req: Request): Promise<WriteResult> {
    return writeResult(await this.commands.execute(new RecordOutreachCommand(iso3, campaignId, missionId, details, metadataOf(req))));
  }
}
