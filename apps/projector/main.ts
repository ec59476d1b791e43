import { launch } from '../runtime/launch.js';

/** `npm run start:projector`: the projector role alone; run several side by side on the distributed profile. */
await launch(['projector'], 'projector');
