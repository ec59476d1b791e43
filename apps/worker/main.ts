import { Logger } from '@nestjs/common';
import { createDemarcheApp } from '../../libs/platform/runtime/app.factory.js';
import { loadConfig } from '../../libs/platform/config/config.js';

/** `npm run start:worker`: only the worker role; run several of them side by side. */
const config = loadConfig();
const app = await createDemarcheApp({ config, roles: ['worker'] });
await app.init();
new Logger('Demarche').log(`Demarche worker (${config.profile}) started; data in ${config.dataDir}`);
