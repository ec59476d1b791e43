import { HttpException, Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { METHOD_METADATA, PATH_METADATA } from '@nestjs/common/constants.js';
import { RequestMethod } from '@nestjs/common';
import type { Request, Response } from 'express';
import { setActor } from '../../platform/http/request-context.js';
import { actorOf, coordinatesCampaign, coordinatorMayWork, mayRecordForCampaign, missionMayRecord, roleMay, type AccessDecision, type Principal } from '../domain/access.js';
import { ScopeLookup } from '../application/scope-lookup.js';
import { TokenService } from '../application/tokens.js';
import { bulkOutreachTargets, ruleFor } from './access-policy.js';

const principals = new WeakMap<Request, Principal>();

/** The principal the guard authenticated for this request. */
export function principalOf(request: Request): Principal | undefined {
  return principals.get(request);
}

/** `METHOD /path` of the endpoint a handler serves, as its controller declares it. */
export function routeOf(context: ExecutionContext): string {
  const parts = [Reflect.getMetadata(PATH_METADATA, context.getClass()), Reflect.getMetadata(PATH_METADATA, context.getHandler())] as (string | string[] | undefined)[];
  const path = parts.map((p) => (Array.isArray(p) ? p[0] : p) ?? '').map((p) => p.replace(/^\/+|\/+$/g, '')).filter(Boolean).join('/');
  const method = RequestMethod[Reflect.getMetadata(METHOD_METADATA, context.getHandler()) as RequestMethod] ?? 'GET';
  return `${method} /${path}`;
}

/** An RFC 9457 answer for a refused request, with its own problem code. */
export class AccessProblem extends HttpException {
  constructor(status: 401 | 403, code: string, detail: string) {
    super({ code, title: status === 401 ? 'Not authenticated' : 'Not allowed', message: detail }, status);
  }
}

/**
 * Every endpoint under /v1 needs `Authorization: Bearer <token>`; the rest (/health, /docs,
 * the console's static files) is public. The token says who acts (stamped on the events it
 * causes) and what it may do (libs/access/api/access-policy.ts).
 */
@Injectable()
export class AuthGuard implements CanActivate {
  constructor(
    private readonly tokens: TokenService,
    private readonly scopes: ScopeLookup,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    if (context.getType() !== 'http') return true;
    const route = routeOf(context);
    if (!route.split(' ')[1]!.startsWith('/v1/')) return true;
    // The endpoint checks a secret of its own instead; a bearer token, if sent, is not looked at.
    if (ruleFor(route).kind === 'feed-secret') return true;
    const request = context.switchToHttp().getRequest<Request>();
    const response = context.switchToHttp().getResponse<Response>();
    const principal = await this.authenticate(request, response);
    principals.set(request, principal);
    setActor(request, actorOf(principal));
    const decision = await this.authorize(principal, route, request);
    if (!decision.allowed) throw new AccessProblem(403, 'forbidden', `Refused: ${decision.reason}. Ask an admin for a token that may do this.`);
    return true;
  }

  private async authenticate(request: Request, response: Response): Promise<Principal> {
    const header = request.header('authorization');
    const challenge = (error: string, description: string) => {
      response.setHeader('WWW-Authenticate', `Bearer realm="demarche"${error ? `, error="${error}", error_description="${description}"` : ''}`);
    };
    if (!header) {
      challenge('', '');
      throw new AccessProblem(401, 'missing-token', 'This endpoint needs a bearer token: send "Authorization: Bearer <token>". An admin issues tokens with POST /v1/tokens.');
    }
    const match = /^Bearer\s+(\S{1,512})\s*$/i.exec(header);
    if (!match) {
      challenge('invalid_request', 'malformed Authorization header');
      throw new AccessProblem(401, 'malformed-token', 'The Authorization header must read "Bearer <token>".');
    }
    const result = await this.tokens.authenticate(match[1]!);
    if (!result.ok) {
      challenge('invalid_token', `token ${result.reason}`);
      const advice = result.reason === 'unknown' ? ' Check that you copied the whole token.' : ' Ask an admin for a new token.';
      throw new AccessProblem(401, `token-${result.reason}`, result.detail + advice);
    }
    return result.principal;
  }

  private async authorize(principal: Principal, route: string, request: Request): Promise<AccessDecision> {
    const rule = ruleFor(route);
    const byRole = roleMay(principal, rule);
    if (!byRole.allowed || principal.role === 'admin') return byRole;
    if (rule.kind === 'mission-outreach') {
      const iso3 = String(request.params.iso3 ?? '');
      const accreditedTo = principal.missionId ? await this.scopes.accreditation(principal.missionId) : undefined;
      const body = (typeof request.body === 'object' && request.body !== null ? request.body : {}) as { missionId?: unknown };
      return missionMayRecord(principal, { missionId: body.missionId, iso3 }, accreditedTo);
    }
    if (rule.kind === 'campaign-coordination') return coordinatesCampaign(principal, String(request.params.id ?? ''));
    if (rule.kind === 'campaign-outreach') {
      const accreditedTo = principal.missionId ? await this.scopes.accreditation(principal.missionId) : undefined;
      return mayRecordForCampaign(principal, String(request.params.id ?? ''), bulkOutreachTargets(request.body), accreditedTo);
    }
    if (rule.kind === 'follow-up-work') {
      const id = String(request.params.id ?? '');
      const campaignId = /^[A-Za-z0-9][A-Za-z0-9.~-]{0,200}$/.test(id) ? await this.scopes.followUpCampaign(id) : undefined;
      return coordinatorMayWork(principal, { id, ...(campaignId ? { campaignId } : {}) });
    }
    return byRole;
  }
}
