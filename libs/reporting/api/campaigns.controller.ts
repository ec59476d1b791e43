import { Controller, Get, Param, Query } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { InvalidRequest } from '../../platform/http/problem.js';
import { ID_MESSAGE, ID_PATTERN, onlyKnownQuery } from '../../platform/http/validators.js';
import { CampaignQuery } from '../application/campaign-query.js';

@ApiTags('campaigns')
@Controller('v1/campaigns')
export class CampaignsController {
  constructor(private readonly campaigns: CampaignQuery) {}

  @Get(':id')
  async summary(@Param('id') id: string, @Query() query: Record<string, string>) {
    onlyKnownQuery(query, []);
    if (!ID_PATTERN.test(id)) throw new InvalidRequest([{ field: 'id', message: `id ${ID_MESSAGE}` }]);
    return this.campaigns.summary(id);
  }
}
