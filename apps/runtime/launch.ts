import { Logger, type INestApplication } from '@nestjs/common';
import { loadConfig } from '../../libs/platform/config/config.js';
import { createDemarcheApp, type Role } from './app.factory.js';

/** How long a SIGTERM waits for in-flight requests and batches before giving up (exit 1). */
const SHUTDOWN_DEADLINE_MS = 30_000;

/**
 * Starts a Demarche process for some roles. If a server is missing or a setting is wrong it
 * says which and what to do, and exits with status 1 instead of hanging or dumping a trace.
 * On SIGTERM (or SIGINT) it shuts down gracefully and exits 0: see {@link stopOnSignals}.
 */
export async function launch(roles: readonly Role[], name: string): Promise<void> {
  const logger = new Logger('Demarche');
  try {
    const config = loadConfig();
    const app = await createDemarcheApp({ config, roles });
    stopOnSignals(app, name, logger);
    if (roles.includes('api')) {
      await app.listen(config.port, '127.0.0.1');
      const where = config.profile === 'embedded' ? `data in ${config.dataDir}` : `MongoDB ${config.distributed.mongoDb}, Kafka ${config.distributed.kafkaBrokers.join(',')}`;
      logger.log(`Demarche ${name} (${config.profile}) listens on http://127.0.0.1:${config.port}; API docs at /docs; ${where}.`);
    } else if (config.metricsPort !== undefined) {
      await app.listen(config.metricsPort, '127.0.0.1');
      logger.log(`Demarche ${name} (${config.profile}) started; /health and /metrics on http://127.0.0.1:${config.metricsPort}.`);
    } else {
      await app.init();
      logger.log(`Demarche ${name} (${config.profile}) started (set DEMARCHE_METRICS_PORT to serve /health and /metrics).`);
    }
  } catch (error) {
    logger.error(`Demarche ${name} could not start: ${(error as Error)?.message ?? error}`);
    process.exit(1);
  }
}

/**
 * Graceful shutdown: new requests are turned away (503), the relay, projectors, playbook and
 * timer workers finish the batch in hand and store their checkpoints, the HTTP server waits
 * for the requests in flight, then the stores close and the process exits 0.
 */
function stopOnSignals(app: INestApplication, name: string, logger: Logger): void {
  let stopping = false;
  const stop = (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    logger.log(`Demarche ${name} received ${signal}: finishing the requests and batches in hand, then exiting.`);
    const deadline = setTimeout(() => {
      logger.error(`Demarche ${name} did not finish shutting down within ${SHUTDOWN_DEADLINE_MS / 1000} s; exiting with status 1. Work not checkpointed is redone at the next start.`);
      process.exit(1);
    }, SHUTDOWN_DEADLINE_MS);
    deadline.unref();
    app.close().then(
      () => {
        logger.log(`Demarche ${name} stopped cleanly.`);
        process.exit(0);
      },
      (error: unknown) => {
        logger.error(`Demarche ${name} failed while shutting down: ${(error as Error)?.stack ?? error}`);
        process.exit(1);
      },
    );
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}
