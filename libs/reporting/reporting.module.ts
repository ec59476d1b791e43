import { Global, Module, type DynamicModule } from '@nestjs/common';
import type { ContextOptions } from '../platform/runtime/context-module.js';
import { CampaignsController } from './api/campaigns.controller.js';
import { CountriesController } from './api/countries.controller.js';
import { CampaignQuery } from './application/campaign-query.js';
import { CountryQuery } from './application/country-query.js';

/** Countries and campaigns as they stand, from their read models. */
@Global()
@Module({})
export class ReportingModule {
  static register({ api }: ContextOptions): DynamicModule {
    return {
      module: ReportingModule,
      controllers: api ? [CountriesController, CampaignsController] : [],
      providers: api ? [CountryQuery, CampaignQuery] : [],
      exports: api ? [CountryQuery, CampaignQuery] : [],
    };
  }
}
