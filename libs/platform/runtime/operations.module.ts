import { Module } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { HealthController } from '../http/health.controller.js';
import { MetricsController } from '../http/metrics.controller.js';
import { ShutdownGate } from '../http/request-tracing.js';

/**
 * What operators reach on every process that listens: /health/live, /health/ready and
 * /metrics (the api port, or DEMARCHE_METRICS_PORT on projector and worker processes).
 */
@Module({
  // Readiness failures are answered (503, naming the servers); terminus need not log them too.
  imports: [TerminusModule.forRoot({ logger: false })],
  controllers: [HealthController, MetricsController],
  providers: [ShutdownGate],
  exports: [ShutdownGate],
})
export class OperationsModule {}
