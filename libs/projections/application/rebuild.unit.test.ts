import { randomUUID } from 'node:crypto';
import { InMemoryEventStore } from '../../event-store/index.js';
import { InMemoryReadModelStore } from '../infrastructure/in-memory-read-model-store.js';
import { applyBatch, type Projection } from './projection.js';
import { upgradeLayouts } from './rebuild.js';
import { ProjectionVersions } from './versions.js';

/** Layout 1 keeps every country's letters in one document; layout 2 gives each country its own. */
const layout1: Projection = {
  name: 'letters',
  collections: ['letters'],
  handles: ['LetterDelivered'],
  async apply(event, view) {
    const { iso3 } = event.data as { iso3: string };
    await view.update<{ id: string; byCountry: Record<string, number> }>('letters', 'all', (doc) => {
      const d = doc ?? { id: 'all', byCountry: {} };
      d.byCountry[iso3] = (d.byCountry[iso3] ?? 0) + 1;
      return d;
    });
  },
};
const layout2: Projection = {
  ...layout1,
  revision: 2,
  async apply(event, view) {
    const { iso3 } = event.data as { iso3: string };
    await view.update<{ id: string; letters: number }>('letters', iso3, (doc) => ({ id: iso3, letters: (doc?.letters ?? 0) + 1 }));
  },
};

async function letters(store: InMemoryEventStore, ...countries: string[]) {
  for (const iso3 of countries) {
    const metadata = { actor: 'test', correlationId: randomUUID(), causationId: randomUUID() };
    await store.append(`outreach-c1-${iso3}`, 'any', [{ id: randomUUID(), type: 'LetterDelivered', schemaVersion: 1, occurredAt: '2026-01-01T00:00:00Z', data: { iso3 }, metadata }]);
  }
}

describe('upgradeLayouts', () => {
  it('rebuilds a read model built under an earlier layout and swaps it in, once', async () => {
    const store = new InMemoryEventStore();
    const readModels = new InMemoryReadModelStore();
    await letters(store, 'KEN', 'UGA', 'KEN');
    await applyBatch(layout1, readModels, await store.readAll(0, 100));
    const log: string[] = [];

    const done = await upgradeLayouts(store, readModels, [layout2], (m) => log.push(m));

    expect(done).toEqual([{ projection: 'letters', from: 1, to: 2, rebuilt: true, events: 3 }]);
    expect(await new ProjectionVersions(readModels).of('letters')).toEqual({ projection: 'letters', active: 2, revision: 2 });
    const active = new ProjectionVersions(readModels).pinned(2);
    expect(await active.find('letters')).toEqual([expect.objectContaining({ id: 'KEN', letters: 2 }), expect.objectContaining({ id: 'UGA', letters: 1 })]);
    expect(await active.checkpoint('letters')).toBe(3);
    expect(log[0]).toMatch(/Read model letters was built by an earlier Demarche with document layout 1; this release writes layout 2/);
    expect(log.at(-1)).toMatch(/rebuilt with layout 2 from 3 events/);
    // The old version is left as it was, for a look back; the next start finds nothing to do.
    expect(await readModels.find('letters')).toEqual([expect.objectContaining({ id: 'all', byCountry: { KEN: 2, UGA: 1 } })]);
    expect(await upgradeLayouts(store, readModels, [layout2], (m) => log.push(m))).toEqual([]);
  });

  it('only marks a read model that nothing was projected into yet', async () => {
    const store = new InMemoryEventStore();
    const readModels = new InMemoryReadModelStore();
    await letters(store, 'KEN');
    const log: string[] = [];

    expect(await upgradeLayouts(store, readModels, [layout2], (m) => log.push(m))).toEqual([{ projection: 'letters', from: 1, to: 2, rebuilt: false, events: 0 }]);
    expect(await new ProjectionVersions(readModels).of('letters')).toEqual({ projection: 'letters', active: 1, revision: 2 });
    expect(log).toEqual([]);
  });

  it('leaves a read model of the current layout alone, and a later layout change rebuilds again', async () => {
    const store = new InMemoryEventStore();
    const readModels = new InMemoryReadModelStore();
    await letters(store, 'KEN');
    await applyBatch(layout1, readModels, await store.readAll(0, 100));
    expect(await upgradeLayouts(store, readModels, [layout1], () => undefined)).toEqual([]);
    await upgradeLayouts(store, readModels, [layout2], () => undefined);
    const layout3 = { ...layout2, revision: 3 };
    expect(await upgradeLayouts(store, readModels, [layout3], () => undefined)).toEqual([{ projection: 'letters', from: 2, to: 3, rebuilt: true, events: 1 }]);
    expect(await new ProjectionVersions(readModels).of('letters')).toEqual({ projection: 'letters', active: 3, revision: 3 });
  });
});
