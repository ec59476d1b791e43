import Database from 'better-sqlite3';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { MongoClient } from 'mongodb';
import { cliEnv, startTestApp, TEST_PROFILE, distributedEnv, type RunningApp } from '../support/running-app.js';
import { eventually } from '../support/eventually.js';
import { EVENT_STORE, EventRegistry, type EventStore } from '../../libs/event-store/index.js';
import { whatIf } from '../../libs/analysis/application/what-if.js';
import { TREATIES } from '../../libs/treaty-status/index.js';
import { PLAYBOOKS } from '../../libs/follow-ups/index.js';
import type { TreatyCatalog } from '../../libs/treaty-status/index.js';
import { projectRoot } from '../../libs/platform/config/config.js';
import type { PlaybookCatalog } from '../../libs/follow-ups/index.js';

/**
 * Confidential notes on the real stores: sealed with the mission's key on the way into the
 * log, in clear only on the outreach record, and unreadable everywhere once the mission's
 * notes are forgotten, while every count and status stays as it was.
 */
/** Starting on the distributed profile seeds the 197 states through MongoDB and Kafka: slow on a busy machine. */
const SETUP_TIMEOUT_MS = 420_000;

describe('confidential notes and crypto-shredding', () => {
  let app: RunningApp;
  const SECRETS = ['Minister Abebe hinted at a cabinet paper', 'Ms Wanjiru Kamau', 'Stockpile of 3,000 rounds to destroy', 'Col. Haile'];
  const KEPT = ['The Saudi delegate asked for the text in Arabic', 'Prince Faisal'];
  const post = (path: string, body: object) => app.http().post(path).send(body);
  const get = async (path: string) => (await app.http().get(path).expect(200)).body;

  /** Everything the store holds, as text: the SQLite file and its log, or every MongoDB document. */
  async function rawStore(): Promise<string> {
    if (TEST_PROFILE !== 'distributed') {
      const files = ['demarche.sqlite', 'demarche.sqlite-wal'].map((f) => join(app.dataDir, f)).filter(existsSync);
      return files.map((f) => readFileSync(f).toString('latin1')).join('\n');
    }
    const client = await MongoClient.connect(process.env.MONGO_URL ?? 'mongodb://127.0.0.1:27017');
    try {
      const db = client.db(distributedEnv(app.dataDir).DEMARCHE_MONGO_DB!);
      const texts: string[] = [];
      for (const { name } of await db.listCollections().toArray()) texts.push(JSON.stringify(await db.collection(name).find({}).toArray()));
      return texts.join('\n');
    } finally {
      await client.close();
    }
  }

  /** The stored payloads of the MeetingHeld and ResponseReceived events, read around the app. */
  async function storedPayloads(): Promise<string[]> {
    if (TEST_PROFILE !== 'distributed') {
      const db = new Database(join(app.dataDir, 'demarche.sqlite'), { readonly: true });
      try {
        return (db.prepare("SELECT data FROM events WHERE type IN ('MeetingHeld', 'ResponseReceived')").all() as { data: string }[]).map((r) => r.data);
      } finally {
        db.close();
      }
    }
    const raw = await rawStore();
    return raw.match(/v1:[a-z0-9-]+:[0-9a-f]+:[A-Za-z0-9+/=]+/g) ?? [];
  }

  /** Every record value on the app's Kafka topic, from the beginning. */
  const kafkaValues = () =>
    execFileSync('kcat', ['-b', '127.0.0.1:9092', '-C', '-t', distributedEnv(app.dataDir).DEMARCHE_KAFKA_TOPIC!, '-o', 'beginning', '-e', '-q', '-f', '%s\n'], { encoding: 'utf8', timeout: 30_000 });

  /** The harness settles within 60 s; on a busy machine the distributed profile may need a few rounds. */
  async function settled(rounds = 5): Promise<void> {
    for (let round = 1; ; round++) {
      try {
        return await app.settle();
      } catch (error) {
        if (round >= rounds) throw error;
      }
    }
  }

  /** The what-if replay of the whole history under the campaign's own playbook. */
  async function replay() {
    const playbook = app.app.get<PlaybookCatalog>(PLAYBOOKS).forTreaty('CCM')!;
    const treaties = app.app.get<TreatyCatalog>(TREATIES);
    return whatIf({ live: app.app.get<EventStore>(EVENT_STORE), registry: app.app.get(EventRegistry), treatyFor: (code) => treaties.get(code), now: new Date('2026-06-01T09:00:00Z') }, playbook, playbook, 'ccm-2026');
  }

  /** Every figure the notes must not influence. */
  async function figures() {
    const countries = await Promise.all(['KEN', 'ETH', 'TZA', 'SAU'].map((iso3) => get(`/v1/countries/${iso3}?treaty=CCM`)));
    return {
      campaign: await get('/v1/campaigns/ccm-2026'),
      countries,
      list: await get('/v1/countries?treaty=CCM&group=II'),
      followUps: await get('/v1/follow-ups?campaignId=ccm-2026'),
      status: await get('/v1/status?treaty=CCM&asOf=2026-05-31'),
      changes: await get('/v1/status/changes?treaty=CCM&from=2026-01-01&to=2026-05-31'),
      dossier: await get('/v1/countries/ETH?asOf=2026-05-31'),
    };
  }

  beforeAll(async () => {
    app = await startTestApp({ now: '2026-06-01T09:00:00Z' });
    await post('/v1/missions', { id: 'nor-nairobi', name: 'Embassy of Norway in Nairobi', kind: 'non-resident', coordinator: 'NOR', accreditedTo: ['KEN', 'ETH', 'TZA'] }).expect(201);
    await post('/v1/missions', { id: 'nzl-riyadh', name: 'Embassy of New Zealand in Riyadh', kind: 'non-resident', coordinator: 'NZL', accreditedTo: ['SAU'] }).expect(201);
    await post('/v1/campaigns', { id: 'ccm-2026', treaty: 'CCM', title: 'Demarche 2026', coordinators: ['NOR', 'NZL'], startsOn: '2026-01-15' }).expect(201);
    for (const iso3 of ['KEN', 'ETH', 'TZA']) await post(`/v1/countries/${iso3}/letters`, { campaignId: 'ccm-2026', missionId: 'nor-nairobi', deliveredOn: '2026-02-02' }).expect(201);
    await post('/v1/countries/KEN/meetings', { campaignId: 'ccm-2026', missionId: 'nor-nairobi', heldOn: '2026-02-20', summary: SECRETS[0], interlocutors: [SECRETS[1]] }).expect(201);
    await post('/v1/countries/ETH/responses', { campaignId: 'ccm-2026', missionId: 'nor-nairobi', receivedOn: '2026-02-27', group: 'II', obstacles: ['capacity'], notes: SECRETS[2], interlocutors: [SECRETS[3]] }).expect(201);
    await post('/v1/countries/TZA/responses', { campaignId: 'ccm-2026', missionId: 'nor-nairobi', receivedOn: '2026-02-28', group: 'I', wishesToSign: true }).expect(201);
    await post('/v1/countries/SAU/meetings', { campaignId: 'ccm-2026', missionId: 'nzl-riyadh', heldOn: '2026-03-01', summary: KEPT[0], interlocutors: [KEPT[1]] }).expect(201);
    await settled();
  }, SETUP_TIMEOUT_MS);
  afterAll(() => app?.destroy());

  it('stores notes and interlocutors only as ciphertext', async () => {
    const raw = await rawStore();
    for (const secret of [...SECRETS, ...KEPT]) expect(raw).not.toContain(secret);
    const payloads = await storedPayloads();
    expect(payloads.join('\n')).toMatch(/v1:nor-nairobi:[0-9a-f]{16}:/);
    expect(payloads.join('\n')).toMatch(/v1:nzl-riyadh:[0-9a-f]{16}:/);
  });

  it('retrying a meeting with its notes records it once', async () => {
    const again = await post('/v1/countries/KEN/meetings', { campaignId: 'ccm-2026', missionId: 'nor-nairobi', heldOn: '2026-02-20', summary: SECRETS[0], interlocutors: [SECRETS[1]] }).expect(201);
    expect(again.body.eventIds).toEqual([]);
  });

  it('shows the notes in clear on the outreach record, and sealed in the history and the export', async () => {
    const ken = await get('/v1/countries/KEN/outreach?campaignId=ccm-2026');
    expect(ken.items.find((i: any) => i.type === 'MeetingHeld')).toMatchObject({ heldOn: '2026-02-20', summary: SECRETS[0], interlocutors: [SECRETS[1]], missionId: 'nor-nairobi' });
    const eth = await get('/v1/countries/ETH/outreach');
    expect(eth.items.find((i: any) => i.type === 'ResponseReceived')).toMatchObject({ notes: SECRETS[2], interlocutors: [SECRETS[3]], group: 'II' });

    const history = await get('/v1/events?type=MeetingHeld,ResponseReceived');
    const meeting = history.items.find((e: any) => e.type === 'MeetingHeld' && e.data.iso3 === 'KEN');
    expect(meeting).toMatchObject({ schemaVersion: 2, data: { heldOn: '2026-02-20', sealed: { fields: ['summary', 'interlocutors'], ciphertext: expect.stringMatching(/^v1:nor-nairobi:/) } } });
    expect(meeting.data.summary).toBeUndefined();
    const exported = (await app.http().get('/v1/events/export').expect(200)).text;
    for (const secret of [...SECRETS, ...KEPT]) {
      expect(JSON.stringify(history)).not.toContain(secret);
      expect(exported).not.toContain(secret);
    }
  });

  if (TEST_PROFILE === 'distributed') {
    it('publishes only ciphertext to Kafka', async () => {
      const values = await eventually(async () => {
        const text = kafkaValues();
        return text.includes('v1:nzl-riyadh:') ? text : undefined;
      }, 'the sealed meetings on Kafka', 60_000);
      expect(values).toMatch(/v1:nor-nairobi:[0-9a-f]{16}:/);
      for (const secret of [...SECRETS, ...KEPT]) expect(values).not.toContain(secret);
    });
  }

  it('refuses to forget an unknown mission (404) or a malformed id (400)', async () => {
    const unknown = await app.http().post('/v1/missions/nobody/forget').expect(404);
    expect(unknown.headers['content-type']).toMatch(/application\/problem\+json/);
    expect(unknown.body).toMatchObject({ status: 404 });
    await app.http().post('/v1/missions/Not_An_Id/forget').expect(400);
  });

  it('forgets a mission\'s notes everywhere, once, and changes no count or status', async () => {
    const before = await figures();
    const replayedBefore = await replay();
    const sealedBefore = await storedPayloads();

    const forgotten = await app.http().post('/v1/missions/nor-nairobi/forget').expect(201);
    expect(forgotten.body.eventIds).toHaveLength(1);
    const again = await app.http().post('/v1/missions/nor-nairobi/forget').expect(201);
    expect(again.body.eventIds).toEqual([]);
    await settled();

    // The outreach record: nothing left to read for nor-nairobi; New Zealand's notes stay.
    const ken = await get('/v1/countries/KEN/outreach');
    expect(ken.items.find((i: any) => i.type === 'MeetingHeld')).toMatchObject({ heldOn: '2026-02-20', summary: null, interlocutors: null, forgotten: true });
    const eth = await get('/v1/countries/ETH/outreach');
    expect(eth.items.find((i: any) => i.type === 'ResponseReceived')).toMatchObject({ group: 'II', obstacles: ['capacity'], notes: null, interlocutors: null, forgotten: true });
    expect((await get('/v1/countries/SAU/outreach')).items[0]).toMatchObject({ summary: KEPT[0], interlocutors: [KEPT[1]] });

    // The history and the export: no plaintext, and no ciphertext of the forgotten mission.
    const history = await get('/v1/events?missionId=nor-nairobi');
    expect(history.items.map((e: any) => e.type)).toContain('MissionNotesForgotten');
    const exported = (await app.http().get('/v1/events/export').expect(200)).text;
    for (const text of [JSON.stringify(history), exported]) {
      for (const secret of SECRETS) expect(text).not.toContain(secret);
      expect(text).not.toContain('v1:nor-nairobi:');
    }
    expect(exported).toContain('v1:nzl-riyadh:');
    // `demarche export` (the command line, on the same data) writes the same forgotten form.
    const root = projectRoot();
    const cli = spawnSync(process.execPath, [join(root, 'bin/demarche.js'), 'export', '--type', 'MeetingHeld,ResponseReceived'], { env: cliEnv(app.dataDir), encoding: 'utf8', cwd: root });
    expect(cli.status).toBe(0);
    for (const secret of SECRETS) expect(cli.stdout).not.toContain(secret);
    expect(cli.stdout).not.toContain('v1:nor-nairobi:');
    expect(cli.stdout).toContain('"forgotten":true');
    expect(cli.stdout).toContain('v1:nzl-riyadh:');
    const meeting = exported.split('\n').filter(Boolean).map((l) => JSON.parse(l)).find((e) => e.type === 'MeetingHeld' && e.data.iso3 === 'KEN');
    expect(meeting.data).toMatchObject({ summary: null, interlocutors: null, forgotten: true });
    expect(meeting.data.sealed).toBeUndefined();

    // The store keeps the ciphertext it had, but the key is gone.
    expect(await storedPayloads()).toEqual(expect.arrayContaining(sealedBefore));
    const raw = await rawStore();
    for (const secret of SECRETS) expect(raw).not.toContain(secret);

    expect(await figures()).toEqual(before);
    // A what-if replay reads the forgotten events without stumbling and derives the same tasks.
    const replayedAfter = await replay();
    expect(replayedAfter.baselineTasks).toEqual(replayedBefore.baselineTasks);
    expect(replayedAfter.onlyBaseline).toEqual(replayedBefore.onlyBaseline);
    expect(replayedAfter.baselineTasks).not.toEqual({});
  });

  if (TEST_PROFILE === 'distributed') {
    it('keeps only ciphertext on Kafka after the forget, whose key no longer exists', async () => {
      const values = await eventually(async () => {
        const text = kafkaValues();
        // Binary mode: the type travels in a header, the value is the payload alone.
        return text.includes('"forgottenOn"') ? text : undefined;
      }, 'MissionNotesForgotten on Kafka', 60_000);
      for (const secret of SECRETS) expect(values).not.toContain(secret);
      // What is on the topic for nor-nairobi is sealed with a key that is no longer stored.
      const keyIds = [...values.matchAll(/v1:nor-nairobi:([0-9a-f]{16}):/g)].map((m) => m[1]);
      expect(keyIds.length).toBeGreaterThan(0);
      const raw = await rawStore();
      for (const keyId of keyIds) expect(raw).not.toMatch(new RegExp(`"keyId":"${keyId}"`));
    });
  }

  it('seals notes recorded after the forget under a fresh key, readable again', async () => {
    await post('/v1/countries/TZA/meetings', { campaignId: 'ccm-2026', missionId: 'nor-nairobi', heldOn: '2026-05-20', summary: 'A fresh start', interlocutors: ['Dr Mwinyi'] }).expect(201);
    const tza = await get('/v1/countries/TZA/outreach');
    expect(tza.items.find((i: any) => i.type === 'MeetingHeld')).toMatchObject({ summary: 'A fresh start', interlocutors: ['Dr Mwinyi'] });
    expect((await get('/v1/countries/KEN/outreach')).items.find((i: any) => i.type === 'MeetingHeld')).toMatchObject({ forgotten: true });
    expect(JSON.stringify(await rawStore())).not.toContain('A fresh start');
    // Forgetting again now destroys the new key, and is recorded again.
    expect((await app.http().post('/v1/missions/nor-nairobi/forget').expect(201)).body.eventIds).toHaveLength(1);
    expect((await get('/v1/countries/TZA/outreach')).items.find((i: any) => i.type === 'MeetingHeld')).toMatchObject({ summary: null, forgotten: true });
    await settled();
  });

  it('rebuilds every read model after the forget to the same documents', async () => {
    const before = await figures();
    for (const projection of ['country-status', 'campaign-summary', 'follow-up-queue', 'state-history']) {
      await app.http().post('/v1/admin/rebuilds').send({ projection }).expect(202);
      const done = await eventually(async () => {
        const run = (await app.http().get(`/v1/admin/rebuilds/${projection}`).expect(200)).body;
        return run.state === 'running' ? undefined : run;
      }, `the rebuild of ${projection}`, 120_000);
      expect({ projection, state: done.state, identical: done.result?.identical, diff: done.result?.identical ? [] : done.result?.diff }).toEqual({ projection, state: 'done', identical: true, diff: [] });
    }
    expect(await figures()).toEqual(before);
  });
});
