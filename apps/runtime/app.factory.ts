import 'reflect-metadata';
import { Logger, Module, type DynamicModule, type INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import express from 'express';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { CommandRunner, EVENT_STORE, type EventStore } from '../../libs/event-store/index.js';
import type { Clock } from '../../libs/kernel/index.js';
import type { TreatyCatalog } from '../../libs/treaty-status/index.js';
import { loadConfig, type DemarcheConfig } from '../../libs/platform/config/config.js';
import { ProblemDetailsFilter, strictValidationPipe } from '../../libs/platform/http/problem.js';
import { serveConsole } from '../../libs/platform/http/console-assets.js';
import { correlationContext, requestEdge, ShutdownGate } from '../../libs/platform/http/request-tracing.js';
import { JsonLogger } from '../../libs/platform/observability/json-logger.js';
import { METRICS, type DemarcheMetrics } from '../../libs/platform/observability/metrics.js';
import { ApiModule } from './api.module.js';
import { ensureFirstAdmin, TokenService } from '../../libs/access/index.js';
import { OperationsModule } from '../../libs/platform/runtime/operations.module.js';
import { demarcheContexts } from './contexts.js';
import { DistributedWorkerModule, KafkaProjectorModule } from './distributed-roles.js';
import { ProjectorModule } from './projector.module.js';
import { importStatesFiles, shippedStatesFiles } from '../../libs/treaty-status/application/import-states-files.js';
import { CLOCK } from '../../libs/platform/runtime/tokens.js';
import { TREATIES, treatyStatusStreamId } from '../../libs/treaty-status/index.js';
import { WorkerModule } from './worker.module.js';

/** The endpoints that take many facts in one body. */
const BULK_PATHS = ['/v1/campaigns/:id/letters', '/v1/campaigns/:id/meetings', '/v1/campaigns/:id/responses', '/v1/campaigns/:id/imports', '/v1/imports/missions'];

/** The parts of Demarche a process runs. `npm start` runs all three in one process. */
export type Role = 'api' | 'projector' | 'worker';

@Module({})
class DemarcheModule {
  static with(config: DemarcheConfig, roles: readonly Role[]): DynamicModule {
    const distributed = config.profile === 'distributed';
    return {
      module: DemarcheModule,
      imports: [
        ...demarcheContexts(config, { api: roles.includes('api') }),
        OperationsModule,
        ...(roles.includes('api') ? [ApiModule] : []),
        ...(roles.includes('projector') ? [distributed ? KafkaProjectorModule : ProjectorModule] : []),
        ...(roles.includes('worker') ? [distributed ? DistributedWorkerModule : WorkerModule] : []),
      ],
    };
  }
}

export interface StartOptions {
  readonly roles?: readonly Role[];
  readonly config?: DemarcheConfig;
  readonly logger?: false | ('log' | 'error' | 'warn' | 'debug' | 'verbose' | 'fatal')[];
}

/** Builds (but does not start listening) a Demarche application for the given roles. */
export async function createDemarcheApp(options: StartOptions = {}): Promise<INestApplication> {
  const config = options.config ?? loadConfig();
  const roles = options.roles ?? ['api', 'projector', 'worker'];
  const app = await NestFactory.create<NestExpressApplication>(DemarcheModule.with(config, roles), {
    // One JSON object per line (pino), carrying the correlation id of the request or event at hand.
    logger: new JsonLogger(options.logger ?? ['log', 'error', 'warn', 'fatal']),
    bodyParser: false,
    abortOnError: false,
  });
  app.use(requestEdge(app.get(ShutdownGate), app.get<DemarcheMetrics>(METRICS)));
  // A bulk request carries up to 500 facts, notes included; every other body stays small.
  app.use(BULK_PATHS, express.json({ limit: '5mb' }));
  app.useBodyParser('json', { limit: '100kb' });
  app.use(correlationContext());
  app.useGlobalPipes(strictValidationPipe());
  app.useGlobalFilters(new ProblemDetailsFilter());
  if (roles.includes('api')) {
    const document = SwaggerModule.createDocument(
      app,
      new DocumentBuilder().setTitle('Demarche API').setDescription('Treaty universalization outreach: missions, campaigns, responses, follow-ups.').setVersion('1').addBearerAuth().addSecurityRequirements('bearer').build(),
    );
    SwaggerModule.setup('docs', app, document, { jsonDocumentUrl: 'docs/openapi.json' });
    serveConsole(app);
  }
  // Only the api role seeds, so several projector or worker processes never race to do it.
  if (config.seedStates && roles.includes('api')) await seedShippedStates(app, config);
  if (roles.includes('api')) {
    try {
      await ensureAdminAccess(app, config);
    } catch (error) {
      await app.close();
      throw error;
    }
  }
  return app;
}

/** Someone must be able to act as admin: see ensureFirstAdmin. The generated secret is logged once, here. */
async function ensureAdminAccess(app: INestApplication, config: DemarcheConfig): Promise<void> {
  const first = await ensureFirstAdmin(app.get(TokenService), { adminTokenSet: Boolean(config.access.adminToken), profile: config.profile, dataDir: config.dataDir });
  if (first.kind !== 'generated') return;
  new Logger('Security').warn(
    `No admin token existed, so Demarche issued one (id ${first.id}). It is shown this once and kept in ${first.file} (readable by you only): ` +
      `${first.token} -- use it as "Authorization: Bearer <token>" and issue the other tokens with POST /v1/tokens (see README, Security).`,
  );
}

/**
 * Loads the shipped record of every treaty whose acts the store does not hold yet, so the
 * first start shows real data and a store seeded with the CCM alone gains the others.
 * Each treaty's acts go to its own streams (`treaty-status-<code>-<iso3>`).
 */
async function seedShippedStates(app: INestApplication, config: DemarcheConfig): Promise<void> {
  const store = app.get<EventStore>(EVENT_STORE);
  const fresh = !(await store.query({ types: ['CountryRegistered'], limit: 1 })).length;
  for (const treaty of app.get<TreatyCatalog>(TREATIES).all()) {
    const files = shippedStatesFiles(config.referenceDir, treaty.code);
    if (!files || (!fresh && (await treatyRecorded(store, treaty.code)))) continue;
    const summary = await importStatesFiles(app.get(CommandRunner), app.get<Clock>(CLOCK), treaty, files);
    new Logger('Seed').log(`Loaded the shipped ${treaty.code} record: ${summary.states} states, ${summary.actsAdded} treaty acts.`);
  }
}

/** Whether any act of the treaty is in the store (the seed never adds to a record someone keeps). */
async function treatyRecorded(store: EventStore, treaty: string): Promise<boolean> {
  return (await store.query({ streamPrefix: treatyStatusStreamId(treaty, ''), limit: 1 })).length > 0;
}
