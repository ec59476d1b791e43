import { Controller, Get, Inject, Query, Res } from '@nestjs/common';
import { ApiQuery, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { isIso3Shape, isLocalDate } from '../../kernel/index.js';
import { EVENT_STORE, type EventQuery, type EventStore } from '../application/event-store.port.js';
import { exportChunks, writeDrained } from '../application/history-export.js';
import { EventRegistry } from '../application/event-registry.js';
import { PAYLOAD_CODEC, type PayloadCodec } from '../application/payload-codec.js';
import { InvalidRequest } from '../../platform/http/problem.js';
import { ID_MESSAGE, ID_PATTERN, onlyKnownQuery } from '../../platform/http/validators.js';

const FILTERS = ['stream', 'type', 'country', 'campaignId', 'missionId', 'occurredFrom', 'occurredTo', 'recordedFrom', 'recordedTo'] as const;
const INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/;

function timeBound(field: string, value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  if (isLocalDate(value)) return value;
  if (INSTANT.test(value) && !Number.isNaN(Date.parse(value))) return new Date(value).toISOString();
  throw new InvalidRequest([{ field, message: `${field} must be a day (YYYY-MM-DD) or an ISO instant such as 2026-07-15T12:00:00Z` }]);
}

/**
 * The raw history, filtered and paged: `after` is the cursor (a global position). Notes and
 * interlocutors stay sealed here, for every reader; once their mission's key is destroyed
 * they read as `null` with `forgotten: true`.
 */
@ApiTags('events')
@Controller('v1/events')
export class EventsController {
  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    private readonly registry: EventRegistry,
    @Inject(PAYLOAD_CODEC) private readonly codec: PayloadCodec,
  ) {}

  private filters(query: Record<string, string>): Omit<EventQuery, 'limit' | 'afterPosition'> {
    const types = query.type?.split(',');
    const unknown = types?.filter((t) => !this.registry.has(t)) ?? [];
    if (unknown.length) throw new InvalidRequest([{ field: 'type', message: `type ${unknown.map((t) => `"${t}"`).join(', ')} is not an event type of Demarche` }]);
    if (query.stream !== undefined && (query.stream.length === 0 || query.stream.length > 300)) throw new InvalidRequest([{ field: 'stream', message: 'stream must be a stream id (1 to 300 characters)' }]);
    if (query.country !== undefined && !isIso3Shape(query.country)) throw new InvalidRequest([{ field: 'country', message: 'country must be an upper-case ISO 3166-1 alpha-3 code, like NOR' }]);
    for (const field of ['campaignId', 'missionId'] as const) {
      if (query[field] !== undefined && !ID_PATTERN.test(query[field]!)) throw new InvalidRequest([{ field, message: `${field} ${ID_MESSAGE}` }]);
    }
    const occurred = { from: timeBound('occurredFrom', query.occurredFrom), to: timeBound('occurredTo', query.occurredTo) };
    const recorded = { from: timeBound('recordedFrom', query.recordedFrom), to: timeBound('recordedTo', query.recordedTo) };
    const range = (r: { from?: string; to?: string }) => ({ ...(r.from ? { from: r.from } : {}), ...(r.to ? { to: r.to } : {}) });
    return {
      ...(query.stream ? { streamId: query.stream } : {}),
      ...(types ? { types } : {}),
      ...(query.country ? { country: query.country } : {}),
      ...(query.campaignId ? { campaignId: query.campaignId } : {}),
      ...(query.missionId ? { missionId: query.missionId } : {}),
      ...(occurred.from || occurred.to ? { occurred: range(occurred) } : {}),
      ...(recorded.from || recorded.to ? { recorded: range(recorded) } : {}),
    };
  }

  private int(field: string, value: string | undefined, fallback: number, max: number): number {
    if (value === undefined) return fallback;
    const n = Number(value);
    if (!/^\d+$/.test(value) || n > max) throw new InvalidRequest([{ field, message: `${field} must be a whole number from 0 to ${max}` }]);
    return n;
  }

  @Get()
  @ApiQuery({ name: 'after', required: false, description: 'cursor: the `next` of the previous page' }) @ApiQuery({ name: 'limit', required: false })
  @ApiQuery({ name: 'stream', required: false }) @ApiQuery({ name: 'type', required: false, description: 'one or more types, comma-separated' })
  @ApiQuery({ name: 'country', required: false }) @ApiQuery({ name: 'campaignId', required: false }) @ApiQuery({ name: 'missionId', required: false })
  @ApiQuery({ name: 'occurredFrom', required: false }) @ApiQuery({ name: 'occurredTo', required: false })
  @ApiQuery({ name: 'recordedFrom', required: false }) @ApiQuery({ name: 'recordedTo', required: false })
  async list(@Query() query: Record<string, string>) {
    onlyKnownQuery(query, [...FILTERS, 'after', 'limit']);
    const after = this.int('after', query.after, 0, Number.MAX_SAFE_INTEGER);
    const limit = Math.max(1, this.int('limit', query.limit, 100, 1000));
    const items = await this.codec.redact((await this.store.query({ ...this.filters(query), afterPosition: after, limit })).map((e) => this.registry.upcast(e)));
    const next = items.length === limit ? items[items.length - 1]!.position : null;
    return { items, next };
  }

  /** The whole (filtered) history as NDJSON, streamed page by page: one event a line. */
  @Get('export')
  @ApiQuery({ name: 'type', required: false }) @ApiQuery({ name: 'country', required: false }) @ApiQuery({ name: 'campaignId', required: false })
  async export(@Query() query: Record<string, string>, @Res() res: Response): Promise<void> {
    onlyKnownQuery(query, [...FILTERS, 'after']);
    const filters = this.filters(query);
    const after = this.int('after', query.after, 0, Number.MAX_SAFE_INTEGER);
    res.status(200).type('application/x-ndjson; charset=utf-8');
    res.setHeader('Content-Disposition', 'attachment; filename="demarche-events.ndjson"');
    let closed = false;
    res.on('close', () => (closed = true));
    for await (const chunk of exportChunks({ store: this.store, registry: this.registry, codec: this.codec }, filters, after, 1000)) {
      if (closed) break;
      await writeDrained(res, chunk.text);
    }
    res.end();
  }
}
