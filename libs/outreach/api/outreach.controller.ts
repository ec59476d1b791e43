import { Body, Controller, HttpCode, Param, Post, Req } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiCreatedResponse, ApiTags } from '@nestjs/swagger';
import type { Request } from 'express';
import { metadataOf } from '../../platform/http/request-context.js';
import { Iso3Pipe } from '../../platform/http/validators.js';
import { WriteResult, writeResult } from '../../platform/http/write-result.js';
import { LaunchCampaignCommand } from '../application/launch-campaign.handler.js';
import { RecordOutreachCommand } from '../application/record-outreach.handler.js';
import { RegisterMissionCommand } from '../application/register-mission.handler.js';
import { DeliverLetterDto, HoldMeetingDto, LaunchCampaignDto, RecordResponseDto, RegisterMissionDto } from './outreach.dto.js';

@ApiTags('outreach')
@Controller('v1')
export class OutreachController {
  constructor(private readonly commands: CommandBus) {}

  @Post('missions')
  @HttpCode(201)
  @ApiCreatedResponse({ type: WriteResult })
  async registerMission(@Body() body: RegisterMissionDto, @Req() req: Request): Promise<WriteResult> {
    const { id, ...rest } = body;
    return writeResult(await this.commands.execute(new RegisterMissionCommand({ missionId: id, ...rest }, metadataOf(req))));
  }

  @Post('campaigns')
  @HttpCode(201)
  @ApiCreatedResponse({ type: WriteResult })
  async launchCampaign(@Body() body: LaunchCampaignDto, @Req() req: Request): Promise<WriteResult> {
    const { id, ...rest } = body;
    return writeResult(await this.commands.execute(new LaunchCampaignCommand({ campaignId: id, ...rest }, metadataOf(req))));
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
