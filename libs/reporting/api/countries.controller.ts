import { Controller, Get, Param, Query } from '@nestjs/common';
import { ApiQuery, ApiTags } from '@nestjs/swagger';
import { RESPONSE_GROUPS } from '../../outreach/index.js';
import { TREATY_STATUSES } from '../../treaty-status/index.js';
import { Iso3Pipe, oneOf, onlyKnownQuery } from '../../platform/http/validators.js';
import { CountryQuery } from '../application/country-query.js';

@ApiTags('countries')
@Controller('v1/countries')
export class CountriesController {
  constructor(private readonly countries: CountryQuery) {}

  @Get()
  @ApiQuery({ name: 'treaty', required: false }) @ApiQuery({ name: 'treatyStatus', required: false, enum: TREATY_STATUSES })
  @ApiQuery({ name: 'group', required: false, enum: RESPONSE_GROUPS }) @ApiQuery({ name: 'region', required: false }) @ApiQuery({ name: 'subregion', required: false })
  async list(@Query() query: Record<string, string>) {
    onlyKnownQuery(query, ['treaty', 'treatyStatus', 'group', 'region', 'subregion']);
    const items = await this.countries.list({
      treaty: query.treaty ?? 'CCM',
      ...(query.treatyStatus ? { treatyStatus: oneOf('treatyStatus', query.treatyStatus, TREATY_STATUSES)! } : {}),
      ...(query.group ? { group: oneOf('group', query.group, RESPONSE_GROUPS)! } : {}),
      ...(query.region ? { region: query.region } : {}),
      ...(query.subregion ? { subregion: query.subregion } : {}),
    });
    return { items, count: items.length };
  }

  @Get(':iso3')
  @ApiQuery({ name: 'treaty', required: false })
  async one(@Param('iso3', Iso3Pipe) iso3: string, @Query() query: Record<string, string>) {
    onlyKnownQuery(query, ['treaty']);
    return this.countries.one(iso3, query.treaty ?? 'CCM');
  }
}
