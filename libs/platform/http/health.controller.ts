import { Controller, Get, Inject, ServiceUnavailableException } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { HealthCheckService, HealthIndicatorService } from '@nestjs/terminus';
import { OPERATIONS, type Operations } from '../observability/operations.js';
import { ServersUnavailable } from './server-unavailable.js';

const CHECK_TIMEOUT_MS = 4000;

/** Liveness and readiness, for load balancers and orchestrators; no token needed. */
@ApiTags('health')
@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly indicators: HealthIndicatorService,
    @Inject(OPERATIONS) private readonly operations: Operations,
  ) {}

  @Get('live')
  @ApiOperation({ summary: 'The process runs and answers (it says nothing about the servers).' })
  live() {
    return { status: 'ok' };
  }

  @Get('ready')
  @ApiOperation({ summary: 'Every server of the profile answers; 503 with Retry-After names the ones that do not.' })
  async ready() {
    try {
      return await this.health.check(
        this.operations.servers.map((server) => () => this.indicators.check(server.name).attempt(() => server.check()).withTimeout(CHECK_TIMEOUT_MS)),
      );
    } catch (error) {
      if (!(error instanceof ServiceUnavailableException)) throw error;
      const result = error.getResponse() as { error?: Record<string, { message?: string }> };
      throw new ServersUnavailable(
        Object.entries(result.error ?? {}).map(([server, down]) => ({ server, message: down.message ?? `${server} did not answer within ${CHECK_TIMEOUT_MS / 1000} s.` })),
      );
    }
  }
}
