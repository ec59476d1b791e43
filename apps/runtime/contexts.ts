import type { DynamicModule } from '@nestjs/common';
import { AccessModule } from '../../libs/access/access.module.js';
import { AnalysisModule } from '../../libs/analysis/analysis.module.js';
import { EventStoreModule } from '../../libs/event-store/event-store.module.js';
import { FollowUpsModule } from '../../libs/follow-ups/follow-ups.module.js';
import { NotificationsModule } from '../../libs/notifications/notifications.module.js';
import { OutreachModule } from '../../libs/outreach/outreach.module.js';
import { ProjectionsModule } from '../../libs/projections/projections.module.js';
import { ReportingModule } from '../../libs/reporting/reporting.module.js';
import { TreatyStatusModule } from '../../libs/treaty-status/treaty-status.module.js';
import type { DemarcheConfig } from '../../libs/platform/config/config.js';
import { ProfileModule } from './profile.module.js';
import { ALL_PROJECTIONS_SHAPE, READ_MODEL_PROJECTIONS } from './projection-catalog.js';

/**
 * Every context's module on the profile's stores. With `api`, each adds its controllers and
 * use cases; without (projector, worker, the CLI) only what the roles and commands need.
 */
export function demarcheContexts(config: DemarcheConfig, { api }: { readonly api: boolean }): DynamicModule[] {
  const options = { config, api };
  return [
    ProfileModule.forRoot(config),
    EventStoreModule.register(options),
    ProjectionsModule.register({ ...options, readModels: READ_MODEL_PROJECTIONS, shapes: ALL_PROJECTIONS_SHAPE }),
    TreatyStatusModule.register(options),
    OutreachModule.register(options),
    FollowUpsModule.register(options),
    AccessModule.register(options),
    ReportingModule.register(options),
    AnalysisModule.register(options),
    NotificationsModule.register(options),
  ];
}
