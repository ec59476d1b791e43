import { Logger } from '@nestjs/common';
import { createDemarcheApp } from '../../libs/platform/runtime/app.factory.js';
import { loadConfig } from '../../libs/platform/config/config.js';

/** `npm run start:api`: only the api role; run several of them side by side. */
const config = loadConfig();
const app = await createDemarcheApp({ config, roles: ['api'] });
await app.listen(config.port, '127.0.0.1');
new Logger('Demarche').log(`Demarche api (${config.profile}) listens on http://127.0.0.1:${config.port}`);
