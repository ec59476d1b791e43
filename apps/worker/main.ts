import { launch } from '../runtime/launch.js';

/** `npm run start:worker`: the worker role alone; run several side by side on the distributed profile. */
await launch(['worker'], 'worker');
