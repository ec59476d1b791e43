import { Injectable, Logger, type BeforeApplicationShutdown } from '@nestjs/common';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { withCorrelation } from '../observability/correlation.js';
import type { DemarcheMetrics } from '../observability/metrics.js';
import { correlationIdOf } from './request-context.js';
import { RETRY_AFTER_SECONDS } from './server-unavailable.js';

/** Closed once the application starts shutting down: new requests are then turned away. */
@Injectable()
export class ShutdownGate implements BeforeApplicationShutdown {
  closing = false;
  beforeApplicationShutdown(): void {
    this.closing = true;
  }
}

/**
 * The first thing every request meets: it gets its correlation id (echoed in `X-Request-Id`),
 * an access line and, for commands, a count by outcome once answered. Once shutdown began, a
 * new request is answered 503 (with `Connection: close`) instead of starting work the closing
 * stores might cut short; requests already past this point (a body still arriving included) finish.
 */
export function requestEdge(gate: ShutdownGate, metrics: DemarcheMetrics): RequestHandler {
  const logger = new Logger('HTTP');
  return (request: Request, response: Response, next: NextFunction) => {
    const correlationId = correlationIdOf(request);
    response.setHeader('X-Request-Id', correlationId);
    const started = performance.now();
    response.on('finish', () =>
      withCorrelation(correlationId, () => {
        const route = (request.route as { path?: string } | undefined)?.path;
        if (request.method === 'POST' && request.originalUrl.startsWith('/v1/')) metrics.countCommand(route ?? 'unmatched', response.statusCode);
        logger.log(`${request.method} ${request.originalUrl} answered ${response.statusCode} in ${Math.round(performance.now() - started)} ms.`);
      }),
    );
    if (!gate.closing) return next();
    response.setHeader('Connection', 'close');
    response.setHeader('Retry-After', String(RETRY_AFTER_SECONDS));
    response.status(503).type('application/problem+json').json({
      type: 'https://demarche.dev/problems/shutting-down',
      title: 'This Demarche process is shutting down',
      status: 503,
      code: 'shutting-down',
      detail: `Nothing was done. Retry in ${RETRY_AFTER_SECONDS} s, on another api process or on this one once it has restarted.`,
      instance: request.originalUrl,
    });
  };
}

/**
 * Runs the rest of the request under its correlation id, so every line it logs carries it.
 * Registered after the body parser, whose stream callbacks would lose the context.
 */
export function correlationContext(): RequestHandler {
  return (request: Request, _response: Response, next: NextFunction) => withCorrelation(correlationIdOf(request), next);
}
