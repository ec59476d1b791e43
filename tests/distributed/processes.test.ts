import { execFileSync } from 'node:child_process';
import { MongoClient } from 'mongodb';
import { ccmNonParties, Deployment } from '../support/deployment.js';

/**
 * Demarche as a production deployment runs it: api, two projectors and a worker as separate
 * processes on MongoDB, Kafka and Redis. Each hop is checked with an independent client, and
 * a projector is killed with SIGKILL in the middle of a burst of 1,000 commands.
 */
const d = new Deployment('processes');

describe('api, projectors and worker as separate processes', () => {
  const nonParties = ccmNonParties();

  beforeAll(() => d.startAll({ 'projector-1': 'projector', 'projector-2': 'projector', worker: 'worker' }), 240_000);

  afterAll(() => d.destroy(), 120_000);

  it('carries a response from HTTP to MongoDB, Kafka, the read models and Redis', async () => {
    await d.post('/v1/missions', { id: 'nor-addis', name: 'Norway in Addis Ababa', kind: 'non-resident', coordinator: 'NOR', accreditedTo: ['ETH', 'ERI'] });
    await d.post('/v1/campaigns', { id: 'first', treaty: 'CCM', title: 'First', coordinators: ['NOR'], startsOn: '2026-01-01' });
    const res = await (await d.post('/v1/countries/ETH/responses', { campaignId: 'first', missionId: 'nor-addis', receivedOn: '2026-11-20', group: 'II', obstacles: ['capacity'] })).json() as { eventIds: string[] };

    // 1. The commit, read with the mongodb driver.
    const mongo = await MongoClient.connect(process.env.MONGO_URL ?? 'mongodb://127.0.0.1:27017');
    const commit = await mongo.db(d.names.DEMARCHE_MONGO_DB).collection('commits').findOne({ streamId: 'outreach-first-ETH' });
    await mongo.close();
    // Its events as one JSON text, their types and filter keys beside it.
    expect(JSON.parse(commit?.events).map((e: { id: string; type: string }) => [e.id, e.type])).toEqual([[res.eventIds[0], 'ResponseReceived'], [res.eventIds[1], 'GroupAssigned']]);
    expect(commit).toMatchObject({ types: ['ResponseReceived', 'GroupAssigned'], countries: ['ETH'], campaignIds: ['first'], missionIds: ['nor-addis'] });

    // 2. The CloudEvent on the topic, read with kcat.
    const onTopic = await d.until('the CloudEvent on the topic', async () => {
      const out = execFileSync('kcat', ['-b', '127.0.0.1:9092', '-C', '-t', d.names.DEMARCHE_KAFKA_TOPIC!, '-o', 'beginning', '-e', '-q', '-f', '%k|%h|%s\\n'], { encoding: 'utf8', timeout: 20_000 });
      return out.split('\n').find((l) => l.includes(`ce_id=${res.eventIds[0]}`));
    });
    const [key, headers, value] = onTopic.split('|');
    expect(key).toBe('outreach-first-ETH');
    expect(headers).toContain('ce_specversion=1.0');
    expect(headers).toMatch(/ce_type=demarche\.ResponseReceived\.v\d+(,|$)/);
    expect(headers).toContain('ce_subject=outreach-first-ETH');
    expect(JSON.parse(value!)).toMatchObject({ iso3: 'ETH', group: 'II' });

    // 3. The projection, through the API.
    const eth = await d.until('the projection', async () => {
      const c = await d.get('/v1/countries/ETH');
      return c.group === 'II' && c.openFollowUps.length ? c : undefined;
    });
    const [task] = eth.openFollowUps;
    expect(task).toMatchObject({ kind: 'bilateral-approach', queue: 'bilateral', dueOn: '2027-02-18' });

    // 4. The job in Redis: the task's due date is a delayed job whose id is the task id.
    const delayed = execFileSync('redis-cli', ['zrange', `${d.names.DEMARCHE_REDIS_PREFIX}:bilateral:delayed`, '0', '-1'], { encoding: 'utf8' });
    expect(delayed.split('\n')).toContain(task.id);
    const job = execFileSync('redis-cli', ['hget', `${d.names.DEMARCHE_REDIS_PREFIX}:bilateral:${task.id}`, 'data'], { encoding: 'utf8' });
    expect(JSON.parse(job)).toMatchObject({ timerId: task.id, dueOn: '2027-02-18', payload: { purpose: 'due', queue: 'bilateral', followUpId: task.id } });
  });

  // Six campaigns to the 84 non-parties, a letter and a response each: 1,008 commands.
  it('converges after a projector is killed with SIGKILL in the middle of a burst of 1,000 commands: nothing missing, nothing twice', async () => {
    const campaigns = ['c1', 'c2', 'c3', 'c4', 'c5', 'c6'];
    const halves = [nonParties.slice(0, 42), nonParties.slice(42)];
    for (const c of campaigns) {
      await d.post('/v1/campaigns', { id: c, treaty: 'CCM', title: c, coordinators: ['NOR'], startsOn: '2026-01-01' });
      for (const [i, half] of halves.entries()) await d.post('/v1/missions', { id: `${c}-m${i}`, name: `${c} mission ${i}`, kind: 'non-resident', coordinator: 'NOR', accreditedTo: half });
    }
    const commands: (() => Promise<unknown>)[] = [];
    for (const c of campaigns) {
      for (const [i, half] of halves.entries()) {
        for (const iso3 of half) {
          const ids = { campaignId: c, missionId: `${c}-m${i}` };
          commands.push(() => d.post(`/v1/countries/${iso3}/letters`, { ...ids, deliveredOn: '2026-11-02' }));
          commands.push(() => d.post(`/v1/countries/${iso3}/responses`, { ...ids, receivedOn: '2026-11-10', group: 'II', obstacles: ['capacity'] }));
        }
      }
    }
    const burst = commands;
    expect(burst.length).toBe(1008);
    let sent = 0;
    let killed = false;
    const workers = Array.from({ length: 8 }, async () => {
      while (sent < burst.length) {
        const command = burst[sent++]!;
        await command();
        if (sent >= burst.length / 2 && !killed) {
          killed = true;
          void d.kill('projector-1');
        }
      }
    });
    const t0 = Date.now();
    await Promise.all(workers);
    process.stderr.write(`burst of ${burst.length} commands: ${Date.now() - t0} ms\n`);
    expect(killed).toBe(true);
    d.start('projector-1', 'projector');

    const responses = burst.length / 2;
    const scheduled = await d.until('every follow-up scheduled', async () => {
      const events = await d.allEvents('FollowUpScheduled');
      return events.filter((e) => e.data.kind === 'bilateral-approach').length >= responses + 1 ? events : undefined;
    }, 240_000);
    const expectedIds = new Set(scheduled.map((e) => e.data.followUpId));
    expect(expectedIds.size).toBe(scheduled.length);

    const items = await d.until('the read models to converge', async () => {
      const list = (await d.get('/v1/follow-ups?queue=bilateral')).items as { id: string }[];
      return list.length === expectedIds.size ? list : undefined;
    }, 240_000);
    process.stderr.write(`converged after ${Date.now() - t0} ms\n`);
    const ids = items.map((f) => f.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect([...expectedIds].filter((id) => !ids.includes(id))).toEqual([]);
    for (const c of campaigns) {
      const summary = await d.get(`/v1/campaigns/${c}`);
      const touched = burst.length / 2 / campaigns.length;
      expect(summary).toMatchObject({ countries: touched, lettersDelivered: touched, responded: touched, byGroup: { II: touched } });
    }
    const deadLetters = execFileSync('kcat', ['-b', '127.0.0.1:9092', '-C', '-t', `${d.names.DEMARCHE_KAFKA_TOPIC}.dlq`, '-o', 'beginning', '-e', '-q'], { encoding: 'utf8', timeout: 20_000 });
    expect(deadLetters.trim()).toBe('');
  }, 900_000);
});
