import { followUpQueueProjection } from '../../libs/follow-ups/application/follow-up-queue.projection.js';
import { campaignSummaryProjection } from '../../libs/reporting/application/campaign-summary.projection.js';
import { countryStatusProjection } from '../../libs/reporting/application/country-status.projection.js';
import { stateHistoryProjection } from '../../libs/analysis/application/state-history.projection.js';
import type { Projection } from '../../libs/projections/index.js';

/** The read models the projector builds; each can be rebuilt from the log. */
export const READ_MODEL_PROJECTIONS: readonly Projection[] = [countryStatusProjection, campaignSummaryProjection, followUpQueueProjection, stateHistoryProjection];

import { WORKFLOW_NAME } from '../../libs/follow-ups/index.js';
import { NOTIFICATION_SUBSCRIPTIONS } from '../../libs/notifications/index.js';

/** The follow-up workflow follows the log with a checkpoint of its own, under this name. */
export const WORKFLOW_PROJECTION = WORKFLOW_NAME;

/**
 * Names and collections of every projection: the read models, the playbook's state, and the
 * worker's subscriptions that write the mail and webhook outboxes (they keep no documents).
 */
export const ALL_PROJECTIONS_SHAPE: readonly Pick<Projection, 'name' | 'collections'>[] = [
  ...READ_MODEL_PROJECTIONS,
  { name: WORKFLOW_PROJECTION, collections: [WORKFLOW_PROJECTION] },
  ...NOTIFICATION_SUBSCRIPTIONS.map((name) => ({ name, collections: [] })),
];
