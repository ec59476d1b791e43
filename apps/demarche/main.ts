import { launch } from '../runtime/launch.js';

/** `npm start`: api, projector and worker in one process (embedded profile unless servers are configured). */
await launch(['api', 'projector', 'worker'], 'all-in-one');
