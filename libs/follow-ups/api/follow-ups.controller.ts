import { Body, Controller, Get, HttpCode, Inject, Param, Post, Query, Req } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiCreatedResponse, ApiProperty, ApiPropertyOptional, ApiQuery, ApiTags } from '@nestjs/swagger';
import { IsString, Matches, MaxLength, MinLength } from 'class-validator';
import type { Request } from 'express';
import { READ_MODEL_STORE, withoutBookkeeping, type ReadModelStore } from '../../projections/index.js';
import { TREATIES, type TreatyCatalog } from '../../treaty-status/index.js';
import { metadataOf } from '../../platform/http/request-context.js';
import { dateQuery, ID_MESSAGE, ID_PATTERN, Omittable, oneOf, onlyKnownQuery } from '../../platform/http/validators.js';
import { InvalidRequest } from '../../platform/http/problem.js';
import { WriteResult, writeResult } from '../../platform/http/write-result.js';
import { WorkFollowUpCommand } from '../application/work-follow-up.handler.js';
import { FOLLOW_UPS, followUpViewOn, type FollowUpView } from '../application/follow-up-queue.projection.js';
import { QUEUES } from '../domain/playbook.js';
import { TIMERS, type Timers } from '../application/timer.port.js';

const STATES = ['open', 'claimed', 'completed', 'retracted'] as const;
const FOLLOW_UP_ID = /^[A-Za-z0-9][A-Za-z0-9.~-]{0,200}$/;

export class ClaimFollowUpDto {
  @ApiPropertyOptional({ description: 'Who takes the task; defaults to the caller.' })
  @Omittable() @IsString() @Matches(/^[\w.:@-]{1,128}$/, { message: 'assignee must be 1 to 128 letters, digits or . : @ - _' }) assignee?: string;
}

export class ReassignFollowUpDto {
  @ApiProperty({ description: 'Who takes the task over.', example: 'coordinator-nzl' })
  @IsString() @Matches(/^[\w.:@-]{1,128}$/, { message: 'assignee must be 1 to 128 letters, digits or . : @ - _' }) assignee!: string;
}

export class CompleteFollowUpDto {
  @ApiProperty({ example: 'Met the legal adviser; the bill goes to parliament in May.' }) @IsString() @MinLength(1) @MaxLength(4000) outcome!: string;
}

@ApiTags('follow-ups')
@Controller('v1/follow-ups')
export class FollowUpsController {
  constructor(
    private readonly commands: CommandBus,
    @Inject(READ_MODEL_STORE) private readonly readModels: ReadModelStore,
    @Inject(TIMERS) private readonly timers: Timers,
    @Inject(TREATIES) private readonly treaties: TreatyCatalog,
  ) {}

  @Get()
  @ApiQuery({ name: 'campaignId', required: false }) @ApiQuery({ name: 'treaty', required: false, description: 'the tasks of that treaty\'s campaigns' }) @ApiQuery({ name: 'queue', required: false, enum: QUEUES }) @ApiQuery({ name: 'state', required: false, enum: STATES })
  @ApiQuery({ name: 'asOf', required: false, description: 'YYYY-MM-DD: the queues as they stood at the end of that day (tasks opened by then, in the state they were in)' })
  async list(@Query() query: Record<string, string>) {
    onlyKnownQuery(query, ['campaignId', 'treaty', 'queue', 'state', 'asOf']);
    if (query.campaignId !== undefined && !ID_PATTERN.test(query.campaignId)) throw new InvalidRequest([{ field: 'campaignId', message: `campaignId ${ID_MESSAGE}` }]);
    if (query.treaty !== undefined) this.treaties.require(query.treaty);
    const queue = oneOf('queue', query.queue, QUEUES);
    const state = oneOf('state', query.state, STATES);
    const asOf = dateQuery('asOf', query.asOf);
    const filter = { ...(query.campaignId ? { campaignId: query.campaignId } : {}), ...(query.treaty ? { treaty: query.treaty } : {}), ...(!asOf && queue ? { queue } : {}), ...(!asOf && state ? { state } : {}) };
    let docs = await this.readModels.find<FollowUpView>(FOLLOW_UPS, filter);
    // On a past day a task may have stood in another state (or not have opened yet): filtered once it is told as it was.
    if (asOf) docs = docs.map((d) => followUpViewOn(d, asOf)).filter((d): d is FollowUpView => d !== undefined && (!queue || d.queue === queue) && (!state || d.state === state));
    const items = docs.map(followUpItem);
    return { ...(asOf ? { asOf } : {}), items, count: items.length };
  }

  /** Timer jobs that used up their retries, with the reason (the distributed profile's BullMQ queues). */
  @Get('jobs/failed')
  @ApiQuery({ name: 'queue', required: false, enum: QUEUES })
  async failedJobs(@Query() query: Record<string, string>) {
    onlyKnownQuery(query, ['queue']);
    const queue = oneOf('queue', query.queue, QUEUES);
    const failed = (await this.timers.failedJobs?.(queue, 200)) ?? [];
    const items = failed.map((f) => ({ queue: f.queue, timerId: f.timerId, purpose: f.purpose ?? null, failedReason: f.failedReason, attemptsMade: f.attemptsMade, failedAt: f.failedAt?.toISOString() ?? null }));
    return { items, count: items.length };
  }

  @Post(':id/claim')
  @HttpCode(201)
  @ApiCreatedResponse({ type: WriteResult })
  async claim(@Param('id') id: string, @Body() body: ClaimFollowUpDto, @Req() req: Request): Promise<WriteResult> {
    const metadata = metadataOf(req);
    return writeResult(await this.commands.execute(new WorkFollowUpCommand(checkId(id), { kind: 'claim', assignee: body.assignee ?? metadata.actor }, metadata)));
  }

  /** Hands an open or claimed task to someone else; 409 once it is completed or retracted. */
  @Post(':id/reassign')
  @HttpCode(201)
  @ApiCreatedResponse({ type: WriteResult })
  async reassign(@Param('id') id: string, @Body() body: ReassignFollowUpDto, @Req() req: Request): Promise<WriteResult> {
    const metadata = metadataOf(req);
    return writeResult(await this.commands.execute(new WorkFollowUpCommand(checkId(id), { kind: 'reassign', assignee: body.assignee, by: metadata.actor }, metadata)));
  }

  @Post(':id/complete')
  @HttpCode(201)
  @ApiCreatedResponse({ type: WriteResult })
  async complete(@Param('id') id: string, @Body() body: CompleteFollowUpDto, @Req() req: Request): Promise<WriteResult> {
    const metadata = metadataOf(req);
    return writeResult(await this.commands.execute(new WorkFollowUpCommand(checkId(id), { kind: 'complete', outcome: body.outcome, by: metadata.actor }, metadata)));
  }
}

/** A follow-up as the API shows it, in the list and in the live stream. */
export function followUpItem(doc: FollowUpView) {
  const { id, queue, kind, countries, state, dueOn, overdue, assignee, triggeredBy, campaignId, treaty, subregion, occurrence, outcome, openedOn, closedOn } = withoutBookkeeping(doc);
  return {
    id, queue, kind, countries, state, dueOn, overdue: overdue ?? false, assignee: assignee ?? null, triggeredBy, campaignId, treaty, subregion: subregion ?? null, occurrence, outcome: outcome ?? null,
    openedOn, closedOn: closedOn ?? null,
  };
}

function checkId(id: string): string {
  if (!FOLLOW_UP_ID.test(id)) throw new InvalidRequest([{ field: 'id', message: 'id is not a follow-up id (letters, digits, dots, tildes and hyphens)' }]);
  return id;
}
