import { Body, ConflictException, Controller, Get, HttpCode, Inject, Injectable, Logger, Param, Post } from '@nestjs/common';
import { ApiProperty, ApiPropertyOptional, ApiTags } from '@nestjs/swagger';
import { IsBoolean, IsString, Matches } from 'class-validator';
import { EVENT_STORE, EventRegistry, type EventStore } from '../../event-store/index.js';
import { ActiveReadModels, RAW_READ_MODEL_STORE, READ_MODEL_CATALOG, READ_MODEL_STORE, rebuildProjection, type Projection, type ReadModelStore, type RebuildProgress, type RebuildResult } from '../index.js';
import { notFound } from '../../kernel/index.js';
import { InvalidRequest } from '../../platform/http/problem.js';
import { Omittable } from '../../platform/http/validators.js';

export class StartRebuildDto {
  @ApiProperty({ example: 'country-status', description: 'a read model: country-status, campaign-summary, follow-up-queue or state-history' })
  @IsString() @Matches(/^[a-z][a-z-]{0,40}$/, { message: 'projection must be the name of a read model, like country-status' })
  projection!: string;
  @ApiPropertyOptional({ description: 'switch to the rebuilt version once it has caught up' }) @Omittable() @IsBoolean() swap?: boolean;
}

interface RebuildRun {
  readonly projection: string;
  state: 'running' | 'done' | 'failed';
  readonly startedAt: string;
  progress?: RebuildProgress;
  result?: RebuildResult;
  error?: string;
}

/** Runs rebuilds in the background of the api process, one per projection at a time. */
@Injectable()
export class RebuildService {
  private readonly logger = new Logger('Rebuild');
  private readonly runs = new Map<string, RebuildRun>();

  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(RAW_READ_MODEL_STORE) private readonly raw: ReadModelStore,
    @Inject(READ_MODEL_STORE) private readonly active: ReadModelStore,
    private readonly registry: EventRegistry,
    @Inject(READ_MODEL_CATALOG) private readonly projections: readonly Projection[],
  ) {}

  start(projectionName: string, swap: boolean): RebuildRun {
    const projection = this.projections.find((p) => p.name === projectionName);
    if (!projection) throw new InvalidRequest([{ field: 'projection', message: `projection must be one of ${this.projections.map((p) => p.name).join(', ')}` }]);
    if (this.runs.get(projectionName)?.state === 'running') throw new ConflictException(`A rebuild of ${projectionName} is already running; follow it at GET /v1/admin/rebuilds/${projectionName}.`);
    const run: RebuildRun = { projection: projectionName, state: 'running', startedAt: new Date().toISOString() };
    this.runs.set(projectionName, run);
    rebuildProjection(this.store, this.raw, projection, { swap, upcast: (e) => this.registry.upcast(e), onProgress: (p) => (run.progress = p) })
      .then((result) => {
        run.result = result;
        run.state = 'done';
        if (result.swapped && this.active instanceof ActiveReadModels) this.active.invalidate();
      })
      .catch((error) => {
        run.state = 'failed';
        run.error = `${(error as Error).message}. Start it again: it resumes where it stopped.`;
        this.logger.error(`Rebuild of ${projectionName} failed: ${(error as Error)?.stack ?? error}`);
      });
    return run;
  }

  status(projectionName: string): RebuildRun {
    const run = this.runs.get(projectionName);
    if (!run) throw notFound('no-rebuild', `No rebuild of ${projectionName} has run in this process.`, 'projection');
    return run;
  }
}

@ApiTags('admin')
@Controller('v1/admin/rebuilds')
export class RebuildsController {
  constructor(private readonly rebuilds: RebuildService) {}

  @Post()
  @HttpCode(202)
  start(@Body() body: StartRebuildDto) {
    return this.rebuilds.start(body.projection, body.swap ?? false);
  }

  @Get(':projection')
  status(@Param('projection') projection: string) {
    return this.rebuilds.status(projection);
  }
}
