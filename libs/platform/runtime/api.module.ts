import { Module, type MiddlewareConsumer, type NestModule } from '@nestjs/common';
import { APP_INTERCEPTOR } from '@nestjs/core';
import { ConsistencyInterceptor } from '../http/consistency.interceptor.js';
import { CqrsModule } from '@nestjs/cqrs';
import { AccessModule } from '../../access/api/access.module.js';
import { OutreachController } from '../../outreach/api/outreach.controller.js';
import { CampaignOutreachController } from '../../outreach/api/campaign-outreach.controller.js';
import { RecordOutreachBatchHandler } from '../../outreach/application/record-outreach-batch.handler.js';
import { RegisterMissionsHandler } from '../../outreach/application/register-missions.handler.js';
import { ImportsController } from '../../outreach/api/imports.controller.js';
import { OutreachImport } from '../../outreach/api/outreach-import.js';
import { LaunchCampaignHandler } from '../../outreach/application/launch-campaign.handler.js';
import { RecordOutreachHandler } from '../../outreach/application/record-outreach.handler.js';
import { RegisterMissionHandler } from '../../outreach/application/register-mission.handler.js';
import { ForgetMissionNotesHandler } from '../../outreach/application/forget-mission-notes.handler.js';
import { OutreachRecordQuery } from '../../outreach/application/outreach-record.query.js';
import { TreatyActionsController } from '../../treaty-status/api/treaty-actions.controller.js';
import { RecordTreatyActionHandler } from '../../treaty-status/application/record-treaty-action.handler.js';
import { FollowUpsController } from '../../follow-ups/api/follow-ups.controller.js';
import { WorkFollowUpHandler } from '../../follow-ups/application/work-follow-up.handler.js';
import { CountriesController } from '../../reporting/api/countries.controller.js';
import { CountryQuery } from '../../reporting/application/country-query.js';
import { CampaignQuery } from '../../reporting/application/campaign-query.js';
import { CampaignsController } from '../../reporting/api/campaigns.controller.js';
import { HistoryQuery } from '../../analysis/application/history-query.js';
import { StatusController } from '../../analysis/api/status.controller.js';
import { ReportsController } from '../../analysis/api/reports.controller.js';
import { ReportQuery } from '../../analysis/application/report-query.js';
import { EventsController } from '../../event-store/api/events.controller.js';
import { LiveUpdates, LiveUpdatesController } from '../http/live-updates.js';
import { JsonOnlyMiddleware } from '../http/json-only.middleware.js';
import { PlainQueryMiddleware } from '../http/plain-query.middleware.js';
import { RebuildsController, RebuildService } from '../http/rebuilds.controller.js';

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
