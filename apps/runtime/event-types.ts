import { EventRegistry } from '../../libs/event-store/index.js';
import { registerFollowUpEvents } from '../../libs/follow-ups/index.js';
import { registerOutreachEvents } from '../../libs/outreach/index.js';
import { registerTreatyStatusEvents } from '../../libs/treaty-status/index.js';

/** Every event type Demarche writes: each context registers its own. */
export function demarcheEventRegistry(): EventRegistry {
  return registerFollowUpEvents(registerOutreachEvents(registerTreatyStatusEvents(new EventRegistry())));
}
