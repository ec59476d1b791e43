import { Module, type MiddlewareConsumer, type NestModule } from '@nestjs/common';
import { APP_INTERCEPTOR } from '@nestjs/core';
import { ConsistencyInterceptor } from '../../libs/platform/http/consistency.interceptor.js';
import { CqrsModule } from '@nestjs/cqrs';
import { AccessModule } from '../../libs/access/access.module.js';
import { OutreachController } from '../../libs/outreach/api/outreach.controller.js';
import { CampaignOutreachController } from '../../libs/outreach/api/campaign-outreach.controller.js';
import { RecordOutreachBatchHandler } from '../../libs/outreach/application/record-outreach-batch.handler.js';
import { RegisterMissionsHandler } from '../../libs/outreach/application/register-missions.handler.js';
import { ImportsController } from '../../libs/outreach/api/imports.controller.js';
import { OutreachImport } from '../../libs/outreach/api/outreach-import.js';
import { LaunchCampaignHandler } from '../../libs/outreach/application/launch-campaign.handler.js';
import { RecordOutreachHandler } from '../../libs/outreach/application/record-outreach.handler.js';
import { RegisterMissionHandler } from '../../libs/outreach/application/register-mission.handler.js';
import { ForgetMissionNotesHandler } from '../../libs/outreach/application/forget-mission-notes.handler.js';
import { OutreachRecordQuery } from '../../libs/outreach/application/outreach-record.query.js';
import { TreatyActionsController } from '../../libs/treaty-status/api/treaty-actions.controller.js';
import { RecordTreatyActionHandler } from '../../libs/treaty-status/application/record-treaty-action.handler.js';
import { FollowUpsController } from '../../libs/follow-ups/api/follow-ups.controller.js';
import { WorkFollowUpHandler } from '../../libs/follow-ups/application/work-follow-up.handler.js';
import { CountriesController } from '../../libs/reporting/api/countries.controller.js';
import { CountryQuery } from '../../libs/reporting/application/country-query.js';
import { CampaignQuery } from '../../libs/reporting/application/campaign-query.js';
import { CampaignsController } from '../../libs/reporting/api/campaigns.controller.js';
import { HistoryQuery } from '../../libs/analysis/application/history-query.js';
import { StatusController } from '../../libs/analysis/api/status.controller.js';
import { ReportsController } from '../../libs/analysis/api/reports.controller.js';
import { ReportQuery } from '../../libs/analysis/application/report-query.js';
import { EventsController } from '../../libs/event-store/api/events.controller.js';
import { LiveUpdates, LiveUpdatesController } from '../../libs/follow-ups/api/live-updates.js';
import { JsonOnlyMiddleware } from '../../libs/platform/http/json-only.middleware.js';
import { PlainQueryMiddleware } from '../../libs/platform/http/plain-query.middleware.js';
import { RebuildsController, RebuildService } from '../../libs/projections/api/rebuilds.controller.js';

/** The api role: the HTTP contract, and the use cases behind it. */
@Module({
  imports: [CqrsModule.forRoot(), AccessModule],
  controllers: [RebuildsController, StatusController, ReportsController, OutreachController, CampaignOutreachController, ImportsController, TreatyActionsController, CountriesController, CampaignsController, FollowUpsController, EventsController, LiveUpdatesController],
  providers: [
    RecordOutreachBatchHandler,
    RegisterMissionsHandler,
    { provide: OutreachImport, useFactory: (batch: RecordOutreachBatchHandler, missions: RegisterMissionsHandler) => new OutreachImport(batch, missions), inject: [RecordOutreachBatchHandler, RegisterMissionsHandler] },
    RegisterMissionHandler, ForgetMissionNotesHandler, OutreachRecordQuery, LaunchCampaignHandler, RecordOutreachHandler, RecordTreatyActionHandler, WorkFollowUpHandler, CountryQuery, CampaignQuery, HistoryQuery, ReportQuery, RebuildService, LiveUpdates, { provide: APP_INTERCEPTOR, useClass: ConsistencyInterceptor }],
})
export class ApiModule implements NestModule {
  configure(consumer: MiddlewareConsumer): void {
    consumer.apply(JsonOnlyMiddleware, PlainQueryMiddleware).forRoutes('*path');
  }
}
