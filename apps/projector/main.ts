import { Logger } from '@nestjs/common';
import { createDemarcheApp } from '../../libs/platform/runtime/app.factory.js';
import { loadConfig } from '../../libs/platform/config/config.js';

/** `npm run start:projector`: only the projector role; run several of them side by side. */
const config = loadConfig();
const app = await createDemarcheApp({ config, roles: ['projector'] });
await app.init();
new Logger('Demarche').log(`Demarche projector (${config.profile}) started; data in ${config.dataDir}`);
