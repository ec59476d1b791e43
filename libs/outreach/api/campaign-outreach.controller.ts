import { Body, Controller, HttpCode, Param, Post, Req } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiBody, ApiCreatedResponse, ApiProperty, ApiTags } from '@nestjs/swagger';
import type { Request } from 'express';
import { principalOf } from '../../access/index.js';
import { metadataOf } from '../../platform/http/request-context.js';
import { InvalidRequest, RefusedFields, validatedBody } from '../../platform/http/problem.js';
import { ID_MESSAGE, ID_PATTERN } from '../../platform/http/validators.js';
import { BatchRefused, RecordOutreachBatchCommand, type BatchOutcome, type ItemProblem, type OutreachItem } from '../application/record-outreach-batch.handler.js';
import { LettersBatchDto, MeetingsBatchDto, ResponsesBatchDto, type LetterItemDto } from './outreach.dto.js';

class BatchItemResult {
  @ApiProperty() country!: string;
  @ApiProperty() missionId!: string;
  @ApiProperty({ description: 'false: the very same fact was recorded already, nothing was added' }) recorded!: boolean;
  @ApiProperty({ type: [String] }) eventIds!: string[];
  @ApiProperty() streamVersion!: number;
  @ApiProperty() position!: number;
}

/** What a bulk write answers: each item in the order sent, the totals, and the log position the whole batch reached. */
export class BatchResult {
  @ApiProperty({ type: [BatchItemResult] }) items!: BatchItemResult[];
  @ApiProperty({ type: [String] }) eventIds!: string[];
  @ApiProperty() recorded!: number;
  @ApiProperty() alreadyRecorded!: number;
  @ApiProperty({ description: 'pass it to a read as minPosition to see the whole batch' }) position!: number;
}

/** Where in the body an item's field is: a JSON Pointer. */
type Locate = (problem: ItemProblem) => string;

const STATUS = { 'not-found': 404, conflict: 409, 'rule-violated': 422 } as const;

/**
 * A campaign's letters, meetings and responses, up to 500 at a time: what a joint demarche of
 * a hundred countries posts. Every item is checked before anything is written.
 */
@ApiTags('outreach')
@Controller('v1/campaigns')
export class CampaignOutreachController {
  constructor(private readonly commands: CommandBus) {}

  /** The same letter to many countries (`countries`), or `deliveries` each with its own day and mission. */
  @Post(':id/letters')
  @HttpCode(201)
  @ApiBody({ type: LettersBatchDto })
  @ApiCreatedResponse({ type: BatchResult })
  async letters(@Param('id') id: string, @Body() body: Record<string, unknown>, @Req() req: Request): Promise<BatchResult> {
    const dto = await validatedBody(LettersBatchDto, body);
    const { countries, deliveries, missionId, deliveredOn, cosignedBy } = dto;
    if (countries && deliveries) throw new InvalidRequest([{ field: '/deliveries', message: '/deliveries: send countries (one letter to many) or deliveries, not both' }]);
    if (deliveries) {
      if (deliveredOn) throw new InvalidRequest([{ field: '/deliveredOn', message: '/deliveredOn: with deliveries, each delivery has its own deliveredOn' }]);
      const items = deliveries.map((d: LetterItemDto): OutreachItem => ({
        iso3: d.country,
        ...((d.missionId ?? missionId) ? { missionId: d.missionId ?? missionId } : {}),
        details: { kind: 'deliver-letter', deliveredOn: d.deliveredOn, ...((d.cosignedBy ?? cosignedBy) ? { cosignedBy: d.cosignedBy ?? cosignedBy } : {}) },
      }));
      return this.run(id, items, req, (p) => itemPointer('deliveries', p));
    }
    if (!countries) throw new InvalidRequest([{ field: '/countries', message: '/countries: name the countries that got the letter (or send deliveries)' }]);
    if (!deliveredOn) throw new InvalidRequest([{ field: '/deliveredOn', message: '/deliveredOn: the day the letters were delivered (YYYY-MM-DD)' }]);
    const items = countries.map((iso3): OutreachItem => ({ iso3, ...(missionId ? { missionId } : {}), details: { kind: 'deliver-letter', deliveredOn, ...(cosignedBy ? { cosignedBy } : {}) } }));
    // The shared fields are the request's own; what concerns one country points at it in the list.
    const shared = new Set(['deliveredOn', ...(missionId ? ['missionId'] : [])]);
    // A mission that does not cover a country is that country's problem.
    const ofCountry = (p: ItemProblem) => p.code === 'not-accredited' || !shared.has(p.field);
    return this.run(id, items, req, (p) => (p.field.startsWith('cosignedBy') ? `/${p.field}` : ofCountry(p) ? `/countries/${p.index}` : `/${p.field}`));
  }

  @Post(':id/meetings')
  @HttpCode(201)
  @ApiBody({ type: MeetingsBatchDto })
  @ApiCreatedResponse({ type: BatchResult })
  async meetings(@Param('id') id: string, @Body() body: Record<string, unknown>, @Req() req: Request): Promise<BatchResult> {
    const { meetings } = await validatedBody(MeetingsBatchDto, body);
    const items = meetings.map(({ country, missionId, ...details }): OutreachItem => ({ iso3: country, ...(missionId ? { missionId } : {}), details: { kind: 'hold-meeting', ...details } }));
    return this.run(id, items, req, (p) => itemPointer('meetings', p));
  }

  @Post(':id/responses')
  @HttpCode(201)
  @ApiBody({ type: ResponsesBatchDto })
  @ApiCreatedResponse({ type: BatchResult })
  async responses(@Param('id') id: string, @Body() body: Record<string, unknown>, @Req() req: Request): Promise<BatchResult> {
    const { responses } = await validatedBody(ResponsesBatchDto, body);
    const items = responses.map(({ country, missionId, ...details }): OutreachItem => ({ iso3: country, ...(missionId ? { missionId } : {}), details: { kind: 'record-response', ...details } }));
    return this.run(id, items, req, (p) => itemPointer('responses', p));
  }

  private async run(campaignId: string, items: readonly OutreachItem[], req: Request, locate: Locate): Promise<BatchResult> {
    if (!ID_PATTERN.test(campaignId)) throw new InvalidRequest([{ field: 'id', message: `id ${ID_MESSAGE}` }]);
    const defaultMissionId = principalOf(req)?.missionId;
    try {
      const outcome: BatchOutcome = await this.commands.execute(new RecordOutreachBatchCommand(campaignId, items, metadataOf(req), defaultMissionId ? { defaultMissionId } : {}));
      return batchResult(outcome);
    } catch (error) {
      if (error instanceof BatchRefused) throw refusedItems(error, locate);
      throw error;
    }
  }
}

const itemPointer = (collection: string, p: ItemProblem) => `/${collection}/${p.index}${p.field ? `/${p.field}` : ''}`;

/** A refused batch as one problem: the status its items share (422 when they differ), every item named. */
function refusedItems(error: BatchRefused, locate: Locate): RefusedFields {
  const kinds = new Set(error.problems.map((p) => p.kind));
  const status = kinds.size === 1 ? STATUS[error.problems[0]!.kind] : 422;
  const codes = new Set(error.problems.map((p) => p.code));
  const code = codes.size === 1 ? error.problems[0]!.code : 'batch-refused';
  const errors = error.problems.slice(0, 100).map((p) => ({ field: locate(p), message: p.message, code: p.code }));
  return new RefusedFields(status, code, `${error.message} Correct the items named in errors and send the batch again.`, errors);
}

export function batchResult(outcome: BatchOutcome): BatchResult {
  const items = outcome.items.map(({ iso3, missionId, recorded, eventIds, streamVersion, position }) => ({ country: iso3, missionId, recorded, eventIds: [...eventIds], streamVersion, position }));
  const recorded = items.filter((i) => i.recorded).length;
  return { items, eventIds: items.flatMap((i) => i.eventIds), recorded, alreadyRecorded: items.length - recorded, position: outcome.position };
}
