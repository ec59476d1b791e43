import { Controller, Get, Inject, Optional, ServiceUnavailableException } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { HealthCheckService, HealthIndicatorService } from '@nestjs/terminus';
import { AUXILIARY_PROBES, OPERATIONS, within, type Operations, type ServerProbe } from '../observability/operations.js';
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
    @Optional() @Inject(AUXILIARY_PROBES) private readonly auxiliary: readonly ServerProbe[] = [],
  ) {}

  @Get('live')
  @ApiOperation({ summary: 'The process runs and answers (it says nothing about the servers).' })
  live() {
    return { status: 'ok' };
  }

  @Get('ready')
  @ApiOperation({ summary: 'Every server of the profile answers; 503 with Retry-After names the ones that do not.' })
  async ready() {
    // Asked side by side with the profile's servers; their answer is told, never a reason for a 503.
    const auxiliary = Promise.all(
      this.auxiliary.map(async (probe) => {
        const started = Date.now();
        try {
          await within(CHECK_TIMEOUT_MS, `${probe.name} did not answer within ${CHECK_TIMEOUT_MS / 1000} s.`, probe.check());
          return [probe.name, { status: 'up', responseTimeMs: Date.now() - started }] as const;
        } catch (error) {
          return [probe.name, { status: 'down', message: (error as Error).message }] as const;
        }
      }),
    ).then((entries) => (entries.length ? { auxiliary: Object.fromEntries(entries) } : {}));
    try {
      const result = await this.health.check(
        this.operations.servers.map((server) => () => this.indicators.check(server.name).attempt(() => server.check()).withTimeout(CHECK_TIMEOUT_MS)),
      );
      return { ...result, ...(await auxiliary) };
    } catch (error) {
      if (!(error instanceof ServiceUnavailableException)) throw error;
      const result = error.getResponse() as { error?: Record<string, { message?: string }> };
      throw new ServersUnavailable(
        Object.entries(result.error ?? {}).map(([server, down]) => ({ server, message: down.message ?? `${server} did not answer within ${CHECK_TIMEOUT_MS / 1000} s.` })),
      );
    }
  }
}
