import { Logger } from '@nestjs/common';
import { createDemarcheApp } from '../../libs/platform/runtime/app.factory.js';
import { loadConfig } from '../../libs/platform/config/config.js';

/** `npm start`: api, projector and worker in one process, on the embedded profile by default. */
const config = loadConfig();
const app = await createDemarcheApp({ config });
await app.listen(config.port, '127.0.0.1');
new Logger('Demarche').log(`Demarche (${config.profile}) listens on http://127.0.0.1:${config.port} — API docs at /docs, data in ${config.dataDir}`);
