import { Controller, Get, Inject, Query } from '@nestjs/common';
import { ApiQuery, ApiTags } from '@nestjs/swagger';
import { EVENT_STORE, type EventStore } from '../application/event-store.port.js';
import { EventRegistry } from '../application/event-registry.js';
import { InvalidRequest } from '../../platform/http/problem.js';
import { onlyKnownQuery } from '../../platform/http/validators.js';

/** The raw history, page by page: `after` is the cursor (a global position). */
@ApiTags('events')
@Controller('v1/events')
export class EventsController {
  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    private readonly registry: EventRegistry,
  ) {}

  @Get()
  @ApiQuery({ name: 'stream', required: false }) @ApiQuery({ name: 'type', required: false }) @ApiQuery({ name: 'after', required: false }) @ApiQuery({ name: 'limit', required: false })
  async list(@Query() query: Record<string, string>) {
    onlyKnownQuery(query, ['stream', 'type', 'after', 'limit']);
    const int = (field: string, value: string | undefined, fallback: number, max: number) => {
      if (value === undefined) return fallback;
      const n = Number(value);
      if (!/^\d+$/.test(value) || n > max) throw new InvalidRequest([{ field, message: `${field} must be a whole number from 0 to ${max}` }]);
      return n;
    };
    const after = int('after', query.after, 0, Number.MAX_SAFE_INTEGER);
    const limit = Math.max(1, int('limit', query.limit, 100, 1000));
    const types = query.type?.split(',');
    const unknown = types?.filter((t) => !this.registry.has(t)) ?? [];
    if (unknown.length) throw new InvalidRequest([{ field: 'type', message: `type ${unknown.join(', ')} is not an event type of Demarche` }]);
    if (query.stream !== undefined && (query.stream.length === 0 || query.stream.length > 300)) throw new InvalidRequest([{ field: 'stream', message: 'stream must be a stream id (1 to 300 characters)' }]);
    const items = (await this.store.query({ ...(query.stream ? { streamId: query.stream } : {}), ...(types ? { types } : {}), afterPosition: after, limit })).map((e) => this.registry.upcast(e));
    const next = items.length === limit ? items[items.length - 1]!.position : null;
    return { items, next };
  }
}
