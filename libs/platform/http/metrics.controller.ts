import { Controller, Get, Inject, Req, Res, UnauthorizedException } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { createHash, timingSafeEqual } from 'node:crypto';
import type { Request, Response } from 'express';
import type { DemarcheConfig } from '../config/config.js';
import { METRICS, type DemarcheMetrics } from '../observability/metrics.js';
import { CONFIG } from '../runtime/tokens.js';

const digest = (s: string) => createHash('sha256').update(s).digest();

/**
 * Prometheus exposition. Open like /health (scrapers usually reach an internal port without
 * credentials) unless DEMARCHE_METRICS_TOKEN is set; then it wants that bearer token.
 */
@ApiExcludeController()
@Controller('metrics')
export class MetricsController {
  constructor(
    @Inject(METRICS) private readonly metrics: DemarcheMetrics,
    @Inject(CONFIG) private readonly config: DemarcheConfig,
  ) {}

  @Get()
  async scrape(@Req() request: Request, @Res() response: Response): Promise<void> {
    const expected = this.config.metricsToken;
    if (expected) {
      const sent = /^Bearer (.+)$/i.exec(request.header('authorization') ?? '')?.[1] ?? '';
      if (!timingSafeEqual(digest(sent), digest(expected))) {
        response.setHeader('WWW-Authenticate', 'Bearer realm="demarche-metrics"');
        throw new UnauthorizedException({ code: 'metrics-token-required', message: '/metrics wants Authorization: Bearer <DEMARCHE_METRICS_TOKEN>; configure the scraper with that token.' });
      }
    }
    response.type(this.metrics.contentType).send(await this.metrics.render());
  }
}
