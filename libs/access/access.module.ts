import { Global, Module, type DynamicModule } from '@nestjs/common';
import type { Connection } from 'mongoose';
import { APP_GUARD } from '@nestjs/core';
import type { Redis } from 'ioredis';
import { CommandRunner } from '../event-store/index.js';
import { type SqliteDatabase } from '../platform/persistence/sqlite-database.js';
import type { Clock } from '../kernel/index.js';
import { MONGO_CONNECTION, REDIS, SQLITE } from '../platform/persistence/handles.js';
import { perProfile, type ContextOptions } from '../platform/runtime/context-module.js';
import { CLOCK } from '../platform/runtime/tokens.js';
import { ScopeLookup } from './application/scope-lookup.js';
import { TOKEN_STORE, type TokenStore } from './application/token-store.port.js';
import { TokenService } from './application/tokens.js';
import { InMemoryRateLimitStorage, RATE_LIMIT_STORAGE } from './application/rate-limit-storage.port.js';
import { RedisRateLimitStorage } from './infrastructure/redis-rate-limit-storage.js';
import { MongoTokenStore } from './infrastructure/mongo-token-store.js';
import { SqliteTokenStore } from './infrastructure/sqlite-token-store.js';
import { AuthGuard } from './api/auth.guard.js';
import { RateLimitGuard } from './api/rate-limit.guard.js';
import { TokensController } from './api/tokens.controller.js';

/**
 * Tokens, roles and scopes: the token store of the profile and the token service everywhere;
 * with the HTTP API, the guards (who is it: 401, may it: 403, not too often: 429, in that
 * order) and the tokens endpoints.
 */
@Global()
@Module({})
export class AccessModule {
  static register({ config, api }: ContextOptions): DynamicModule {
    return {
      module: AccessModule,
      controllers: api ? [TokensController] : [],
      providers: [
        perProfile(TOKEN_STORE, config, {
          embedded: { useFactory: (db: SqliteDatabase) => new SqliteTokenStore(db), inject: [SQLITE] },
          distributed: { useFactory: (connection: Connection) => new MongoTokenStore(connection), inject: [MONGO_CONNECTION] },
        }),
        {
          provide: TokenService,
          useFactory: (store: TokenStore, clock: Clock) => new TokenService(store, clock, { ...(config.access.adminToken ? { adminToken: config.access.adminToken } : {}), cacheMs: config.access.tokenCacheMs }),
          inject: [TOKEN_STORE, CLOCK],
        },
        ...(api
          ? [
              { provide: ScopeLookup, useFactory: (runner: CommandRunner) => new ScopeLookup(runner), inject: [CommandRunner] },
              perProfile(RATE_LIMIT_STORAGE, config, {
                embedded: { useFactory: () => new InMemoryRateLimitStorage() },
                distributed: { useFactory: (redis: Redis) => new RedisRateLimitStorage(redis, config.distributed.redisPrefix), inject: [REDIS] },
              }),
              { provide: APP_GUARD, useClass: AuthGuard },
              { provide: APP_GUARD, useClass: RateLimitGuard },
            ]
          : []),
      ],
      exports: [TOKEN_STORE, TokenService],
    };
  }
}
