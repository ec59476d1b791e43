import { Controller, Get, Inject, Param, Query } from '@nestjs/common';
import { ApiQuery, ApiTags } from '@nestjs/swagger';
import { toLocalDate, type Clock } from '../../kernel/index.js';
import { dateQuery, Iso3Pipe, knownAtQuery, onlyKnownQuery } from '../../platform/http/validators.js';
import { CLOCK } from '../../platform/runtime/tokens.js';
import { HistoryQuery } from '../application/history-query.js';

/** A country across treaties: what the UNODA database and the Monitor show side by side. */
@ApiTags('analysis')
@Controller('v1/countries')
export class CountryTreatiesController {
  constructor(
    private readonly history: HistoryQuery,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  @Get(':iso3/treaties')
  @ApiQuery({ name: 'asOf', required: false, description: 'YYYY-MM-DD; default today' }) @ApiQuery({ name: 'knownAt', required: false })
  async treaties(@Param('iso3', Iso3Pipe) iso3: string, @Query() query: Record<string, string>) {
    onlyKnownQuery(query, ['asOf', 'knownAt']);
    const asOf = dateQuery('asOf', query.asOf) ?? toLocalDate(this.clock.now());
    const knownAt = knownAtQuery(query.knownAt);
    return this.history.acrossTreaties(iso3, { asOf, ...(knownAt ? { knownAt } : {}) });
  }
}
