import { launch } from '../runtime/launch.js';

/** `npm run start:api`: the api role alone; run several side by side on the distributed profile. */
await launch(['api'], 'api');
