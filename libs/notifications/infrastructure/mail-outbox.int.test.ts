import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Connection } from 'mongoose';
import { openSqliteDatabase } from '../../platform/persistence/sqlite-database.js';
import { connectMongo } from '../../platform/persistence/mongo-connection.js';
import type { Mailer, MailOutbox, OutboxEntry } from '../application/notification.ports.js';
import { CLAIM_MS, OutboxSender } from '../application/outbox-sender.js';
import { MongoOutbox } from './mongo-notifications.js';
import { SqliteOutbox } from './sqlite-notifications.js';
import { eventually } from '../../../tests/support/eventually.js';

// Needs a MongoDB-wire server (`npm run infra:up`) for the distributed profile's outbox.
const MONGO_URL = process.env.MONGO_URL ?? 'mongodb://127.0.0.1:27017';

const START = Date.parse('2026-03-10T09:00:00Z');
const entry = (key: string, extra: Partial<OutboxEntry> = {}): OutboxEntry => ({
  key, kind: 'assignment', personId: 'coordinator-000000000001', payload: { followUpId: 'f-1', by: 'token:admin-env' }, state: 'pending', attempts: 0, nextAttemptAt: '', createdAt: '2026-03-10T09:00:00.000Z', ...extra,
});

/** A mailer whose sends wait until the test lets them end (as a server that stalls, or a process that died mid-send, would leave them). */
function heldMailer() {
  const sent: string[] = [];
  const held: (() => void)[] = [];
  const mailer: Mailer = {
    send: (mail) => new Promise<void>((resolve) => {
      sent.push(mail.messageId);
      held.push(resolve);
    }),
    check: async () => undefined,
    close: () => undefined,
  };
  return { mailer, sent, release: () => held.splice(0).forEach((r) => r()) };
}

function mailOutboxContract(name: string, open: () => Promise<{ outbox: MailOutbox; close: () => Promise<void> }>) {
  describe(`${name} mail outbox`, () => {
    let outbox: MailOutbox;
    let close: () => Promise<void>;
    let now = START;
    const clock = { now: () => new Date(now) };
    const iso = (ms: number) => new Date(ms).toISOString();
    const quiet = { log: () => undefined, warn: () => undefined, error: () => undefined };
    const senderOf = (mailer: Mailer) => new OutboxSender(outbox, mailer, clock, async () => ({ kind: 'send', mail: { to: { name: 'Kari', address: 'kari@example.org' }, subject: 's', text: 't', html: 'h', unsubscribeUrl: 'u' } }), 1000, quiet);
    const stored = async (key: string) => (await outbox.list(100)).find((e) => e.key === key);
    beforeEach(async () => {
      now = START;
      ({ outbox, close } = await open());
    });
    afterEach(() => close());

    it('gives a due entry to one of two senders that race for it, and to nobody else until that claim runs out', async () => {
      await outbox.enqueue([entry('assignment:f-1:e-1')]);
      const [seen] = await outbox.due(iso(now), 10);
      const until = iso(now + CLAIM_MS);
      const claims = await Promise.all([outbox.claim(seen!, 'a', until), outbox.claim(seen!, 'b', until)]);
      expect(claims.filter(Boolean)).toHaveLength(1);
      const winner = claims[0] ? 'a' : 'b';
      expect(await outbox.due(iso(now + CLAIM_MS - 1), 10)).toEqual([]);
      expect(await outbox.due(iso(now + CLAIM_MS), 10)).toEqual([expect.objectContaining({ key: 'assignment:f-1:e-1', claim: winner })]);
      // The loser's word counts for nothing; the holder's gives the entry back.
      await outbox.retryLater('assignment:f-1:e-1', winner === 'a' ? 'b' : 'a', 1, iso(now), 'not mine');
      expect(await stored('assignment:f-1:e-1')).toMatchObject({ claim: winner, attempts: 0 });
      await outbox.retryLater('assignment:f-1:e-1', winner, 1, iso(now + 5000), 'the server said 421');
      expect(await stored('assignment:f-1:e-1')).toEqual(expect.not.objectContaining({ claim: expect.anything() }));
      expect(await stored('assignment:f-1:e-1')).toMatchObject({ attempts: 1, nextAttemptAt: iso(now + 5000), lastError: 'the server said 421' });
    });

    it('never takes a mail a live sender has in flight; takes over one whose sender died once its claim runs out', async () => {
      await outbox.enqueue([entry('assignment:f-1:e-1')]);
      const first = heldMailer();
      const second = heldMailer();
      // The first sender is in the middle of sending: the second finds the mail taken, up to the end of the claim.
      const inFlight = senderOf(first.mailer).sendDue(new AbortController().signal);
      await eventually(async () => (first.sent.length ? true : undefined), 'the first sender to start sending');
      await senderOf(second.mailer).sendDue(new AbortController().signal);
      now += CLAIM_MS - 1000;
      await senderOf(second.mailer).sendDue(new AbortController().signal);
      first.release();
      await inFlight;
      now += 1000;
      await senderOf(second.mailer).sendDue(new AbortController().signal);
      expect(first.sent).toEqual(['<assignment:f-1:e-1@demarche>']);
      expect(second.sent).toEqual([]);
      expect(await stored('assignment:f-1:e-1')).toMatchObject({ state: 'sent' });

      // A sender that dies mid-send (its send never ends) holds the mail until its claim runs out, then another sends it.
      await outbox.enqueue([entry('assignment:f-3:e-3')]);
      const dead = heldMailer();
      const doomed = senderOf(dead.mailer).sendDue(new AbortController().signal);
      await eventually(async () => (dead.sent.length ? true : undefined), 'the doomed sender to start sending');
      const heir = heldMailer();
      now += CLAIM_MS - 1000;
      await senderOf(heir.mailer).sendDue(new AbortController().signal);
      expect(heir.sent).toEqual([]);
      now += 1000;
      const takeover = senderOf(heir.mailer).sendDue(new AbortController().signal);
      await eventually(async () => (heir.sent.length ? true : undefined), 'the claim to run out and the mail to go again');
      heir.release();
      await takeover;
      expect(heir.sent).toEqual(['<assignment:f-3:e-3@demarche>']);
      expect(await stored('assignment:f-3:e-3')).toMatchObject({ state: 'sent' });
      // Nothing of the doomed sender may run after the test.
      dead.release();
      await doomed;
    });

    it('removes the payload and errors of mail done before the retention, and keeps its key so it is not written again', async () => {
      await outbox.enqueue([entry('assignment:old:e-1'), entry('digest:p:2026-01-01', { kind: 'digest', payload: { day: '2026-01-01', overdue: ['f-1'] } }), entry('assignment:new:e-2'), entry('assignment:waiting:e-3')]);
      await outbox.finish('assignment:old:e-1', 'sent', '2026-02-01T09:00:00.000Z');
      await outbox.finish('digest:p:2026-01-01', 'skipped', '2026-02-01T09:00:00.000Z', 'the person turned the digest off');
      await outbox.finish('assignment:new:e-2', 'sent', '2026-03-09T09:00:00.000Z');
      expect(await outbox.prune('2026-02-08T09:00:00.000Z', '2026-03-10T09:00:00.000Z')).toBe(2);
      expect(await stored('assignment:old:e-1')).toEqual({ ...entry('assignment:old:e-1'), payload: {}, state: 'sent', doneAt: '2026-02-01T09:00:00.000Z', prunedAt: '2026-03-10T09:00:00.000Z' });
      expect(await stored('digest:p:2026-01-01')).toEqual(expect.not.objectContaining({ lastError: expect.anything() }));
      expect(await stored('digest:p:2026-01-01')).toMatchObject({ payload: {}, state: 'skipped' });
      expect(await stored('assignment:new:e-2')).toMatchObject({ payload: { followUpId: 'f-1' } });
      expect(await stored('assignment:waiting:e-3')).toMatchObject({ state: 'pending', payload: { followUpId: 'f-1' } });
      // A replay of the log asks for the old mail again: its key is there, nothing changes.
      await outbox.enqueue([entry('assignment:old:e-1')]);
      expect(await outbox.has('assignment:old:e-1')).toBe(true);
      expect(await stored('assignment:old:e-1')).toMatchObject({ state: 'sent', payload: {} });
      expect(await outbox.prune('2026-02-08T09:00:00.000Z', '2026-03-11T09:00:00.000Z')).toBe(0);
    });
  });
}

mailOutboxContract('SQLite', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'demarche-outbox-'));
  const db = openSqliteDatabase(dir);
  return { outbox: new SqliteOutbox(db), close: async () => (db.close(), rmSync(dir, { recursive: true, force: true })) };
});
mailOutboxContract('MongoDB', async () => {
  const connection: Connection = await connectMongo(MONGO_URL, `demarche_test_outbox_${randomUUID().replace(/-/g, '')}`);
  return { outbox: new MongoOutbox(connection), close: async () => { await connection.dropDatabase(); await connection.close(); } };
});
