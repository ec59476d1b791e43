import { Controller, Get, Inject, Param, Query } from '@nestjs/common';
import { ApiQuery, ApiTags } from '@nestjs/swagger';
import { RESPONSE_GROUPS } from '../../outreach/index.js';
import { DEFAULT_TREATY, TREATY_STATUSES } from '../../treaty-status/index.js';
import { dateQuery, Iso3Pipe, knownAtQuery, oneOf, onlyKnownQuery } from '../../platform/http/validators.js';
import { InvalidRequest } from '../../platform/http/problem.js';
import { CountryQuery } from '../application/country-query.js';
import { PAST_DOSSIERS, type PastDossiers } from '../application/past-dossiers.port.js';

@ApiTags('countries')
@Controller('v1/countries')
export class CountriesController {
  constructor(
    private readonly countries: CountryQuery,
    @Inject(PAST_DOSSIERS) private readonly history: PastDossiers,
  ) {}

  @Get()
  @ApiQuery({ name: 'treaty', required: false }) @ApiQuery({ name: 'treatyStatus', required: false, enum: TREATY_STATUSES })
  @ApiQuery({ name: 'group', required: false, enum: RESPONSE_GROUPS }) @ApiQuery({ name: 'region', required: false }) @ApiQuery({ name: 'subregion', required: false })
  async list(@Query() query: Record<string, string>) {
    onlyKnownQuery(query, ['treaty', 'treatyStatus', 'group', 'region', 'subregion']);
    const items = await this.countries.list({
      treaty: query.treaty ?? DEFAULT_TREATY,
      ...(query.treatyStatus ? { treatyStatus: oneOf('treatyStatus', query.treatyStatus, TREATY_STATUSES)! } : {}),
      ...(query.group ? { group: oneOf('group', query.group, RESPONSE_GROUPS)! } : {}),
      ...(query.region ? { region: query.region } : {}),
      ...(query.subregion ? { subregion: query.subregion } : {}),
    });
    return { items, count: items.length };
  }

  @Get(':iso3')
  @ApiQuery({ name: 'treaty', required: false })
  @ApiQuery({ name: 'asOf', required: false, description: 'the dossier on that day, every field with its provenance' })
  @ApiQuery({ name: 'knownAt', required: false, description: 'with asOf: as Demarche knew it by then' })
  async one(@Param('iso3', Iso3Pipe) iso3: string, @Query() query: Record<string, string>) {
    onlyKnownQuery(query, ['treaty', 'asOf', 'knownAt']);
    const treaty = query.treaty ?? DEFAULT_TREATY;
    const asOf = dateQuery('asOf', query.asOf);
    const knownAt = knownAtQuery(query.knownAt);
    if (knownAt && !asOf) throw new InvalidRequest([{ field: 'knownAt', message: 'knownAt goes with asOf: say which day of the world you ask about' }]);
    return asOf ? this.history.dossier(iso3, treaty, { asOf, ...(knownAt ? { knownAt } : {}) }) : this.countries.one(iso3, treaty);
  }
}
