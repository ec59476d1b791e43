import { Controller, Get, Inject, Injectable, Query, Req, Res, type OnModuleDestroy } from '@nestjs/common';
import { ApiOkResponse, ApiQuery, ApiTags } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { EVENT_STORE, type EventStore } from '../../event-store/index.js';
import { READ_MODEL_STORE, type ReadModelStore } from '../../projections/index.js';
import { FOLLOW_UPS, type FollowUpView } from '../application/follow-up-queue.projection.js';
import { followUpItem } from './follow-ups.controller.js';
import { ID_MESSAGE, ID_PATTERN, onlyKnownQuery } from '../../platform/http/validators.js';
import { InvalidRequest } from '../../platform/http/problem.js';

/** One message of the live stream: an SSE `event:` name and its JSON data. */
export type LiveMessage =
  | { readonly type: 'follow-up'; readonly data: ReturnType<typeof followUpItem> }
  | { readonly type: 'recorded'; readonly data: { readonly position: number; readonly count: number; readonly types: readonly string[]; readonly countries: readonly string[]; readonly campaignIds: readonly string[] } };

const POLL_MS = 400;
/** After the log moves, the read model is compared at every tick for this long (projectors may lag)... */
const SETTLING_MS = 30_000;
/** ...and otherwise every this often, to catch anything else. */
const IDLE_CHECK_MS = 5_000;

/**
 * Watches what coordinators need to see change, for every open stream at once. It reads the
 * follow-up read model (not the log), so a `follow-up` message goes out only once the task
 * is there to be read and worked: on the distributed profile the api process runs no
 * projector, and the projectors write the read model on their own schedule. It also tails the
 * log from its head, so a dossier can refresh when a fact about its country is recorded.
 * The polling runs only while someone is listening.
 */
@Injectable()
export class LiveUpdates implements OnModuleDestroy {
  private readonly listeners = new Set<(message: LiveMessage) => void>();
  private seen = new Map<string, string>();
  private position = 0;
  private timer: NodeJS.Timeout | undefined;
  /** Each start begins a new polling loop; a loop of an earlier start ends at its next turn. */
  private generation = 0;
  private watchUntil = 0;
  private lastCheck = 0;

  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(READ_MODEL_STORE) private readonly readModels: ReadModelStore,
  ) {}

  /** Starts delivering messages to `listener`; the returned function stops. */
  async subscribe(listener: (message: LiveMessage) => void): Promise<() => void> {
    if (!this.listeners.size) await this.start();
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
      if (!this.listeners.size) this.stop();
    };
  }

  onModuleDestroy(): void {
    this.listeners.clear();
    this.stop();
  }

  private async start(): Promise<void> {
    this.position = await this.store.headPosition();
    this.seen = new Map((await this.readModels.find<FollowUpView>(FOLLOW_UPS)).map((d) => [d.id, fingerprint(d)]));
    this.schedule(++this.generation);
  }

  private stop(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.generation++;
  }

  private schedule(generation: number): void {
    this.timer = setTimeout(() => {
      void this.poll()
        .catch(() => undefined) // a store hiccup: try again at the next tick
        .finally(() => {
          if (generation === this.generation && this.listeners.size) this.schedule(generation);
        });
    }, POLL_MS);
    this.timer.unref();
  }

  private async poll(): Promise<void> {
    const events = await this.store.readAll(this.position, 1000);
    if (events.length) {
      this.position = events[events.length - 1]!.position;
      const values = (key: string) => [...new Set(events.flatMap((e) => {
        const data = e.data as Record<string, unknown>;
        const v = key === 'countries' ? (data.countries ?? data.iso3) : data[key];
        return (Array.isArray(v) ? v : v === undefined ? [] : [v]).map(String);
      }))].sort();
      this.emit({ type: 'recorded', data: { position: this.position, count: events.length, types: [...new Set(events.map((e) => e.type))].sort(), countries: values('countries'), campaignIds: values('campaignId') } });
      this.watchUntil = Date.now() + SETTLING_MS;
    }
    // Reading every follow-up at each tick costs; do it while the log is moving, and now and then.
    if (Date.now() > this.watchUntil && Date.now() - this.lastCheck < IDLE_CHECK_MS) return;
    this.lastCheck = Date.now();
    for (const doc of await this.readModels.find<FollowUpView>(FOLLOW_UPS)) {
      const print = fingerprint(doc);
      if (this.seen.get(doc.id) === print) continue;
      this.seen.set(doc.id, print);
      this.emit({ type: 'follow-up', data: followUpItem(doc) });
    }
  }

  private emit(message: LiveMessage): void {
    for (const listener of this.listeners) listener(message);
  }
}

const fingerprint = (d: FollowUpView) => JSON.stringify([d.state, d.assignee ?? null, d.overdue ?? false, d.countries, d.dueOn, d.updatedAt]);

@ApiTags('live')
@Controller('v1/stream')
export class LiveUpdatesController implements OnModuleDestroy {
  constructor(private readonly live: LiveUpdates) {}

  /**
   * Server-sent events (`text/event-stream`): `follow-up` when a task appears or changes in
   * the read model (its list item as data), `recorded` when facts are appended to the log.
   * Read it with `fetch` and an `Authorization` header, like every other endpoint.
   */
  @Get()
  @ApiQuery({ name: 'campaignId', required: false, description: 'only the follow-ups of this campaign' })
  @ApiOkResponse({ description: 'text/event-stream' })
  async stream(@Query() query: Record<string, string>, @Req() req: Request, @Res() res: Response): Promise<void> {
    onlyKnownQuery(query, ['campaignId']);
    const campaignId = query.campaignId;
    if (campaignId !== undefined && !ID_PATTERN.test(campaignId)) throw new InvalidRequest([{ field: 'campaignId', message: `campaignId ${ID_MESSAGE}` }]);
    res.status(200).set({ 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache, no-transform', 'x-accel-buffering': 'no' });
    res.flushHeaders();
    res.write('retry: 2000\n: connected\n\n');
    const unsubscribe = await this.live.subscribe((message) => {
      if (campaignId && message.type === 'follow-up' && message.data.campaignId !== campaignId) return;
      if (campaignId && message.type === 'recorded' && message.data.campaignIds.length && !message.data.campaignIds.includes(campaignId)) return;
      res.write(`event: ${message.type}\ndata: ${JSON.stringify(message.data)}\n\n`);
    });
    // A comment now and then keeps proxies from closing a quiet stream.
    const heartbeat = setInterval(() => res.write(': keep-alive\n\n'), 15_000);
    heartbeat.unref();
    const close = () => {
      clearInterval(heartbeat);
      unsubscribe();
      res.end();
    };
    req.on('close', close);
    this.closers.add(close);
    req.on('close', () => this.closers.delete(close));
  }

  private readonly closers = new Set<() => void>();

  /** Ends open streams when the app stops, so closing the server does not wait on them. */
  onModuleDestroy(): void {
    for (const close of this.closers) close();
    this.closers.clear();
  }
}
