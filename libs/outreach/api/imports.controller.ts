import { Body, Controller, HttpCode, Param, Post, Req } from '@nestjs/common';
import { ApiBody, ApiOkResponse, ApiProperty, ApiPropertyOptional, ApiTags } from '@nestjs/swagger';
import { IsBoolean, IsString, MaxLength, MinLength } from 'class-validator';
import type { Request } from 'express';
import { principalOf } from '../../access/index.js';
import { ImportError } from '../../kernel/index.js';
import { metadataOf } from '../../platform/http/request-context.js';
import { InvalidRequest, RefusedFields, validatedBody } from '../../platform/http/problem.js';
import { ID_MESSAGE, ID_PATTERN, Omittable } from '../../platform/http/validators.js';
import { CsvRefused } from './outreach-csv.js';
import { OutreachImport, type ImportResult } from './outreach-import.js';

/** The largest spreadsheet the console uploads; the command line takes any size. */
export const MAX_CSV = 4_000_000;

export class CsvImportDto {
  @ApiProperty({ description: 'the spreadsheet as CSV text, with its header row (see README, Imports)' })
  @IsString() @MinLength(1) @MaxLength(MAX_CSV) csv!: string;
  @ApiPropertyOptional({ description: 'true: check every row and say what it would record, writing nothing' }) @Omittable() @IsBoolean() dryRun?: boolean;
  @ApiPropertyOptional({ description: 'the file\'s name, for messages' }) @Omittable() @IsString() @MaxLength(200) name?: string;
}

class ImportedRowView {
  @ApiProperty() line!: number;
  @ApiProperty({ enum: ['mission', 'letter', 'meeting', 'response'] }) kind!: string;
  @ApiPropertyOptional() country?: string;
  @ApiProperty() missionId!: string;
  @ApiPropertyOptional() date?: string;
  @ApiProperty() what!: string;
  @ApiProperty({ enum: ['new', 'recorded already'] }) outcome!: string;
}

class ImportResultView {
  @ApiProperty() file!: string;
  @ApiProperty() dryRun!: boolean;
  @ApiProperty({ type: [ImportedRowView] }) rows!: ImportedRowView[];
  @ApiProperty() added!: number;
  @ApiProperty() alreadyRecorded!: number;
  @ApiProperty() position!: number;
}

const STATUS = { 'not-found': 404, conflict: 409, 'rule-violated': 422 } as const;

/** A spreadsheet refused: every bad row named by its line and column; 400 if malformed, else the rules' status. */
function refused(error: CsvRefused): RefusedFields | InvalidRequest {
  const errors = error.problems.slice(0, 100).map((p) => ({ field: `line ${p.line}${p.column ? `: ${p.column}` : ''}`, message: p.message, line: p.line, column: p.column }));
  const kinds = new Set(error.problems.map((p) => p.kind));
  if (kinds.has(undefined)) return new InvalidRequest(errors);
  const status = kinds.size === 1 ? STATUS[error.problems[0]!.kind!] : 422;
  return new RefusedFields(status, 'import-refused', error.message, errors);
}

/** Uploads from the console: a preview of what a spreadsheet records, then the import itself. */
@ApiTags('outreach')
@Controller('v1')
export class ImportsController {
  constructor(private readonly imports: OutreachImport) {}

  @Post('imports/missions')
  @HttpCode(200)
  @ApiBody({ type: CsvImportDto })
  @ApiOkResponse({ type: ImportResultView })
  async missions(@Body() body: Record<string, unknown>, @Req() req: Request): Promise<ImportResult> {
    const dto = await validatedBody(CsvImportDto, body);
    return this.run(() => this.imports.missions(dto.name ?? 'missions.csv', dto.csv, metadataOf(req), { dryRun: Boolean(dto.dryRun) }));
  }

  /** Letters, meetings and responses of the campaign; rows may leave the campaign column empty. */
  @Post('campaigns/:id/imports')
  @HttpCode(200)
  @ApiBody({ type: CsvImportDto })
  @ApiOkResponse({ type: ImportResultView })
  async outreach(@Param('id') id: string, @Body() body: Record<string, unknown>, @Req() req: Request): Promise<ImportResult> {
    if (!ID_PATTERN.test(id)) throw new InvalidRequest([{ field: 'id', message: `id ${ID_MESSAGE}` }]);
    const dto = await validatedBody(CsvImportDto, body);
    const missionId = principalOf(req)?.missionId;
    return this.run(() => this.imports.outreachFile(dto.name ?? 'outreach.csv', dto.csv, metadataOf(req), { dryRun: Boolean(dto.dryRun), campaignId: id, ...(missionId ? { defaultMissionId: missionId } : {}) }));
  }

  private async run(work: () => Promise<ImportResult>): Promise<ImportResult> {
    try {
      return await work();
    } catch (error) {
      if (error instanceof CsvRefused) throw refused(error);
      if (error instanceof ImportError) throw new InvalidRequest([{ field: '/csv', message: error.message }]);
      throw error;
    }
  }
}
