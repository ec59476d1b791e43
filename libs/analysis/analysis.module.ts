import { Global, Module, type DynamicModule } from '@nestjs/common';
import type { ContextOptions } from '../platform/runtime/context-module.js';
import { PAST_DOSSIERS } from '../reporting/index.js';
import { CountryTreatiesController } from './api/country-treaties.controller.js';
import { ReportsController } from './api/reports.controller.js';
import { StatusController } from './api/status.controller.js';
import { HistoryQuery } from './application/history-query.js';
import { ReportQuery } from './application/report-query.js';

/** The analysts' questions: the picture on any day, what changed, the report. */
@Global()
@Module({})
export class AnalysisModule {
  static register({ api }: ContextOptions): DynamicModule {
    return {
      module: AnalysisModule,
      controllers: api ? [StatusController, ReportsController, CountryTreatiesController] : [],
      providers: api ? [HistoryQuery, ReportQuery, { provide: PAST_DOSSIERS, useExisting: HistoryQuery }] : [],
      exports: api ? [HistoryQuery, PAST_DOSSIERS] : [],
    };
  }
}
