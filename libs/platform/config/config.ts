import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { existsSync } from 'node:fs';

export type Profile = 'embedded' | 'distributed';

/** Settings, all from the environment (see README). */
export interface DemarcheConfig {
  readonly profile: Profile;
  readonly port: number;
  readonly dataDir: string;
  /** Where the shipped reference files live (treaties, playbooks, the states CSVs). */
  readonly referenceDir: string;
  /** Pretend the clock reads this instant at start-up (testing and demonstrations). */
  readonly now?: string;
  /** Load the shipped states list into an empty store at start-up. */
  readonly seedStates: boolean;
  /** DEMARCHE_METRICS_PORT: where a projector or worker process serves /health and /metrics (it has no API port). */
  readonly metricsPort?: number;
  /** DEMARCHE_METRICS_TOKEN: when set, /metrics wants `Authorization: Bearer <it>`; otherwise it is open, like /health. */
  readonly metricsToken?: string;
  /** DEMARCHE_MASTER_KEY: 32 bytes (base64 or hex) that wrap the mission keys at rest. */
  readonly masterKey?: string;
  /** Tokens and rate limits (see README, Security). */
  readonly access: {
    /** DEMARCHE_ADMIN_TOKEN: a secret that always authenticates as admin (actor `token:admin-env`). */
    readonly adminToken?: string;
    /** Requests a token may make per window; 0 turns the limit off. */
    readonly rateLimit: number;
    readonly rateWindowMs: number;
    /** How long a process trusts a token record it looked up (so a revocation elsewhere takes at most this long). */
    readonly tokenCacheMs: number;
  };
  /** Mail to people (see README, Notifications). */
  readonly notifications: {
    /** SMTP_URL: the mail server (`smtp://user:pass@host:port`; `smtps://` for TLS). */
    readonly smtpUrl: string;
    /** DEMARCHE_MAIL_FROM: the sender of every mail. */
    readonly mailFrom: string;
    /** DEMARCHE_PUBLIC_URL: where people reach the console, for the links in mails. */
    readonly publicUrl: string;
    /** DEMARCHE_MAIL_RETRY_MAX_S, in ms: the longest wait between two tries of a mail. */
    readonly retryMaxMs: number;
    /** DEMARCHE_MAIL_OUTBOX_RETENTION_DAYS, in ms: how long a sent or skipped mail keeps its payload in the outbox (its key stays). */
    readonly outboxRetentionMs: number;
  };
  /** Signed webhooks (see README, Notifications). */
  readonly webhooks: {
    /** DEMARCHE_WEBHOOKS_ALLOW_PRIVATE=true: receivers on loopback and private addresses are allowed. */
    readonly allowPrivate: boolean;
    /** DEMARCHE_WEBHOOKS_MAX_ATTEMPTS: tries before a delivery is parked. */
    readonly maxAttempts: number;
    /** DEMARCHE_WEBHOOKS_RETRY_BASE_S, in ms: the wait after the first failed try, doubling after each. */
    readonly retryBaseMs: number;
  };
  /** The servers of the distributed profile (defaults: the ports of `npm run infra:up`). */
  readonly distributed: {
    readonly mongoUrl: string;
    readonly mongoDb: string;
    readonly kafkaBrokers: readonly string[];
    /** The topic is a public contract (`demarche.events`); override it only to isolate tests. */
    readonly kafkaTopic: string;
    readonly redisUrl: string;
    /** Prefix of every Redis key and BullMQ queue, so deployments can share a Redis. */
    readonly redisPrefix: string;
    /** The projectors' consumer group. */
    readonly kafkaGroup: string;
  };
}

export class ConfigError extends Error {
  override name = 'ConfigError';
}

/** The project root: where package.json is, whether we run from sources or from dist/. */
export function projectRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json'))) {
    const parent = dirname(dir);
    if (parent === dir) throw new ConfigError('Cannot find the Demarche project root (no package.json above the running code).');
    dir = parent;
  }
  return dir;
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): DemarcheConfig {
  const port = Number(env.PORT ?? 3000);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new ConfigError(`PORT must be a port number (0-65535), not "${env.PORT}".`);
  const distributed = env.DEMARCHE_PROFILE === 'distributed' || Boolean(env.MONGO_URL || env.KAFKA_BROKERS || env.REDIS_URL);
  if (env.DEMARCHE_PROFILE && !['embedded', 'distributed'].includes(env.DEMARCHE_PROFILE)) {
    throw new ConfigError(`DEMARCHE_PROFILE must be "embedded" or "distributed", not "${env.DEMARCHE_PROFILE}".`);
  }
  if (env.DEMARCHE_NOW && Number.isNaN(Date.parse(env.DEMARCHE_NOW))) {
    throw new ConfigError(`DEMARCHE_NOW must be an ISO date or instant (2026-01-31T09:00:00Z), not "${env.DEMARCHE_NOW}".`);
  }
  const whole = (name: string, fallback: number, min: number, max?: number) => {
    const value = Number(env[name] ?? fallback);
    if (!Number.isInteger(value) || value < min || (max !== undefined && value > max)) {
      throw new ConfigError(`${name} must be a whole number ${max === undefined ? `of at least ${min}` : `from ${min} to ${max}`}, not "${env[name]}".`);
    }
    return value;
  };
  if (env.DEMARCHE_ADMIN_TOKEN && env.DEMARCHE_ADMIN_TOKEN.length < 16) {
    throw new ConfigError('DEMARCHE_ADMIN_TOKEN must be at least 16 characters long; generate one with: openssl rand -base64 32');
  }
  const masterKey = env.DEMARCHE_MASTER_KEY?.trim();
  if (masterKey && !/^([0-9a-fA-F]{64}|[A-Za-z0-9+/]{43}=)$/.test(masterKey)) {
    throw new ConfigError('DEMARCHE_MASTER_KEY must be 32 random bytes, as 64 hex digits or 44 base64 characters (openssl rand -base64 32).');
  }
  const metricsPort = env.DEMARCHE_METRICS_PORT ? Number(env.DEMARCHE_METRICS_PORT) : undefined;
  if (metricsPort !== undefined && (!Number.isInteger(metricsPort) || metricsPort < 0 || metricsPort > 65535)) {
    throw new ConfigError(`DEMARCHE_METRICS_PORT must be a port number (0-65535), not "${env.DEMARCHE_METRICS_PORT}".`);
  }
  const root = projectRoot();
  return {
    profile: distributed ? 'distributed' : 'embedded',
    port,
    dataDir: resolve(env.DEMARCHE_DATA_DIR ?? './data'),
    referenceDir: resolve(env.DEMARCHE_REFERENCE_DIR ?? join(root, 'reference')),
    ...(env.DEMARCHE_NOW ? { now: env.DEMARCHE_NOW } : {}),
    seedStates: env.DEMARCHE_SEED_STATES !== 'false',
    ...(metricsPort !== undefined ? { metricsPort } : {}),
    ...(env.DEMARCHE_METRICS_TOKEN ? { metricsToken: env.DEMARCHE_METRICS_TOKEN } : {}),
    ...(masterKey ? { masterKey } : {}),
    access: {
      ...(env.DEMARCHE_ADMIN_TOKEN ? { adminToken: env.DEMARCHE_ADMIN_TOKEN } : {}),
      rateLimit: whole('DEMARCHE_RATE_LIMIT', 6000, 0),
      rateWindowMs: whole('DEMARCHE_RATE_WINDOW_S', 60, 1) * 1000,
      tokenCacheMs: whole('DEMARCHE_TOKEN_CACHE_MS', 5000, 0),
    },
    notifications: {
      smtpUrl: smtpUrl(env.SMTP_URL),
      mailFrom: env.DEMARCHE_MAIL_FROM ?? 'Demarche <demarche@localhost>',
      publicUrl: env.DEMARCHE_PUBLIC_URL ?? `http://127.0.0.1:${port}`,
      retryMaxMs: whole('DEMARCHE_MAIL_RETRY_MAX_S', 300, 1) * 1000,
      outboxRetentionMs: whole('DEMARCHE_MAIL_OUTBOX_RETENTION_DAYS', 30, 1, 36_500) * 86_400_000,
    },
    webhooks: {
      allowPrivate: env.DEMARCHE_WEBHOOKS_ALLOW_PRIVATE === 'true',
      maxAttempts: whole('DEMARCHE_WEBHOOKS_MAX_ATTEMPTS', 8, 1),
      retryBaseMs: whole('DEMARCHE_WEBHOOKS_RETRY_BASE_S', 10, 1) * 1000,
    },
    distributed: {
      mongoUrl: env.MONGO_URL ?? 'mongodb://127.0.0.1:27017',
      mongoDb: env.DEMARCHE_MONGO_DB ?? 'demarche',
      kafkaBrokers: (env.KAFKA_BROKERS ?? '127.0.0.1:9092').split(',').map((b) => b.trim()).filter(Boolean),
      kafkaTopic: env.DEMARCHE_KAFKA_TOPIC ?? 'demarche.events',
      redisUrl: env.REDIS_URL ?? 'redis://127.0.0.1:6379',
      redisPrefix: env.DEMARCHE_REDIS_PREFIX ?? 'demarche',
      kafkaGroup: env.DEMARCHE_KAFKA_GROUP ?? 'demarche-projector',
    },
  };
}

function smtpUrl(value: string | undefined): string {
  const url = value ?? 'smtp://127.0.0.1:1025';
  if (!/^smtps?:\/\/[^\s/]+(:\d+)?\/?(\?.*)?$/.test(url)) throw new ConfigError(`SMTP_URL must read smtp://host:port or smtps://user:password@host:port, not "${url.replace(/:[^:@/]*@/, ':***@')}".`);
  return url;
}
