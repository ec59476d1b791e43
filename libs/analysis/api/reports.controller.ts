import { Controller, Get, Inject, Query, Req, Res } from '@nestjs/common';
import { ApiQuery, ApiTags } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { notFound, toLocalDate, type Clock } from '../../kernel/index.js';
import { InvalidRequest } from '../../platform/http/problem.js';
import { dateQuery, ID_MESSAGE, ID_PATTERN, oneOf, onlyKnownQuery } from '../../platform/http/validators.js';
import { CLOCK } from '../../platform/runtime/tokens.js';
import { DEFAULT_TREATY } from '../../treaty-status/index.js';
import { ReportQuery } from '../application/report-query.js';
import { renderReportMarkdown } from '../domain/universalization-report.js';

@ApiTags('analysis')
@Controller('v1/reports')
export class ReportsController {
  constructor(
    private readonly reports: ReportQuery,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  /** JSON by default; Markdown with `format=markdown` or `Accept: text/markdown`. */
  @Get('universalization')
  @ApiQuery({ name: 'treaty', required: false }) @ApiQuery({ name: 'asOf', required: false }) @ApiQuery({ name: 'since', required: false, description: 'the last meeting of States Parties' })
  @ApiQuery({ name: 'format', required: false, enum: ['json', 'markdown'] }) @ApiQuery({ name: 'campaignId', required: false, description: 'one campaign: its section only, and its responses and follow-ups' })
  async universalization(@Query() query: Record<string, string>, @Req() req: Request, @Res() res: Response): Promise<void> {
    onlyKnownQuery(query, ['treaty', 'asOf', 'since', 'format', 'campaignId']);
    if (query.campaignId !== undefined && !ID_PATTERN.test(query.campaignId)) throw new InvalidRequest([{ field: 'campaignId', message: `campaignId ${ID_MESSAGE}` }]);
    const asOf = dateQuery('asOf', query.asOf) ?? toLocalDate(this.clock.now());
    const since = dateQuery('since', query.since);
    if (since && since >= asOf) throw new InvalidRequest([{ field: 'since', message: `since (${since}) must be before asOf (${asOf})` }]);
    const format = oneOf('format', query.format, ['json', 'markdown'] as const) ?? (req.accepts(['application/json', 'text/markdown']) === 'text/markdown' ? 'markdown' : 'json');
    const report = await this.reports.universalization(query.treaty ?? DEFAULT_TREATY, asOf, since, query.campaignId);
    if (query.campaignId && !report.campaigns.length) throw notFound('unknown-campaign', `There is no campaign "${query.campaignId}" of ${report.treaty} started by ${asOf}.`, 'campaignId');
    if (format === 'markdown') res.type('text/markdown; charset=utf-8').send(renderReportMarkdown(report));
    else res.json(report);
  }
}
