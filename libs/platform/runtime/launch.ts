import { Logger } from '@nestjs/common';
import { loadConfig } from '../config/config.js';
import { createDemarcheApp, type Role } from './app.factory.js';

/**
 * Starts a Demarche process for some roles. If a server is missing or a setting is wrong it
 * says which and what to do, and exits with status 1 instead of hanging or dumping a trace.
 */
export async function launch(roles: readonly Role[], name: string): Promise<void> {
  const logger = new Logger('Demarche');
  try {
    const config = loadConfig();
    const app = await createDemarcheApp({ config, roles });
    if (roles.includes('api')) {
      await app.listen(config.port, '127.0.0.1');
      const where = config.profile === 'embedded' ? `data in ${config.dataDir}` : `MongoDB ${config.distributed.mongoDb}, Kafka ${config.distributed.kafkaBrokers.join(',')}`;
      logger.log(`Demarche ${name} (${config.profile}) listens on http://127.0.0.1:${config.port}; API docs at /docs; ${where}.`);
    } else {
      await app.init();
      logger.log(`Demarche ${name} (${config.profile}) started.`);
    }
  } catch (error) {
    logger.error(`Demarche ${name} could not start: ${(error as Error)?.message ?? error}`);
    process.exit(1);
  }
}
