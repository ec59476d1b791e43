import { Body, Controller, Delete, Get, HttpCode, Inject, Param, Post, Req } from '@nestjs/common';
import { ApiBearerAuth, ApiCreatedResponse, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import type { Request } from 'express';
import { notFound, type Clock } from '../../kernel/index.js';
import { metadataOf } from '../../platform/http/request-context.js';
import { CLOCK } from '../../platform/runtime/tokens.js';
import { InvalidRequest } from '../../platform/http/problem.js';
import { issueToken } from '../application/issue-token.js';
import { ScopeLookup } from '../application/scope-lookup.js';
import { TokenService, viewOf } from '../application/tokens.js';
import { IssuedToken, IssueTokenDto, TokenView } from './tokens.dto.js';

const TOKEN_ID = /^[a-z]+-[0-9a-f]{12}$/;

/** Bearer tokens: an admin issues them, lists them (never their secrets) and revokes them. */
@ApiTags('security')
@ApiBearerAuth()
@Controller('v1/tokens')
export class TokensController {
  constructor(
    private readonly tokens: TokenService,
    private readonly scopes: ScopeLookup,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  @Post()
  @HttpCode(201)
  @ApiCreatedResponse({ type: IssuedToken })
  async issue(@Body() body: IssueTokenDto, @Req() req: Request): Promise<IssuedToken> {
    const { token, record } = await issueToken(this.tokens, this.scopes, this.clock.now(), body, metadataOf(req).actor);
    return { token, ...viewOf(record) } as IssuedToken;
  }

  @Get()
  @ApiOkResponse({ type: [TokenView] })
  async list() {
    const items = await this.tokens.list();
    return { items, count: items.length };
  }

  @Delete(':id')
  @ApiOkResponse({ type: TokenView })
  async remove(@Param('id') id: string, @Req() req: Request): Promise<TokenView> {
    return this.revokeById(id, req);
  }

  @Post(':id/revoke')
  @HttpCode(200)
  @ApiOkResponse({ type: TokenView })
  async revoke(@Param('id') id: string, @Req() req: Request): Promise<TokenView> {
    return this.revokeById(id, req);
  }

  private async revokeById(id: string, req: Request): Promise<TokenView> {
    if (!TOKEN_ID.test(id)) throw new InvalidRequest([{ field: 'id', message: 'id is not a token id (such as mission-3f9a2c1b07de); see GET /v1/tokens' }]);
    const record = await this.tokens.revoke(id, metadataOf(req).actor);
    if (!record) throw notFound('unknown-token', `There is no token "${id}"; GET /v1/tokens lists them.`, 'id');
    return viewOf(record) as TokenView;
  }
}
