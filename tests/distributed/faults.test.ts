import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { MongoClient } from 'mongodb';
import { ccmNonParties, Deployment, KAFKA_BROKER, REDIS_URL } from '../support/deployment.js';

/**
 * No accepted fact is ever lost: api, projector and worker as separate processes take a load
 * of 5,040 commands while, one after the other, the projector and the worker are killed
 * with SIGKILL and restarted, and Kafka, Redis and the MongoDB-wire server (FerretDB) are
 * restarted. Clients behave as the API asks (a 503 is retried after its Retry-After).
 * Afterwards every accepted command's events are stored once, published, projected exactly
 * once in effect, and every follow-up exists exactly once, with its timer job in Redis.
 */
const d = new Deployment('faults');
const infra = (...args: string[]) => execFileSync('bash', [join(d.root, 'deploy/infra/infra.sh'), ...args], { encoding: 'utf8', timeout: 240_000 });
const say = (line: string) => process.stderr.write(`[faults] ${line}\n`);

/** 30 campaigns to the 84 non-parties, a letter and a response each. */
const CAMPAIGNS = Array.from({ length: 30 }, (_, i) => `f${String(i + 1).padStart(2, '0')}`);

describe('faults under load, on real servers', () => {
  const nonParties = ccmNonParties();
  const halves = [nonParties.slice(0, 42), nonParties.slice(42)];

  beforeAll(async () => {
    await d.startAll({ projector: 'projector', worker: 'worker' });
    for (const c of CAMPAIGNS) {
      await d.post('/v1/campaigns', { id: c, treaty: 'CCM', title: `Fault campaign ${c}`, coordinators: ['NOR'], startsOn: '2026-01-01' });
      for (const [i, half] of halves.entries()) await d.post('/v1/missions', { id: `${c}-m${i}`, name: `${c} mission ${i}`, kind: 'non-resident', coordinator: 'NOR', accreditedTo: half });
    }
  }, 600_000);

  afterAll(async () => {
    // Whatever happened, leave every server running for the tests after this one.
    infra('up');
    await d.destroy();
  }, 600_000);

  it('loses nothing and duplicates nothing through kill -9 of projector and worker and restarts of Kafka, Redis and FerretDB', async () => {
    const commands: { path: string; body: object }[] = [];
    // A campaign's letters, then its responses: a country's letter and response (one stream)
    // are never in flight together, so clients rarely meet a concurrent write.
    for (const c of CAMPAIGNS) {
      const ids = (i: number) => ({ campaignId: c, missionId: `${c}-m${i}` });
      for (const [i, half] of halves.entries()) for (const iso3 of half) commands.push({ path: `/v1/countries/${iso3}/letters`, body: { ...ids(i), deliveredOn: '2026-11-02' } });
      for (const [i, half] of halves.entries()) for (const iso3 of half) commands.push({ path: `/v1/countries/${iso3}/responses`, body: { ...ids(i), receivedOn: '2026-11-10', group: 'II', obstacles: ['capacity'] } });
    }
    expect(commands.length).toBe(5040);

    // The faults, in order, each once the load has gone that far.
    const faults: { at: number; name: string; run: () => Promise<void> }[] = [
      { at: 0.1, name: 'kill -9 the projector', run: async () => { await d.kill('projector'); await pause(2000); await d.restart('projector', 'projector'); } },
      { at: 0.25, name: 'kill -9 the worker', run: async () => { await d.kill('worker'); await pause(2000); await d.restart('worker', 'worker'); } },
      { at: 0.4, name: 'restart Kafka', run: async () => { infra('stop', 'kafka'); await pause(3000); infra('start', 'kafka'); } },
      { at: 0.55, name: 'restart Redis', run: async () => { infra('stop', 'redis'); await pause(3000); infra('start', 'redis'); } },
      { at: 0.7, name: 'restart FerretDB', run: async () => { infra('stop', 'mongo'); await pause(3000); infra('start', 'mongo'); } },
    ];
    let sent = 0;
    let accepted = 0;
    let retried = 0;
    const t0 = Date.now();
    const chaos = (async () => {
      for (const fault of faults) {
        while (sent < fault.at * commands.length) await pause(100);
        const started = Date.now();
        await fault.run();
        say(`${fault.name}: done in ${Date.now() - started} ms, at command ${sent} of ${commands.length}`);
      }
    })();
    // Eight clients; each command is retried after a 503 or a lost connection for up to 5 minutes.
    const clients = Array.from({ length: 8 }, async () => {
      while (sent < commands.length) {
        const { path, body } = commands[sent++]!;
        const res = await d.post(path, body, 300_000, () => retried++);
        expect(res.status).toBe(201);
        accepted++;
      }
    });
    await Promise.all([...clients, chaos]);
    say(`load: ${accepted} commands accepted in ${Date.now() - t0} ms (${retried} attempts retried after a 503 or a lost connection)`);

    // Stored once: exactly one letter and one response per campaign and country.
    const pairs = (events: any[]) => events.filter((e) => CAMPAIGNS.includes(e.data.campaignId)).map((e) => `${e.data.campaignId}/${e.data.iso3}`);
    const letters = pairs(await d.allEvents('LetterDelivered'));
    const responses = pairs(await d.allEvents('ResponseReceived'));
    const expectedPairs = CAMPAIGNS.length * nonParties.length;
    const storedIds = new Set<string>();
    const mongo = await MongoClient.connect(process.env.MONGO_URL ?? 'mongodb://127.0.0.1:27017');
    try {
      for await (const commit of mongo.db(d.names.DEMARCHE_MONGO_DB).collection('commits').find({ tombstone: { $ne: true } })) {
        // A commit keeps its events as one JSON text.
        for (const e of JSON.parse(commit.events as string) as { id: string }[]) storedIds.add(e.id);
      }
    } finally {
      await mongo.close();
    }

    // Published: every stored event is on the topic (at least once).
    const published = await d.until('every stored event on the topic', async () => {
      const out = execFileSync('kcat', ['-b', KAFKA_BROKER, '-C', '-t', d.names.DEMARCHE_KAFKA_TOPIC!, '-o', 'beginning', '-e', '-q', '-f', '%h\\n'], { encoding: 'utf8', timeout: 120_000, maxBuffer: 512 * 1024 * 1024 });
      const ids = new Set([...out.matchAll(/ce_id=([^,\n]+)/g)].map((m) => m[1]!));
      return [...storedIds].every((id) => ids.has(id)) ? ids : undefined;
    }, 600_000);

    // Every follow-up exactly once: one bilateral approach per response, in the log and in the queue.
    const scheduled = await d.until('every follow-up scheduled', async () => {
      const events = (await d.allEvents('FollowUpScheduled')).filter((e) => e.data.kind === 'bilateral-approach' && CAMPAIGNS.includes(e.data.campaignId));
      return events.length >= expectedPairs ? events : undefined;
    }, 1_200_000);
    const scheduledIds = scheduled.map((e) => e.data.followUpId as string);

    // Projected exactly once in effect: each campaign's figures, and its queue.
    const queued = await d.until('the read models to converge', async () => {
      const all: string[] = [];
      for (const c of CAMPAIGNS) {
        const summary = await d.get(`/v1/campaigns/${c}`);
        if (summary.lettersDelivered !== nonParties.length || summary.responded !== nonParties.length || summary.byGroup?.II !== nonParties.length) return undefined;
        const items = (await d.get(`/v1/follow-ups?campaignId=${c}&queue=bilateral`)).items as { id: string }[];
        all.push(...items.map((f) => f.id));
      }
      return all.length >= expectedPairs ? all : undefined;
    }, 600_000);
    for (const c of CAMPAIGNS) {
      expect(await d.get(`/v1/campaigns/${c}`)).toMatchObject({ countries: nonParties.length, lettersDelivered: nonParties.length, responded: nonParties.length, byGroup: { II: nonParties.length } });
    }

    // Each open follow-up's due date is one delayed job in Redis, its id the task id.
    const redis = (...args: string[]) => execFileSync('redis-cli', ['-u', REDIS_URL, ...args], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
    const jobs = new Set(redis('zrange', `${d.names.DEMARCHE_REDIS_PREFIX}:bilateral:delayed`, '0', '-1').split('\n').filter(Boolean));
    const withoutJob = scheduledIds.filter((id) => !jobs.has(id));

    const deadLetters = execFileSync('kcat', ['-b', KAFKA_BROKER, '-C', '-t', `${d.names.DEMARCHE_KAFKA_TOPIC}.dlq`, '-o', 'beginning', '-e', '-q'], { encoding: 'utf8', timeout: 60_000 });
    // A letter and a response per campaign and country were accepted: any pair missing from either is lost.
    const lost = expectedPairs - new Set(letters).size + expectedPairs - new Set(responses).size;
    const duplicated = letters.length + responses.length - new Set(letters).size - new Set(responses).size;
    const figures = {
      accepted,
      stored: letters.length + responses.length,
      published: [...storedIds].filter((id) => published.has(id)).length,
      storedEvents: storedIds.size,
      projected: queued.length,
      followUps: scheduledIds.length,
      lost,
      duplicated,
      duplicatedFollowUps: scheduledIds.length - new Set(scheduledIds).size + queued.length - new Set(queued).size,
      followUpsWithoutTimerJob: withoutJob.length,
      deadLetters: deadLetters.trim() ? deadLetters.trim().split('\n').length : 0,
    };
    say(`figures: ${JSON.stringify(figures)}`);

    expect(accepted).toBe(commands.length);
    expect(figures.stored).toBe(commands.length);
    expect(lost).toBe(0);
    expect(duplicated).toBe(0);
    expect(figures.published).toBe(storedIds.size);
    expect(new Set(scheduledIds).size).toBe(expectedPairs);
    expect(scheduledIds.length).toBe(expectedPairs);
    expect(new Set(queued).size).toBe(queued.length);
    expect([...new Set(queued)].sort()).toEqual([...new Set(scheduledIds)].sort());
    expect(withoutJob).toEqual([]);
    expect(figures.deadLetters).toBe(0);
  }, 3_600_000);
});

const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));
