import Database from 'better-sqlite3';
import { MongoBulkWriteError, MongoNetworkError, MongoServerSelectionError, MongoTopologyClosedError } from 'mongodb';
import { ConcurrencyError } from '../../event-store/index.js';
import { conflict } from '../../kernel/index.js';
import { serverDown, ServersUnavailable, unavailableProblem } from './server-unavailable.js';

/** The error better-sqlite3 really throws once its handle is closed. */
function closedSqliteError(): unknown {
  const db = new Database(':memory:');
  db.close();
  try {
    db.prepare('SELECT 1');
  } catch (error) {
    return error;
  }
  throw new Error('better-sqlite3 accepted a statement on a closed handle');
}

describe('which failures mean "a server did not answer" (503)', () => {
  it.each([
    ['a dropped MongoDB connection', new MongoNetworkError('connection 1 to 127.0.0.1:27017 closed'), /MongoDB/],
    ['a MongoDB server selection timeout', new MongoServerSelectionError('connect ECONNREFUSED 127.0.0.1:27017', { type: 'Unknown', servers: new Map() } as never), /MongoDB/],
    ['a closed MongoDB client', new MongoTopologyClosedError(), /MongoDB/],
    ['a closed SQLite handle', closedSqliteError(), /SQLite/],
    // What insertMany throws when FerretDB restarts under it (seen in the fault test).
    ['a bulk write whose connection closed', new MongoBulkWriteError(new MongoNetworkError('connection 6 to 127.0.0.1:27018 closed'), undefined as never), /MongoDB/],
    ['a cause further down', new Error('the read model store failed', { cause: new MongoNetworkError('socket hang up') }), /MongoDB/],
  ])('%s', (_name, error, server) => {
    const problem = unavailableProblem(error);
    expect(problem).toMatchObject({ status: 503, code: 'server-unavailable' });
    expect(problem!.detail).toMatch(server);
    expect(problem!.detail).toMatch(/retry it in 5 s/);
  });

  it('names every server that a readiness check found down', () => {
    const problem = unavailableProblem(new ServersUnavailable([{ server: 'kafka', message: 'Kafka at 127.0.0.1:9092 does not answer: start it.' }]));
    expect(problem).toMatchObject({ status: 503, servers: [{ server: 'kafka' }], detail: 'Not ready: Kafka at 127.0.0.1:9092 does not answer: start it.' });
  });

  it.each([
    ['a domain refusal', conflict('mission-exists', 'Mission x is already registered with other details.', 'id')],
    ['a concurrent write', new ConcurrencyError('mission-x', 1, 2)],
    ['a bulk write the server refused', new MongoBulkWriteError({ message: 'E11000 duplicate key error', code: 11000, writeErrors: [{ code: 11000 }] } as never, undefined as never)],
    ['a bug', new TypeError("Cannot read properties of undefined (reading 'iso3')")],
    ['not an error at all', 'boom'],
  ])('leaves %s to the other mappings', (_name, error) => {
    expect(unavailableProblem(error)).toBeUndefined();
  });
});

describe('serverDown, for background work that must tell an outage from poison', () => {
  it('names the server behind an error or one of its causes', () => {
    const selection = new MongoServerSelectionError('connect ECONNREFUSED 127.0.0.1:27017', { type: 'Unknown', servers: new Map() } as never);
    expect(serverDown(new Error('projection state-history failed', { cause: selection }))).toMatchObject({ server: 'MongoDB', error: selection });
  });

  it('says nothing of an error of the event or of the code', () => {
    expect(serverDown(new TypeError("Cannot read properties of undefined (reading 'iso3')"))).toBeUndefined();
    expect(serverDown(conflict('mission-exists', 'Mission x is already registered with other details.', 'id'))).toBeUndefined();
  });
});
