import { demarcheEventRegistry } from '../../apps/runtime/event-types.js';
import { DomainError, addDays, type Decider, type DomainEvent, type Iso3 } from '../../libs/kernel/index.js';
import { InMemoryReadModelStore, applyBatch, withoutBookkeeping, type ReadModelStore } from '../../libs/projections/index.js';
import { READ_MODEL_PROJECTIONS } from '../../apps/runtime/projection-catalog.js';
import { campaignDecider, campaignStreamId, countryOutreachDecider, missionDecider, missionStreamId, outreachStreamId, OBSTACLES, type Campaign, type Mission } from '../../libs/outreach/index.js';
import { countryStreamId, treatyStatusDecider, treatyStatusStreamId } from '../../libs/treaty-status/index.js';
import { FOLLOW_UPS, followUpDecider, followUpStreamId, type FollowUpView } from '../../libs/follow-ups/index.js';
import { CCM, ManualClock, CCM_PLAYBOOK } from '../support/scenario.js';
import { Engine } from '../../libs/follow-ups/infrastructure/engine.js';

/** A small seeded generator, so the history is the same on every run. */
function prng(seed: number) {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

async function snapshot(store: ReadModelStore): Promise<Record<string, unknown[]>> {
  const out: Record<string, unknown[]> = {};
  for (const p of READ_MODEL_PROJECTIONS) for (const c of p.collections) out[c] = await store.find(c);
  return out;
}

describe('determinism of the read models', () => {
  it('builds the same read models replaying 100,000+ events at once as it did live, batch by batch', async () => {
    const random = prng(20081203);
    const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)]!;
    const clock = new ManualClock(new Date('2025-12-31T09:00:00Z'));
    const engine = new Engine({ clock, rules: { playbookFor: () => CCM_PLAYBOOK, treatyFor: () => CCM }, registry: demarcheEventRegistry(), projections: READ_MODEL_PROJECTIONS });
    const meta = { actor: 'generator', correlationId: 'gen', causationId: 'gen' };
    const run = async <C, S, E extends DomainEvent>(streamId: string, decider: Decider<C, S, E>, command: C, metadata = meta) => {
      try {
        return await engine.runner.run(streamId, decider, command, metadata);
      } catch (error) {
        if (error instanceof DomainError) return undefined;
        throw error;
      }
    };

    const subregions = ['Eastern Africa', 'Western Africa', 'Western Asia', 'South America', 'Caribbean', 'Polynesia'];
    const countries: Iso3[] = [];
    for (let i = 0; i < 72; i++) {
      const iso3 = `Q${String.fromCharCode(65 + Math.floor(i / 26))}${String.fromCharCode(65 + (i % 26))}`;
      countries.push(iso3);
      const decider = {
        decide: (_c: unknown, s: unknown) => (s ? [] : [{ type: 'CountryRegistered' as const, occurredAt: '1945-10-24', data: { iso3, name: `State ${iso3}`, region: 'Test', subregion: subregions[i % subregions.length]! } }]),
        evolve: (_s: unknown, e: { data: unknown }) => e.data,
        initialState: () => undefined as unknown,
      };
      await engine.runner.run(countryStreamId(iso3), decider, {}, meta);
    }
    const campaigns: { campaign: Campaign; missions: Mission[] }[] = [];
    for (let c = 0; c < 12; c++) {
      const campaign = (await engine.runner.run(campaignStreamId(`c${c}`), campaignDecider, { campaignId: `c${c}`, treaty: 'CCM', title: `Campaign ${c}`, coordinators: ['NOR'], startsOn: '2026-01-01', treatyOpenedOn: CCM.openedForSignatureOn }, meta)).events[0]!.data as Campaign;
      const missions: Mission[] = [];
      for (let m = 0; m < 3; m++) {
        const accreditedTo = [...new Set(Array.from({ length: 12 }, () => pick(countries)))];
        missions.push((await engine.runner.run(missionStreamId(`c${c}-m${m}`), missionDecider, { missionId: `c${c}-m${m}`, name: 'M', kind: 'non-resident', coordinator: 'NOR', accreditedTo, today: '2026-01-01' }, meta)).events[0]!.data as Mission);
      }
      campaigns.push({ campaign, missions });
    }

    let today = '2026-01-01';
    while ((await engine.store.headPosition()) < 100_000) {
      clock.set(today);
      // The coordinators' view of the queues, read once a day.
      const queues = { open: await engine.readModels.find<FollowUpView>(FOLLOW_UPS, { state: 'open' }), claimed: await engine.readModels.find<FollowUpView>(FOLLOW_UPS, { state: 'claimed' }) };
      for (let k = 0; k < 60; k++) {
        const { campaign, missions } = pick(campaigns);
        const mission = pick(missions);
        const iso3 = pick(mission.accreditedTo);
        const base = { campaign, mission, iso3, today };
        const roll = random();
        if (roll < 0.3) await run(outreachStreamId(campaign.campaignId, iso3), countryOutreachDecider, { ...base, kind: 'deliver-letter', deliveredOn: today }, meta);
        else if (roll < 0.45) await run(outreachStreamId(campaign.campaignId, iso3), countryOutreachDecider, { ...base, kind: 'hold-meeting', heldOn: today, summary: `Meeting ${k}` }, meta);
        else if (roll < 0.85) {
          const group = pick(['I', 'II', 'III'] as const);
          const answer = group === 'I' ? (random() < 0.5 ? { ratificationUnderWay: true } : { wishesToSign: true }) : group === 'II' ? { obstacles: [...new Set([pick(OBSTACLES), pick(OBSTACLES)])] } : {};
          await run(outreachStreamId(campaign.campaignId, iso3), countryOutreachDecider, { ...base, kind: 'record-response', receivedOn: today, group, ...answer }, meta);
        } else if (roll < 0.87) {
          await run(treatyStatusStreamId('CCM', iso3), treatyStatusDecider, { treaty: CCM, iso3, action: random() < 0.7 ? 'accession' : 'withdrawal', on: today, today }, meta);
        } else {
          const open = random() < 0.5 ? queues.open : queues.claimed;
          if (open.length) {
            const task = pick(open);
            const work = task.state === 'open' ? { kind: 'claim' as const, assignee: pick(['ana', 'bo']), on: today } : { kind: 'complete' as const, outcome: 'done', by: task.assignee!, on: today };
            await run(followUpStreamId(task.id), followUpDecider, work, meta);
          }
        }
      }
      await engine.settle(1000);
      today = addDays(today, 1);
    }

    const head = await engine.store.headPosition();
    expect(head).toBeGreaterThanOrEqual(100_000);
    const live = await snapshot(engine.readModels);
    expect((live['follow-ups'] ?? []).length).toBeGreaterThan(1000);

    // Replay everything at once into fresh read models, in large batches.
    const replayed = new InMemoryReadModelStore();
    for (let after = 0; ; ) {
      const batch = await engine.store.readAll(after, 5000);
      if (!batch.length) break;
      for (const p of READ_MODEL_PROJECTIONS) await applyBatch(p, replayed, batch);
      after = batch[batch.length - 1]!.position;
    }
    const rebuilt = await snapshot(replayed);
    for (const collection of Object.keys(live)) {
      expect(rebuilt[collection]!.length).toBe(live[collection]!.length);
      expect(rebuilt[collection]!.map((d) => withoutBookkeeping(d as object))).toEqual(live[collection]!.map((d) => withoutBookkeeping(d as object)));
    }

    // The playbook, replayed from scratch over the same log, adds nothing to it.
    await engine.readModels.reset(engine.workflow.name, engine.workflow.collections);
    for (const p of READ_MODEL_PROJECTIONS) await engine.readModels.reset(p.name, p.collections);
    await engine.settle(5000);
    const extra = await engine.store.readAll(head, 100);
    expect(extra.map((e) => `${e.type} ${e.streamId} ${JSON.stringify(e.data).slice(0, 200)}`)).toEqual([]);
    expect(await engine.store.headPosition()).toBe(head);
    expect(await snapshot(engine.readModels)).toEqual(rebuilt);
  }, 300_000);
});
