import type { Problem } from './problem.js';

/** Seconds a client should wait before retrying when a server is down (the `Retry-After` header). */
export const RETRY_AFTER_SECONDS = 5;

/** One server of the profile that did not answer a readiness check. */
export interface ServerDown {
  readonly server: string;
  readonly message: string;
}

/** Thrown by the readiness check: names each server that did not answer and what to do. */
export class ServersUnavailable extends Error {
  constructor(readonly servers: readonly ServerDown[]) {
    super(servers.map((s) => s.message).join(' '));
    this.name = 'ServersUnavailable';
  }
}

/** Error names of the MongoDB driver (and mongoose, and our own adapters) that mean "the server did not answer". */
const UNREACHABLE_NAMES: Record<string, string> = {
  MongoNetworkError: 'MongoDB',
  MongoNetworkTimeoutError: 'MongoDB',
  MongoServerSelectionError: 'MongoDB',
  MongooseServerSelectionError: 'MongoDB',
  MongoNotConnectedError: 'MongoDB',
  MongoTopologyClosedError: 'MongoDB',
  MongoClientClosedError: 'MongoDB',
  MongoPoolClearedError: 'MongoDB',
  PoolClosedError: 'MongoDB',
  MaxRetriesPerRequestError: 'Redis',
  ServerUnavailable: 'a server',
  ReadModelUnavailable: 'the read model store',
};

/**
 * The driver's words for a connection that went away under a request. A bulk write (an
 * `insertMany`) that fails that way is reported as a `MongoBulkWriteError` without any
 * write error and without the network error as its cause, only its message.
 */
const MONGO_CONNECTION_LOST = /^connection \d+ to \S+ (closed|timed out)$|ECONNREFUSED|ECONNRESET|EPIPE/;

/** SQLite result codes that say the file cannot be used now (a full disk, an I/O error, a lock held too long). */
const SQLITE_UNUSABLE = /^SQLITE_(BUSY|LOCKED|IOERR|CANTOPEN|FULL|READONLY|PROTOCOL|NOTADB)/;

function which(candidate: unknown): string | undefined {
  // Duck-typed: errors from native code (better-sqlite3) or another realm fail `instanceof Error`.
  if (typeof candidate !== 'object' || candidate === null || typeof (candidate as Error).message !== 'string') return undefined;
  const error = candidate as Error;
  const named = UNREACHABLE_NAMES[error.name] ?? UNREACHABLE_NAMES[error.constructor?.name ?? ''];
  if (named) return named;
  const code = (error as { code?: unknown }).code;
  const writeErrors = (error as { writeErrors?: unknown[] }).writeErrors;
  if (error.name === 'MongoBulkWriteError' && !writeErrors?.length && MONGO_CONNECTION_LOST.test(error.message)) return 'MongoDB';
  if (error.name === 'SqliteError' && typeof code === 'string' && SQLITE_UNUSABLE.test(code)) return 'SQLite';
  // better-sqlite3 after the handle closed; the MongoDB driver and ioredis after their clients closed.
  if (/database connection is not open/i.test(error.message)) return 'SQLite';
  if (/topology (is|was) (closed|destroyed)|client must be connected/i.test(error.message)) return 'MongoDB';
  if (/^Connection is closed\.?$/.test(error.message)) return 'Redis';
  return undefined;
}

/**
 * The problem to answer when a request failed because a server (the store, Redis) did not
 * answer: 503, and the client may retry after {@link RETRY_AFTER_SECONDS}. Looks through the
 * error's causes. Undefined for any other failure.
 */
export function unavailableProblem(exception: unknown): (Problem & { servers?: readonly ServerDown[] }) | undefined {
  const base = { type: 'https://demarche.dev/problems/server-unavailable', title: 'A server Demarche needs is not answering', status: 503, code: 'server-unavailable' } as const;
  if (exception instanceof ServersUnavailable) {
    return { ...base, detail: `Not ready: ${exception.message}`, servers: exception.servers };
  }
  const down = serverDown(exception);
  if (!down) return undefined;
  return {
    ...base,
    detail:
      `${down.server} did not answer (${down.error.message}). The request may not have been recorded: retry it in ${RETRY_AFTER_SECONDS} s ` +
      '(posting the same fact again records it at most once). GET /health/ready says which server is down.',
  };
}

/**
 * Which server did not answer, if that is why `exception` (or one of its causes) was thrown:
 * a failure worth retrying once the server is back, never a fault of the request or of the
 * event in hand. Background work (the projector) uses it to tell an outage from poison.
 */
export function serverDown(exception: unknown): { readonly server: string; readonly error: Error } | undefined {
  for (let e: unknown = exception, depth = 0; e && depth < 10; e = (e as { cause?: unknown }).cause, depth++) {
    const server = which(e);
    if (server) return { server, error: e as Error };
  }
  return undefined;
}
