import { HttpException, Inject, Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import type { Request, Response } from 'express';
import type { DemarcheConfig } from '../../platform/config/config.js';
import { CONFIG } from '../../platform/runtime/tokens.js';
import { RATE_LIMIT_STORAGE, type RateLimitStorage } from '../application/rate-limit-storage.port.js';
import { principalOf, routeOf } from './auth.guard.js';

/**
 * Per-token rate limits on /v1: DEMARCHE_RATE_LIMIT requests per DEMARCHE_RATE_WINDOW_S,
 * counted across every endpoint and (on the distributed profile, in Redis) every api
 * process. It runs after the authentication guard, so it knows the token; past the limit it
 * answers 429 with Retry-After until the window ends.
 */
@Injectable()
export class RateLimitGuard implements CanActivate {
  constructor(
    @Inject(CONFIG) private readonly config: DemarcheConfig,
    @Inject(RATE_LIMIT_STORAGE) private readonly storage: RateLimitStorage,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const { rateLimit: limit, rateWindowMs: ttl } = this.config.access;
    if (limit === 0 || context.getType() !== 'http' || !routeOf(context).split(' ')[1]!.startsWith('/v1/')) return true;
    const request = context.switchToHttp().getRequest<Request>();
    const response = context.switchToHttp().getResponse<Response>();
    const principal = principalOf(request);
    const tracker = principal ? `token:${principal.tokenId}` : `ip:${request.ip}`;
    const hit = await this.storage.increment(tracker, ttl, limit, ttl, 'default');
    if (hit.isBlocked) {
      response.setHeader('Retry-After', String(hit.timeToBlockExpire));
      throw new HttpException(
        {
          code: 'rate-limited',
          title: 'Too many requests',
          message: `${principal ? `Token ${principal.tokenId}` : 'This client'} made more than ${limit} requests in ${ttl / 1000} s. Wait ${hit.timeToBlockExpire} s (Retry-After) and try again; an admin can raise DEMARCHE_RATE_LIMIT.`,
        },
        429,
      );
    }
    response.setHeader('X-RateLimit-Limit', String(limit));
    response.setHeader('X-RateLimit-Remaining', String(Math.max(0, limit - hit.totalHits)));
    response.setHeader('X-RateLimit-Reset', String(hit.timeToExpire));
    return true;
  }
}
