/**
 * Contract: bad input of every kind on every endpoint gets a 4xx problem body (RFC 9457,
 * `application/problem+json`, naming the bad field), never a 5xx, and leaves the store unchanged.
 *
 * One app, one valid mission and campaign, a snapshot of the whole event log; then tables of bad
 * requests per endpoint; then the log must read exactly as the snapshot.
 */
import { TABLES, type Case } from '../support/bad-input-cases.js';
import { startTestApp, type RunningApp } from '../support/running-app.js';

describe('bad input', () => {
  let app: RunningApp;
  let before: unknown[];
  const answered: { name: string; status: number }[] = [];

  async function readLog(): Promise<unknown[]> {
    const events: unknown[] = [];
    for (let after: number | null = null; ; ) {
      const page: { items: unknown[]; next: number | null } = (await app.http().get(`/v1/events?limit=1000${after === null ? '' : `&after=${after}`}`).expect(200)).body;
      events.push(...page.items);
      if (page.next === null) return events;
      after = page.next;
    }
  }

  function send(c: Case) {
    let req = c.method === 'get' ? app.http().get(c.path) : app.http().post(c.path);
    for (const [k, v] of Object.entries(c.headers ?? {})) req = req.set(k, v);
    if (c.raw !== undefined) return req.set('content-type', c.contentType ?? 'application/json').send(c.raw);
    return c.body === undefined ? req : req.send(c.body as object);
  }

  beforeAll(async () => {
    app = await startTestApp();
    await app.http().post('/v1/missions').send({ id: 'nor-nairobi', name: 'Embassy of Norway in Nairobi', kind: 'non-resident', coordinator: 'NOR', accreditedTo: ['KEN', 'UGA', 'ETH'] }).expect(201);
    await app.http().post('/v1/missions').send({ id: 'aut-nairobi', name: 'Embassy of Austria in Nairobi', kind: 'resident', coordinator: 'AUT', accreditedTo: ['KEN'] }).expect(201);
    await app.http().post('/v1/campaigns').send({ id: 'ccm-2026', treaty: 'CCM', title: 'CCM universalization 2026', coordinators: ['NOR', 'NZL'], startsOn: '2026-01-10' }).expect(201);
    await app.settle();
    before = await readLog();
  });
  afterAll(() => app?.destroy());

  describe.each(TABLES)('%s', (_endpoint, cases) => {
    it.each(cases.map((c) => [c.name, c] as const))('refuses %s', async (_name, c) => {
      const res = await send(c);
      answered.push({ name: `${c.method ?? 'post'} ${c.path.slice(0, 80)} (${c.name})`, status: res.status });
      const fieldMatcher = c.field instanceof RegExp ? expect.stringMatching(c.field) : c.field;
      expect({ status: res.status, contentType: res.headers['content-type'], body: res.body }).toMatchObject({
        status: c.status ?? expect.any(Number),
        contentType: expect.stringMatching(/^application\/problem\+json/),
        body: {
          type: expect.any(String),
          title: expect.any(String),
          status: res.status,
          detail: expect.any(String),
          ...(c.code ? { code: c.code } : {}),
          ...(c.field ? { errors: expect.arrayContaining([expect.objectContaining({ field: fieldMatcher, message: expect.any(String) })]) } : {}),
        },
      });
      expect(res.status).toBeGreaterThanOrEqual(400);
      expect(res.status).toBeLessThan(500);
    });
  });

  describe('afterwards', () => {
    it('never answered a 5xx', () => {
      expect(answered.length).toBe(TABLES.reduce((n, [, cases]) => n + cases.length, 0));
      expect(answered.filter((a) => a.status >= 500)).toEqual([]);
    });

    it('recorded nothing', async () => {
      await app.settle();
      const after = await readLog();
      // A short list of what was added first, then the exact comparison.
      expect(after.slice(before.length).map((e) => { const { type, streamId } = e as { type: string; streamId: string }; return `${type} ${streamId}`; })).toEqual([]);
      expect(after).toEqual(before);
    });
  });
});
