import { Controller, Get, Inject, Query } from '@nestjs/common';
import { ApiQuery, ApiTags } from '@nestjs/swagger';
import { toLocalDate, type Clock } from '../../kernel/index.js';
import { InvalidRequest } from '../../platform/http/problem.js';
import { dateQuery, knownAtQuery, onlyKnownQuery } from '../../platform/http/validators.js';
import { CLOCK } from '../../platform/runtime/tokens.js';
import { DEFAULT_TREATY } from '../../treaty-status/index.js';
import { HistoryQuery } from '../application/history-query.js';

@ApiTags('analysis')
@Controller('v1/status')
export class StatusController {
  constructor(
    private readonly history: HistoryQuery,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  @Get()
  @ApiQuery({ name: 'treaty', required: false }) @ApiQuery({ name: 'asOf', required: false, description: 'YYYY-MM-DD; default today' })
  @ApiQuery({ name: 'knownAt', required: false, description: 'what Demarche knew by the end of that day (or that instant)' })
  async status(@Query() query: Record<string, string>) {
    onlyKnownQuery(query, ['treaty', 'asOf', 'knownAt']);
    const asOf = dateQuery('asOf', query.asOf) ?? toLocalDate(this.clock.now());
    const knownAt = knownAtQuery(query.knownAt);
    return this.history.status(query.treaty ?? DEFAULT_TREATY, { asOf, ...(knownAt ? { knownAt } : {}) });
  }

  /** Every state counted on the day x every treaty: the cross-treaty view and its map. */
  @Get('matrix')
  @ApiQuery({ name: 'asOf', required: false, description: 'YYYY-MM-DD; default today' }) @ApiQuery({ name: 'knownAt', required: false })
  async matrix(@Query() query: Record<string, string>) {
    onlyKnownQuery(query, ['asOf', 'knownAt']);
    const asOf = dateQuery('asOf', query.asOf) ?? toLocalDate(this.clock.now());
    const knownAt = knownAtQuery(query.knownAt);
    return this.history.matrix({ asOf, ...(knownAt ? { knownAt } : {}) });
  }

  /** Every state counted on the day with its status and response group: what a map colours. */
  @Get('states')
  @ApiQuery({ name: 'treaty', required: false }) @ApiQuery({ name: 'asOf', required: false, description: 'YYYY-MM-DD; default today' })
  @ApiQuery({ name: 'knownAt', required: false })
  async states(@Query() query: Record<string, string>) {
    onlyKnownQuery(query, ['treaty', 'asOf', 'knownAt']);
    const asOf = dateQuery('asOf', query.asOf) ?? toLocalDate(this.clock.now());
    const knownAt = knownAtQuery(query.knownAt);
    return this.history.states(query.treaty ?? DEFAULT_TREATY, { asOf, ...(knownAt ? { knownAt } : {}) });
  }

  /** States Parties, signatories and non-signatories at every month end: the picture over time. */
  @Get('series')
  @ApiQuery({ name: 'treaty', required: false }) @ApiQuery({ name: 'from', required: true, description: 'YYYY-MM-DD; its month end is the first point' })
  @ApiQuery({ name: 'to', required: false, description: 'YYYY-MM-DD; default today; the last point' }) @ApiQuery({ name: 'knownAt', required: false })
  async series(@Query() query: Record<string, string>) {
    onlyKnownQuery(query, ['treaty', 'from', 'to', 'knownAt']);
    const from = dateQuery('from', query.from);
    if (!from) throw new InvalidRequest([{ field: 'from', message: 'from is required: the first month of the series (YYYY-MM-DD)' }]);
    const to = dateQuery('to', query.to) ?? toLocalDate(this.clock.now());
    if (to < from) throw new InvalidRequest([{ field: 'to', message: `to (${to}) is before from (${from})` }]);
    if (Number(to.slice(0, 4)) - Number(from.slice(0, 4)) > 100) throw new InvalidRequest([{ field: 'from', message: 'a series spans at most 100 years of month ends' }]);
    return this.history.series(query.treaty ?? DEFAULT_TREATY, from, to, knownAtQuery(query.knownAt));
  }

  @Get('changes')
  @ApiQuery({ name: 'treaty', required: false }) @ApiQuery({ name: 'from', required: true }) @ApiQuery({ name: 'to', required: false })
  @ApiQuery({ name: 'knownAt', required: false })
  async changes(@Query() query: Record<string, string>) {
    onlyKnownQuery(query, ['treaty', 'from', 'to', 'knownAt']);
    const from = dateQuery('from', query.from);
    if (!from) throw new InvalidRequest([{ field: 'from', message: 'from is required: the first day of the window (YYYY-MM-DD)' }]);
    const to = dateQuery('to', query.to) ?? toLocalDate(this.clock.now());
    if (to < from) throw new InvalidRequest([{ field: 'to', message: `to (${to}) is before from (${from})` }]);
    return this.history.changes(query.treaty ?? DEFAULT_TREATY, from, to, knownAtQuery(query.knownAt));
  }
}
