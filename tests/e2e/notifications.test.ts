import { randomUUID } from 'node:crypto';
import { openTestReadModels, startTestApp, type RunningApp } from '../support/running-app.js';
import { eventually } from '../support/eventually.js';
import { withEnv } from '../support/env.js';
import { storedRecord } from '../support/raw-store.js';
import { mailBody, mailHeaders, mailServer, mailsTo, stallingSmtpServer } from '../support/mailbox.js';
import { TOKEN_STORE, type TokenStore } from '../../libs/access/index.js';
import { ASSIGNMENT_MAILS, People } from '../../libs/notifications/index.js';
import { NOTES_CIPHER, type NotesCipher } from '../../libs/outreach/index.js';

// A mail that failed is tried again within a second, so the outage test waits on the server, not on backoff.
process.env.DEMARCHE_MAIL_RETRY_MAX_S = '1';

/** 18:30 UTC on 10 March 2026 is 07:30 on the 11th in Auckland (NZDT, UTC+13). */
const NOW = '2026-03-10T18:30:00Z';
const AUCKLAND_TODAY = '2026-03-11';

describe('notifications: people, assignment mails and digests over a real SMTP server', () => {
  let app: RunningApp;
  const run = randomUUID().slice(0, 8);
  const address = (who: string) => `${who}-${run}@example.org`;
  const tokens: Record<'mission' | 'alice' | 'bob' | 'carol' | 'dave' | 'erin' | 'frank', { token: string; id: string }> = {} as never;
  const as = (who: keyof typeof tokens) => app.as(tokens[who].token);

  type Entry = { key: string; personId: string; state: string; attempts: number; lastError: string | null; claimedUntil: string | null; prunedAt: string | null };
  const outbox = async () => (await app.http().get('/v1/notifications/outbox').expect(200)).body.items as Entry[];
  /** The newest entry whose key starts so (and that is for that person). */
  const outboxEntry = async (prefix: string, personId?: string) => (await outbox()).find((e) => e.key.startsWith(prefix) && (!personId || e.personId === personId));
  const mailsReaching = (who: string, timeoutMs?: number) =>
    eventually(async () => {
      const found = await mailsTo(address(who));
      return found.length ? found : undefined;
    }, `a mail to reach ${who}`, timeoutMs);
  const reassign = async (taskId: string, who: keyof typeof tokens) => {
    await app.http().post(`/v1/follow-ups/${taskId}/reassign`).send({ assignee: `token:${tokens[who].id}` }).expect(201);
    await app.settle();
  };
  const openTasks = async () => (await app.http().get('/v1/follow-ups?campaignId=ccm-2026').expect(200)).body.items as { id: string; state: string; dueOn: string; kind: string }[];
  /** A task that can be handed to someone (open or claimed). */
  const activeTask = async (index: number) => (await openTasks()).filter((t) => t.state === 'open' || t.state === 'claimed')[index]!;

  beforeAll(async () => {
    mailServer('start');
    app = await startTestApp({ now: NOW });
    await app.http().post('/v1/missions').send({ id: 'nor-nairobi', name: 'Embassy of Norway in Nairobi', kind: 'non-resident', coordinator: 'NOR', accreditedTo: ['KEN', 'ETH', 'ERI'] }).expect(201);
    await app.http().post('/v1/campaigns').send({ id: 'ccm-2026', treaty: 'CCM', title: 'CCM joint demarche 2026', coordinators: ['NOR', 'NZL'], startsOn: '2025-11-01' }).expect(201);
    const issue = async (body: object) => {
      const { token, id } = (await app.http().post('/v1/tokens').send(body).expect(201)).body;
      return { token, id };
    };
    tokens.mission = await issue({ role: 'mission', missionId: 'nor-nairobi' });
    tokens.alice = await issue({ role: 'coordinator', campaignIds: ['ccm-2026'] });
    tokens.bob = await issue({ role: 'coordinator', campaignIds: ['ccm-2026'] });
    tokens.carol = await issue({ role: 'coordinator', campaignIds: ['ccm-2026'] });
    tokens.dave = await issue({ role: 'coordinator', campaignIds: ['ccm-2026'] });
    tokens.erin = await issue({ role: 'coordinator', campaignIds: ['ccm-2026'] });
    tokens.frank = await issue({ role: 'coordinator', campaignIds: ['ccm-2026'] });
    const respond = (country: string, receivedOn: string, rest: object) =>
      as('mission').post(`/v1/countries/${country}/responses`).send({ campaignId: 'ccm-2026', missionId: 'nor-nairobi', receivedOn, ...rest }).expect(201);
    await respond('ETH', '2025-12-01', { group: 'III' });
    await respond('ERI', '2026-02-12', { group: 'I', wishesToSign: true });
    await respond('KEN', '2026-02-27', { group: 'II', obstacles: ['capacity'] });
    await app.settle();
  });
  afterAll(async () => {
    mailServer('start');
    await app.destroy();
  });

  it('refuses bad settings with a problem naming the field, and changes nothing', async () => {
    const bad: [object, string][] = [
      [{ name: 'Alice', email: 'not-an-address' }, 'email'],
      [{ name: 'Alice', email: address('alice'), digestHour: 24 }, 'digestHour'],
      [{ name: 'Alice', email: address('alice'), digestHour: 7.5 }, 'digestHour'],
      [{ name: 'Alice', email: address('alice'), timeZone: 'Mars/Olympus_Mons' }, 'timeZone'],
      [{ name: 'Alice', email: address('alice'), digest: 'hourly' }, 'digest'],
      [{ name: 'Alice', email: address('alice'), extra: true }, 'extra'],
    ];
    for (const [body, field] of bad) {
      const res = await as('alice').put('/v1/me/notifications').send(body).expect(400);
      expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(res.body.errors.map((e: { field: string }) => e.field)).toContain(field);
    }
    await as('alice').get('/v1/me/notifications').expect(404);
  });

  it('keeps the address sealed at rest and gives it back to its owner only', async () => {
    const res = await as('alice').put('/v1/me/notifications').send({ name: 'Alice Aas', email: address('alice'), timeZone: 'Europe/Oslo', digest: 'off' }).expect(200);
    expect(res.body).toMatchObject({ name: 'Alice Aas', email: address('alice'), timeZone: 'Europe/Oslo', assignmentMails: true, digest: 'off', digestHour: 7, language: 'en' });
    await as('bob').put('/v1/me/notifications').send({ name: 'Bob Berg', email: address('bob'), digest: 'off' }).expect(200);
    expect((await as('bob').get('/v1/me/notifications').expect(200)).body.email).toBe(address('bob'));
  });

  it('mails the assignee once when a task is handed to them, with a console link and one-click unsubscribe', async () => {
    const task = (await openTasks()).find((t) => t.kind === 'bilateral-approach')!;
    await app.http().post(`/v1/follow-ups/${task.id}/reassign`).send({ assignee: `token:${tokens.alice.id}` }).expect(201);
    await app.settle();
    await eventually(async () => ((await outboxEntry(`assignment:${task.id}:`))?.state === 'sent' ? true : undefined), 'the assignment mail to be sent');
    const mails = await mailsTo(address('alice'));
    expect(mails).toHaveLength(1);
    expect(mails[0]!.MessageID).toMatch(new RegExp(`^assignment:${task.id}:.+@demarche$`));
    const body = await mailBody(mails[0]!.ID);
    expect(body.Text).toContain(`#/follow-ups?task=${encodeURIComponent(task.id)}`);
    expect(body.HTML).toContain('Alice Aas');
    const headers = await mailHeaders(mails[0]!.ID);
    expect(headers['List-Unsubscribe-Post']).toEqual(['List-Unsubscribe=One-Click']);
    const unsubscribe = /<(http[^>]+)>/.exec(headers['List-Unsubscribe']![0]!)![1]!;
    // As a mail program does it (RFC 8058): a form post, no token.
    await app.as(undefined).post(new URL(unsubscribe).pathname).type('form').send('List-Unsubscribe=One-Click').expect(200);
    expect((await as('alice').get('/v1/me/notifications').expect(200)).body).toMatchObject({ assignmentMails: false, digest: 'off' });
  });

  it('holds a mail while the SMTP server is down and across a restart, then sends it once', async () => {
    const task = (await openTasks()).find((t) => t.kind === 'high-level-engagement')!;
    mailServer('stop');
    await app.http().post(`/v1/follow-ups/${task.id}/reassign`).send({ assignee: `token:${tokens.bob.id}` }).expect(201);
    await app.settle();
    await eventually(async () => ((await outboxEntry(`assignment:${task.id}:`))?.attempts ?? 0) >= 1 || undefined, 'a failed try while the mail server is down');
    const ready = await app.http().get('/health/ready').expect(200);
    expect(ready.body.auxiliary.smtp).toMatchObject({ status: 'down' });
    expect(ready.body.auxiliary.smtp.message).toMatch(/SMTP_URL/);
    await app.stop();
    mailServer('start');
    app = await startTestApp({ now: NOW, dataDir: app.dataDir });
    const mails = await mailsReaching('bob', 60_000);
    await eventually(async () => ((await outboxEntry(`assignment:${task.id}:`))?.state === 'sent' ? true : undefined), 'the outbox to mark it sent');
    expect(await mailsTo(address('bob'))).toHaveLength(1);
    expect(mails[0]!.MessageID).toMatch(new RegExp(`^assignment:${task.id}:`));
    expect((await app.http().get('/health/ready').expect(200)).body.auxiliary.smtp.status).toBe('up');
  });

  it('sends a mail once whose send a stop cut off mid-conversation, after a restart, once its claim ran out', async () => {
    const smtp = await stallingSmtpServer();
    try {
      await app.stop();
      app = await withEnv({ SMTP_URL: smtp.url }, () => startTestApp({ now: NOW, dataDir: app.dataDir }));
      await as('dave').put('/v1/me/notifications').send({ name: 'Dave Dahl', email: address('dave'), digest: 'off' }).expect(200);
      const task = await activeTask(0);
      await reassign(task.id, 'dave');
      // The server took the whole mail and never said so: the send hangs, its entry held by the sender.
      const [data] = await eventually(async () => (smtp.received.length ? smtp.received : undefined), 'the stalling server to take the mail');
      const held = (await outboxEntry(`assignment:${task.id}:`, tokens.dave.id))!;
      expect(held).toMatchObject({ state: 'pending', claimedUntil: expect.any(String) });
      expect(data!.replace(/\r\n[ \t]+/g, ' ').toLowerCase().split('\r\n')).toContain(`message-id: <${held.key}@demarche>`.toLowerCase());
      await app.stop();
      // As a process that died there would leave it: held, not marked.
      expect(await storedRecord(app.dataDir, 'mail_outbox', held.key)).toMatchObject({ state: 'pending', claim: expect.any(String), nextAttemptAt: held.claimedUntil });
      // Started again, against Mailpit, once the claim has run out.
      app = await startTestApp({ now: new Date(Date.parse(held.claimedUntil!) + 1000).toISOString(), dataDir: app.dataDir });
      const mails = await mailsReaching('dave', 60_000);
      await eventually(async () => ((await outboxEntry(held.key))?.state === 'sent' ? true : undefined), 'the outbox to mark it sent');
      expect(await mailsTo(address('dave'))).toHaveLength(1);
      expect(mails[0]!.MessageID).toBe(`${held.key}@demarche`);
      expect(smtp.received).toHaveLength(1);
    } finally {
      await smtp.close();
    }
  });

  it('sends a digest at the person\'s hour in their time zone with exactly the overdue and soon-due tasks', async () => {
    const tasks = (await openTasks()).filter((t) => t.state === 'open' || t.state === 'claimed');
    const soonEnd = '2026-03-18';
    const overdue = tasks.filter((t) => t.dueOn < AUCKLAND_TODAY).map((t) => t.id).sort();
    const dueSoon = tasks.filter((t) => t.dueOn >= AUCKLAND_TODAY && t.dueOn <= soonEnd).map((t) => t.id).sort();
    expect(overdue.length).toBeGreaterThan(0);
    expect(dueSoon.length).toBeGreaterThan(0);
    await as('carol').put('/v1/me/notifications').send({ name: 'Carol Crown', email: address('carol'), timeZone: 'Pacific/Auckland', digest: 'daily', digestHour: 7, assignmentMails: false }).expect(200);
    const [mail] = await mailsReaching('carol');
    expect(mail!.MessageID).toBe(`digest:${tokens.carol.id}:${AUCKLAND_TODAY}@demarche`);
    expect(mail!.Subject).toBe(`Demarche digest for ${AUCKLAND_TODAY}: ${overdue.length} overdue, ${dueSoon.length} due soon`);
    const text = (await mailBody(mail!.ID)).Text.replace(/\r\n/g, '\n');
    const section = (title: string) => [...(text.split(`${title} (`)[1]!.split('\n\n')[0]!.matchAll(/task=([^\s]+)/g))].map((m) => decodeURIComponent(m[1]!)).sort();
    expect(section('Overdue')).toEqual(overdue);
    expect(section('Due within 7 days')).toEqual(dueSoon);
    await eventually(async () => ((await outboxEntry(`digest:${tokens.carol.id}:`))?.state === 'sent' ? true : undefined), 'the digest marked sent');
    expect(await mailsTo(address('carol'))).toHaveLength(1);
  });

  it('forgets a person: the address is gone and no mail reaches them', async () => {
    await as('bob').delete('/v1/me/notifications').expect(204);
    await as('bob').get('/v1/me/notifications').expect(404);
    const task = (await openTasks()).find((t) => t.kind === 'facilitate-accession')!;
    await app.http().post(`/v1/follow-ups/${task.id}/reassign`).send({ assignee: `token:${tokens.bob.id}` }).expect(201);
    await app.settle();
    const entry = await eventually(async () => {
      const e = await outboxEntry(`assignment:${task.id}:`);
      return e?.state === 'skipped' ? e : undefined;
    }, 'the mail to a forgotten person to be skipped');
    expect(entry.lastError).toMatch(/forgotten/);
  });

  it('forgets the person of a revoked token: their sealed data no longer opens and no mail reaches them', async () => {
    const people = app.app.get(People, { strict: false });
    const cipher = app.app.get<NotesCipher>(NOTES_CIPHER, { strict: false });
    const sealedOf = async (tokenId: string) => (await people.list()).find((p) => p.tokenId === tokenId)!.sealed;
    for (const who of ['erin', 'frank'] as const) await as(who).put('/v1/me/notifications').send({ name: `${who} Eide`, email: address(who), digest: 'off' }).expect(200);
    const [erin, frank] = [await sealedOf(tokens.erin.id), await sealedOf(tokens.frank.id)];
    // Erin's token is revoked through the API; Frank's in the store alone (as a release before this one did), which the worker finds.
    await app.http().post(`/v1/tokens/${tokens.erin.id}/revoke`).expect(200);
    await app.app.get<TokenStore>(TOKEN_STORE, { strict: false }).revoke(tokens.frank.id, new Date().toISOString(), 'token:admin-env');
    expect(await cipher.open([{ text: erin, context: 'NotificationPerson' }])).toEqual([undefined]);
    expect(await storedRecord(app.dataDir, 'notification_people', tokens.erin.id)).toBeUndefined();
    await eventually(async () => ((await cipher.open([{ text: frank, context: 'NotificationPerson' }]))[0] === undefined ? true : undefined), 'the worker to forget frank');
    expect(await storedRecord(app.dataDir, 'notification_people', tokens.frank.id)).toBeUndefined();
    const task = await activeTask(1);
    for (const who of ['erin', 'frank'] as const) {
      await reassign(task.id, who);
      const entry = await eventually(async () => {
        const e = await outboxEntry(`assignment:${task.id}:`, tokens[who].id);
        return e?.state === 'skipped' ? e : undefined;
      }, `the mail to ${who} to be skipped`);
      expect(entry.lastError).toMatch(/forgotten/);
      expect(await mailsTo(address(who))).toEqual([]);
    }
  });

  it('removes what sent mail said once the retention passed, keeping its key, so a replay of the log sends no old mail again', async () => {
    const before = await outbox();
    const sent = before.find((e) => e.key.startsWith('assignment:') && e.state === 'sent')!;
    expect(await storedRecord(app.dataDir, 'mail_outbox', sent.key)).toMatchObject({ payload: { followUpId: expect.any(String), by: 'token:admin-env' } });
    // Restarted 35 days on, past the 30 days of DEMARCHE_MAIL_OUTBOX_RETENTION_DAYS.
    const later = new Date(Date.parse(NOW) + 35 * 86_400_000).toISOString();
    await app.stop();
    app = await startTestApp({ now: later, dataDir: app.dataDir });
    const done = before.filter((e) => e.state !== 'pending').map((e) => e.key);
    await eventually(async () => ((await outbox()).filter((e) => done.includes(e.key)).every((e) => e.prunedAt) ? true : undefined), 'the mail done before the retention to be pruned');
    const pruned = await storedRecord(app.dataDir, 'mail_outbox', sent.key);
    expect(pruned).toMatchObject({ key: sent.key, state: 'sent', payload: {}, prunedAt: expect.any(String) });
    expect(pruned).not.toHaveProperty('lastError');
    // The assignment mails' subscription starts over from the first event, as a rebuild would.
    await app.stop();
    const readModels = await openTestReadModels(app.dataDir);
    await readModels.store.reset(ASSIGNMENT_MAILS, []);
    await readModels.close();
    app = await startTestApp({ now: later, dataDir: app.dataDir });
    await app.settle();
    const after = new Map((await outbox()).map((e) => [e.key, e]));
    for (const e of before.filter((b) => done.includes(b.key))) expect(after.get(e.key)).toMatchObject({ state: e.state, attempts: e.attempts, prunedAt: expect.any(String) });
    expect(await mailsTo(address('dave'))).toHaveLength(1);
  });
});
