import { Logger } from '@nestjs/common';
import { redactUrl } from '../observability/redact-url.js';
import mongoose, { type Connection } from 'mongoose';
import { watchServerMonitors } from './mongo-monitor-watchdog.js';

// The connection every Mongo adapter uses (the log, the read models, tokens, mission keys):
// it opens within its timeout or fails with a message that names the server, never its
// password, and says what to do.

const DEFAULT_CONNECT_TIMEOUT_MS = 5_000;
const driverLogger = new Logger('MongoDB');

/** Opens a mongoose connection that fails within `timeoutMs` instead of buffering forever. */
export async function connectMongo(url: string, dbName: string, timeoutMs = DEFAULT_CONNECT_TIMEOUT_MS): Promise<Connection> {
  const connection = mongoose.createConnection(url, {
    dbName,
    serverSelectionTimeoutMS: timeoutMs,
    connectTimeoutMS: timeoutMs,
    // FerretDB reports no `topologyVersion`, and the streaming monitor never recovered from a
    // connection dropped mid-heartbeat; a polled one finds a restarted server (docs/adr/0005).
    serverMonitoringMode: 'poll',
    // `undefined` fields vanish, as they do in the JSON the other adapters store.
    ignoreUndefined: true,
  });
  try {
    await connection.asPromise();
  } catch (error) {
    await connection.close(true).catch(() => undefined);
    const where = redactUrl(url);
    const reason = error instanceof Error ? error.message : String(error);
    const seconds = Math.round(timeoutMs / 100) / 10;
    const message =
      error instanceof Error && error.name === 'MongooseServerSelectionError'
        ? `MongoDB at ${where} did not answer within ${seconds} s (${reason}): start it (npm run infra:up, or docker compose up -d --wait) or set MONGO_URL to a server that runs.`
        : `Cannot connect to MongoDB at ${where} (${reason}): check MONGO_URL.`;
    throw new Error(message, { cause: error });
  }
  // Also for FerretDB: a poll can hang on a socket the server closed under it (see the watchdog).
  watchServerMonitors(connection.getClient(), { warn: (message) => driverLogger.warn(message) });
  return connection;
}


/** Whether a driver error is a unique index refusing an insert. */
export const isDuplicateKey = (error: unknown): boolean => (error as { code?: unknown } | null)?.code === 11000;
