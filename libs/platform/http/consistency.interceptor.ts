import { HttpException, Inject, Injectable, type CallHandler, type ExecutionContext, type NestInterceptor } from '@nestjs/common';
import type { Request, Response } from 'express';
import { map, type Observable } from 'rxjs';
import { OPERATIONS, type Operations, type ReadProgress } from '../observability/operations.js';
import { InvalidRequest } from './problem.js';

/** How long a read waits for its position unless `Prefer: wait=N` says otherwise, and the most it may ask. */
const DEFAULT_WAIT_S = 10;
const MAX_WAIT_S = 60;
const POLL_MS = 25;

/** The position a read asks to see: `?minPosition=N`, or the `Consistency-Position` header a write answered with. */
function wantedPosition(req: Request): number | undefined {
  const query = (req.query as Record<string, unknown>).minPosition;
  const header = req.header('consistency-position');
  const raw = query ?? header;
  if (raw === undefined) return undefined;
  const field = query !== undefined ? 'minPosition' : 'Consistency-Position';
  if (typeof raw !== 'string' || !/^\d{1,15}$/.test(raw)) throw new InvalidRequest([{ field, message: `${field} must be a log position (a whole number), as a write answered it` }]);
  return Number(raw);
}

/** `Prefer: wait=N` (RFC 7240): how many seconds the caller will wait. */
function waitSeconds(req: Request): number {
  const match = /(?:^|[,;\s])wait\s*=\s*(\d+)/i.exec(req.header('prefer') ?? '');
  return match ? Math.min(MAX_WAIT_S, Number(match[1])) : DEFAULT_WAIT_S;
}

/** The read side had not caught up with the position asked for within the wait. */
export class ReadSideBehind extends HttpException {
  constructor(wanted: number, progress: ReadProgress, seconds: number) {
    super(
      {
        code: 'read-side-behind',
        title: 'Not caught up yet',
        message:
          `This read asked to see position ${wanted} of the log; within ${seconds} s the follow-up workflow reached ${progress.workflow} and the read models ${progress.readModels}. ` +
          'Nothing is lost: try again after Retry-After, allow a longer wait with "Prefer: wait=<seconds>" (at most 60), or read without minPosition to see what is there now.',
      },
      503,
    );
  }
}

/**
 * Read-your-writes across processes. A write answers with the log position it reached (in its
 * body and the `Consistency-Position` header); a read that names one waits until the workflow
 * has reacted to everything up to it and the read models have applied what the log held by
 * then (the tasks opened in reaction included), or answers 503 with Retry-After.
 */
@Injectable()
export class ConsistencyInterceptor implements NestInterceptor {
  constructor(@Inject(OPERATIONS) private readonly operations: Operations) {}

  async intercept(context: ExecutionContext, next: CallHandler): Promise<Observable<unknown>> {
    if (context.getType() !== 'http') return next.handle();
    const req = context.switchToHttp().getRequest<Request>();
    const res = context.switchToHttp().getResponse<Response>();
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      return next.handle().pipe(
        map((body: unknown) => {
          const position = (body as { position?: unknown } | null)?.position;
          if (typeof position === 'number') res.setHeader('Consistency-Position', String(position));
          return body;
        }),
      );
    }
    const wanted = wantedPosition(req);
    if (wanted !== undefined) await this.waitFor(wanted, waitSeconds(req));
    return next.handle();
  }

  private async waitFor(wanted: number, seconds: number): Promise<void> {
    const deadline = Date.now() + seconds * 1000;
    // The read models must pass what the log held once the workflow had passed `wanted`: read
    // after that moment, so that the tasks it appended in reaction are included.
    let target: number | undefined;
    for (let sawWorkflow = false; ; ) {
      const progress = await this.operations.readProgress();
      if (sawWorkflow && target === undefined) target = Math.max(wanted, progress.head);
      if (target !== undefined && progress.readModels >= target) return;
      sawWorkflow ||= progress.workflow >= wanted;
      if (Date.now() >= deadline) throw new ReadSideBehind(wanted, progress, seconds);
      await new Promise((r) => setTimeout(r, POLL_MS));
    }
  }
}
