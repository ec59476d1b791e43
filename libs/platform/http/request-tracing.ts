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
 * Runs every request under its correlation id (so each log line it causes carries it),
 * echoes the id in `X-Request-Id`, counts command requests by outcome, writes one access
 * line per request, and once shutdown began answers 503 instead of starting new work.
 */
export function requestTracing(metrics: DemarcheMetrics, gate: ShutdownGate): RequestHandler {
  const logger = new Logger('HTTP');
  return (request: Request, response: Response, next: NextFunction) => {
    const correlationId = correlationIdOf(request);
    response.setHeader('X-Request-Id', correlationId);
    if (gate.closing) {
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
      return;
    }
    const started = performance.now();
    response.on('finish', () =>
      withCorrelation(correlationId, () => {
        const route = (request.route as { path?: string } | undefined)?.path;
        if (request.method === 'POST' && request.originalUrl.startsWith('/v1/')) metrics.countCommand(route ?? 'unmatched', response.statusCode);
        logger.log(`${request.method} ${request.originalUrl} answered ${response.statusCode} in ${Math.round(performance.now() - started)} ms.`);
      }),
    );
    withCorrelation(correlationId, next);
  };
}
