import { Global, Module, type DynamicModule } from '@nestjs/common';
import { join } from 'node:path';
import type { ContextOptions } from '../platform/runtime/context-module.js';
import { TreatiesController } from './api/treaties.controller.js';
import { TreatyActionsController } from './api/treaty-actions.controller.js';
import { RecordTreatyActionHandler } from './application/record-treaty-action.handler.js';
import { TREATIES } from './application/treaty-catalog.js';
import { readTreatyCatalog } from './infrastructure/treaty-files.js';

/** The treaties Demarche knows, and the acts states perform under them. */
@Global()
@Module({})
export class TreatyStatusModule {
  static register({ config, api }: ContextOptions): DynamicModule {
    return {
      module: TreatyStatusModule,
      controllers: api ? [TreatiesController, TreatyActionsController] : [],
      providers: [{ provide: TREATIES, useFactory: () => readTreatyCatalog(join(config.referenceDir, 'treaties')) }, ...(api ? [RecordTreatyActionHandler] : [])],
      exports: [TREATIES],
    };
  }
}
