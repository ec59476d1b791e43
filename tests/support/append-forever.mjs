// Child process for the crash test: appends to the embedded store as fast as it can and
// prints "ack <eventId>" only after each append has returned, until it is killed. It also
// ends when the test that reads it has gone (its stdout then breaks), so it never outlives
// the test run.
import { randomUUID } from 'node:crypto';
import { openSqliteDatabase } from '../../dist/libs/platform/persistence/sqlite-database.js';
import { SqliteEventStore } from '../../dist/libs/event-store/infrastructure/sqlite-event-store.js';

process.stdout.on('error', () => process.exit(1));
const store = new SqliteEventStore(openSqliteDatabase(process.argv[2]));
for (let n = 0; ; n++) {
  const id = randomUUID();
  const stream = `stream-${n % 7}`;
  await store.append(stream, 'any', [{ id, type: 'LetterDelivered', schemaVersion: 1, occurredAt: '2026-01-01', data: { n }, metadata: { actor: 't', correlationId: 'c', causationId: 'c' } }]);
  process.stdout.write(`ack ${id}\n`);
  if (n % 100 === 99) await new Promise((r) => setImmediate(r)); // let a broken stdout be noticed
}
