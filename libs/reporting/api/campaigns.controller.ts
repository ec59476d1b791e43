import { Controller, Get, Inject, Param, Query } from '@nestjs/common';
import { ApiQuery, ApiTags } from '@nestjs/swagger';
import { InvalidRequest } from '../../platform/http/problem.js';
import { dateQuery, ID_MESSAGE, ID_PATTERN, onlyKnownQuery } from '../../platform/http/validators.js';
import { TREATIES, type TreatyCatalog } from '../../treaty-status/index.js';
import { CampaignQuery } from '../application/campaign-query.js';

const checkId = (id: string) => {
  if (!ID_PATTERN.test(id)) throw new InvalidRequest([{ field: 'id', message: `id ${ID_MESSAGE}` }]);
  return id;
};

@ApiTags('campaigns')
@Controller('v1/campaigns')
export class CampaignsController {
  constructor(
    private readonly campaigns: CampaignQuery,
    @Inject(TREATIES) private readonly treaties: TreatyCatalog,
  ) {}

  /** The campaigns launched, latest start first: each one's treaty, title, coordinators and how many countries it approached. */
  @Get()
  @ApiQuery({ name: 'treaty', required: false, description: 'only that treaty\'s campaigns' })
  async list(@Query() query: Record<string, string>) {
    onlyKnownQuery(query, ['treaty']);
    if (query.treaty !== undefined) this.treaties.require(query.treaty);
    const items = await this.campaigns.list(query.treaty);
    return { items, count: items.length };
  }

  /** The campaign's counts on a day: letters and who carried them, responses by group, obstacles, initiatives, follow-ups. */
  @Get(':id')
  @ApiQuery({ name: 'asOf', required: false, description: 'YYYY-MM-DD; default today' })
  async summary(@Param('id') id: string, @Query() query: Record<string, string>) {
    onlyKnownQuery(query, ['asOf']);
    return this.campaigns.summary(checkId(id), dateQuery('asOf', query.asOf));
  }

  /** Every country the campaign covers, as the campaign page shows it, with the counts and the weekly activity. */
  @Get(':id/countries')
  @ApiQuery({ name: 'asOf', required: false, description: 'YYYY-MM-DD; default today' })
  async countries(@Param('id') id: string, @Query() query: Record<string, string>) {
    onlyKnownQuery(query, ['asOf']);
    return this.campaigns.picture(checkId(id), dateQuery('asOf', query.asOf));
  }
}
