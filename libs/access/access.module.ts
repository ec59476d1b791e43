import { Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import type { Redis } from 'ioredis';
import { CommandRunner } from '../event-store/index.js';
import type { Clock } from '../kernel/index.js';
import type { DemarcheConfig } from '../platform/config/config.js';
import { REDIS } from '../../apps/runtime/distributed.module.js';
import { CLOCK, CONFIG } from '../platform/runtime/tokens.js';
import { ScopeLookup } from './application/scope-lookup.js';
import { TOKEN_STORE, type TokenStore } from './application/token-store.port.js';
import { TokenService } from './application/tokens.js';
import { InMemoryRateLimitStorage, RATE_LIMIT_STORAGE } from './application/rate-limit-storage.port.js';
import { RedisRateLimitStorage } from './infrastructure/redis-rate-limit-storage.js';
import { AuthGuard } from './api/auth.guard.js';
import { RateLimitGuard } from './api/rate-limit.guard.js';
import { TokensController } from './api/tokens.controller.js';

/**
 * Authentication, the access policy and rate limits of the api role. The guards run in this
 * order: who is it (401), may it (403), not too often (429).
 */
@Module({
  controllers: [TokensController],
  providers: [
    {
      provide: TokenService,
      useFactory: (store: TokenStore, clock: Clock, config: DemarcheConfig) => new TokenService(store, clock, { ...(config.access.adminToken ? { adminToken: config.access.adminToken } : {}), cacheMs: config.access.tokenCacheMs }),
      inject: [TOKEN_STORE, CLOCK, CONFIG],
    },
    { provide: ScopeLookup, useFactory: (runner: CommandRunner) => new ScopeLookup(runner), inject: [CommandRunner] },
    {
      provide: RATE_LIMIT_STORAGE,
      useFactory: (config: DemarcheConfig, redis?: Redis) =>
        config.profile === 'distributed' && redis ? new RedisRateLimitStorage(redis, config.distributed.redisPrefix) : new InMemoryRateLimitStorage(),
      inject: [CONFIG, { token: REDIS, optional: true }],
    },
    { provide: APP_GUARD, useClass: AuthGuard },
    { provide: APP_GUARD, useClass: RateLimitGuard },
  ],
  exports: [TokenService],
})
export class AccessModule {}
