import fc from 'fast-check';
import { EVENT_STORE, type EventStore } from '../../libs/event-store/index.js';
import { startTestApp, TEST_PROFILE, type RunningApp } from '../support/running-app.js';

/**
 * Generated hostile requests at every endpoint of the OpenAPI description: operator and
 * prototype keys, wrong types, huge strings, deep nesting, unicode, bad content types, bad
 * query strings, unknown ids and tokens. Whatever arrives, Demarche answers below 500, every
 * refusal is a problem+json body, and nothing is stored. Every write generated here carries
 * at least one defect on top of an otherwise valid request, so each must be refused.
 */
const STREAM = '/v1/stream';
const RUNS = TEST_PROFILE === 'distributed' ? 120 : 300;

interface Route {
  readonly method: 'get' | 'post' | 'delete' | 'put' | 'patch';
  readonly path: string;
}

interface HostileRequest {
  readonly route: Route;
  readonly url: string;
  readonly contentType?: string;
  readonly body?: string;
  readonly token: 'admin' | 'none' | 'forged';
  /** What makes it hostile (printed when a run fails). */
  readonly defect: string;
}

/** A valid body for each write, so that the generated defect is the only thing wrong. */
const VALID_BODIES: Record<string, Record<string, unknown>> = {
  'post /v1/missions': { id: 'p-mission', name: 'Probe mission', kind: 'non-resident', coordinator: 'NOR', accreditedTo: ['KEN'] },
  'post /v1/campaigns': { id: 'p-campaign', treaty: 'CCM', title: 'Probe', coordinators: ['NOR'], startsOn: '2026-01-15' },
  'post /v1/countries/{iso3}/letters': { campaignId: 'c1', missionId: 'm1', deliveredOn: '2026-02-01' },
  'post /v1/countries/{iso3}/meetings': { campaignId: 'c1', missionId: 'm1', heldOn: '2026-02-03', summary: 'Met the adviser', interlocutors: ['Ms A'] },
  'post /v1/countries/{iso3}/responses': { campaignId: 'c1', missionId: 'm1', receivedOn: '2026-02-04', group: 'II', obstacles: ['capacity'], notes: 'n', interlocutors: ['Mr B'] },
  'post /v1/countries/{iso3}/treaty-actions': { treaty: 'CCM', action: 'accession', on: '2026-02-01' },
  'post /v1/campaigns/{id}/letters': { missionId: 'm1', deliveredOn: '2026-02-01', countries: ['KEN', 'UGA'] },
  'post /v1/campaigns/{id}/meetings': { meetings: [{ country: 'KEN', missionId: 'm1', heldOn: '2026-02-03', summary: 'Met the adviser' }] },
  'post /v1/campaigns/{id}/imports': { csv: 'kind,country,mission,date\nletter,KEN,m1,2026-02-01', dryRun: true },
  'post /v1/imports/missions': { csv: 'id,name,kind,coordinator,accredited_to\np-m2,Probe,resident,NOR,KEN', dryRun: true },
  'post /v1/campaigns/{id}/responses': { responses: [{ country: 'KEN', missionId: 'm1', receivedOn: '2026-02-04', group: 'II', obstacles: ['capacity'] }] },
  'post /v1/follow-ups/{id}/claim': {},
  'post /v1/follow-ups/{id}/complete': { outcome: 'Done' },
  'post /v1/follow-ups/{id}/reassign': { assignee: 'someone' },
  'post /v1/missions/{id}/forget': {},
  'post /v1/admin/rebuilds': { projection: 'country-status' },
  'post /v1/tokens': { role: 'analyst' },
  'post /v1/tokens/{id}/revoke': {},
  'post /notifications/unsubscribe/{secret}': {},
  'post /v1/me/calendar-feed': {},
  'post /v1/webhooks': { url: 'https://example.org/hook', events: ['follow-up.opened'] },
  'post /v1/webhooks/deliveries/{id}/replay': {},
};

const LONE_SURROGATE = /([\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff])/;
/** Percent-encodes, sending a lone surrogate as the bytes of one (invalid UTF-8) rather than failing. */
const encode = (s: string) => s.split(LONE_SURROGATE).map((part, i) => (i % 2 ? '%ED%A0%80' : encodeURIComponent(part))).join('');

const unicode = fc.constantFrom('Ω≈ç√∫', '👩‍⚖️🇳🇴', '\u202Eevil', 'zero\u200Bwidth', 'nul\u0000byte', '\ud800lone', 'ﷺ', 'Ⅻ', 'İı', '\r\n\t');
const operatorKey = fc.constantFrom('$gt', '$ne', '$where', '$regex', '$in', '$expr', '$function', '$set', 'a.b', '$', '.');
const prototypeKey = fc.constantFrom('__proto__', 'constructor', 'prototype', 'hasOwnProperty', 'toString', 'valueOf', '__defineGetter__');
const hostileKey = fc.oneof(operatorKey, prototypeKey, fc.string({ maxLength: 12 }), unicode);
const hugeString = fc.integer({ min: 4_001, max: 60_000 }).map((n) => 'x'.repeat(n));
const deep = fc.integer({ min: 17, max: 200 }).map((n) => {
  let value: unknown = 'bottom';
  for (let i = 0; i < n; i++) value = i % 2 ? [value] : { a: value };
  return value;
});
const operatorObject = fc.tuple(operatorKey, fc.oneof(fc.string(), fc.integer(), fc.constant(''), fc.constant({}))).map(([k, v]) => ({ [k]: v }));

/** A value that no field of any body accepts. */
const badValue: fc.Arbitrary<unknown> = fc.oneof(
  operatorObject,
  hugeString,
  deep,
  fc.constant(null),
  fc.array(operatorObject, { minLength: 1, maxLength: 3 }),
  fc.dictionary(hostileKey, fc.jsonValue({ maxDepth: 2 }), { minKeys: 1, maxKeys: 3 }),
  fc.integer().map((n) => ({ n })),
  fc.array(fc.integer(), { minLength: 61, maxLength: 200 }),
);

/** A path parameter: a value of the wrong shape, or one that names nothing. */
const pathValue = (name: string) =>
  name === 'iso3'
    ? fc.oneof(fc.constantFrom('XXX', 'QQQ', 'nor', 'NO', 'NORW', '$gt', '..', '%00', '__proto__'), unicode, fc.string({ maxLength: 300 }))
    : fc.oneof(fc.constantFrom('$gt', '$where', '__proto__', 'constructor', '..', 'nobody', 'a.b', '{"$ne":1}'), unicode, fc.string({ minLength: 1, maxLength: 300 }), hugeString.map((s) => s.slice(0, 5000)));

/** A query string that no endpoint accepts, or that only some GETs would. */
const hostileQuery = fc.oneof(
  fc.tuple(fc.constantFrom('campaignId', 'treaty', 'type', 'country', 'limit', 'after', 'asOf', 'knownAt', 'group', 'stream'), operatorKey).map(([k, op]) => `${k}[${op}]=x`),
  fc.constantFrom('campaignId=a&campaignId=b', 'limit=1e9', 'after=-1', 'asOf=2026-02-30', 'type=$where', 'x=1', '__proto__[polluted]=1', 'constructor[prototype][polluted]=1', 'a.b=1', '$where=1', 'limit[]=1', '%ff=%fe', 'treaty=' + 'A'.repeat(5_000)),
  fc.dictionary(hostileKey, fc.oneof(fc.string({ maxLength: 40 }), unicode), { minKeys: 1, maxKeys: 3 }).map((q) =>
    Object.entries(q).map(([k, v]) => `${encode(k)}=${encode(v)}`).join('&'),
  ),
);

const rawBodies = fc.constantFrom(
  '{"campaignId":',
  '[]',
  '"text"',
  '42',
  'null',
  '1e999',
  '{"__proto__":{"polluted":true}}',
  '{"constructor":{"prototype":{"polluted":true}}}',
  '{"a":1,"a":{"$gt":""}}',
  '[' .repeat(5_000) + ']'.repeat(5_000),
  '{"x":"\\ud800"}',
  '\u0000',
);

const contentTypes = fc.constantFrom('text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'application/xml', 'application/json; charset=latin1', 'application/json-patch+json');

function fill(path: string, params: Record<string, string>): string {
  return path.replace(/\{(\w+)\}/g, (_, name: string) => encode(params[name] ?? (name === 'iso3' ? 'KEN' : 'nobody')));
}

/** One hostile request for a route. */
function hostileRequest(route: Route): fc.Arbitrary<HostileRequest> {
  const key = `${route.method} ${route.path}`;
  const names = [...route.path.matchAll(/\{(\w+)\}/g)].map((m) => m[1]!);
  const valid = VALID_BODIES[key];
  const token = fc.constantFrom('admin', 'admin', 'admin', 'admin', 'none', 'forged') as fc.Arbitrary<HostileRequest['token']>;
  const plainUrl = fill(route.path, {});
  const defects: fc.Arbitrary<Omit<HostileRequest, 'route' | 'token'>>[] = [
    hostileQuery.map((q) => ({ url: `${plainUrl}?${q}`, defect: `query ${q.slice(0, 80)}`, ...(valid ? { contentType: 'application/json', body: JSON.stringify(valid) } : {}) })),
  ];
  if (names.length) {
    defects.push(
      fc.record(Object.fromEntries(names.map((n) => [n, pathValue(n)]))).map((params) => ({
        url: fill(route.path, params as Record<string, string>),
        defect: `path ${JSON.stringify(params).slice(0, 80)}`,
        ...(valid ? { contentType: 'application/json', body: JSON.stringify(valid) } : {}),
      })),
    );
  }
  if (valid) {
    const fields = Object.keys(valid);
    defects.push(
      // A field of the valid body replaced by a value no field accepts.
      ...(fields.length
        ? [fc.tuple(fc.constantFrom(...fields), badValue).map(([field, value]) => ({ url: plainUrl, contentType: 'application/json', body: JSON.stringify({ ...valid, [field]: value }), defect: `${field} replaced` }))]
        : []),
      // An extra key: an operator, a prototype key, or a field no DTO has.
      fc.tuple(hostileKey, fc.jsonValue({ maxDepth: 2 })).map(([k, v]) => ({ url: plainUrl, contentType: 'application/json', body: JSON.stringify({ ...valid, [k]: v }), defect: `extra key ${JSON.stringify(k)}` })),
      // The valid body under another content type.
      contentTypes.map((ct) => ({ url: plainUrl, contentType: ct, body: JSON.stringify(valid), defect: `content-type ${ct}` })),
      // Not a JSON object at all.
      rawBodies.map((raw) => ({ url: plainUrl, contentType: 'application/json', body: raw, defect: `raw body ${raw.slice(0, 40)}` })),
    );
  }
  return fc.tuple(fc.oneof(...defects), token).map(([d, t]) => ({ route, token: t, ...d }));
}

/** Starting on the distributed profile seeds the 197 states through MongoDB and Kafka: slow on a busy machine. */
const SETUP_TIMEOUT_MS = 420_000;

describe('hostile requests at every endpoint', () => {
  let app: RunningApp;
  let routes: Route[];
  let store: EventStore;

  beforeAll(async () => {
    app = await startTestApp({ now: '2026-06-01T09:00:00Z' });
    await app.http().post('/v1/missions').send({ id: 'm1', name: 'M', kind: 'non-resident', coordinator: 'NOR', accreditedTo: ['KEN', 'ETH'] }).expect(201);
    await app.http().post('/v1/campaigns').send({ id: 'c1', treaty: 'CCM', title: 'C', coordinators: ['NOR'], startsOn: '2026-01-01' }).expect(201);
    // No settling: the refusals come from validation and from the log, not the read models.
    store = app.app.get<EventStore>(EVENT_STORE);
    const doc = (await app.http().get('/docs/openapi.json').expect(200)).body as { paths: Record<string, Record<string, unknown>> };
    routes = Object.entries(doc.paths).flatMap(([path, ops]) =>
      Object.keys(ops)
        .filter((m) => ['get', 'post', 'delete', 'put', 'patch'].includes(m))
        .map((method) => ({ method: method as Route['method'], path })),
    );
  }, SETUP_TIMEOUT_MS);
  afterAll(() => app?.destroy());

  async function send(r: HostileRequest) {
    const agent = r.token === 'admin' ? app.http() : r.token === 'forged' ? app.as('forged-token-that-was-never-issued') : app.as(undefined);
    // Streams (server-sent events) would stay open: ask for them with a short timeout.
    let req = agent[r.route.method](r.url).timeout({ response: 10_000 });
    if (r.contentType) req = req.set('content-type', r.contentType);
    if (r.body !== undefined) req = req.send(r.body);
    return req.buffer(true).ok(() => true);
  }

  async function check(r: HostileRequest, head: number): Promise<void> {
    const res = await send(r);
    const what = `${r.route.method.toUpperCase()} ${r.url.slice(0, 200)} (${r.defect}, token ${r.token}) answered ${res.status}`;
    if (res.status >= 500) throw new Error(`${what}: ${res.text?.slice(0, 300)}`);
    if (res.status >= 400) {
      if (!/^application\/problem\+json/.test(String(res.headers['content-type']))) throw new Error(`${what} without a problem body (${res.headers['content-type']})`);
      if (res.body?.status !== res.status || typeof res.body?.title !== 'string') throw new Error(`${what} with a malformed problem body: ${res.text?.slice(0, 300)}`);
    } else if (r.route.method !== 'get') {
      throw new Error(`${what}: a hostile write was accepted`);
    }
    const after = await store.headPosition();
    if (after !== head) throw new Error(`${what} and the log moved from ${head} to ${after}`);
  }

  it('reads the routes from the OpenAPI description', () => {
    expect(routes.length).toBeGreaterThanOrEqual(25);
    // Every write of the API has a valid body here, so its defects are what the test varies.
    for (const r of routes.filter((r) => r.method === 'post')) expect(Object.keys(VALID_BODIES)).toContain(`${r.method} ${r.path}`);
  });

  it('refuses a few hostile requests at each route in turn', async () => {
    const head = await store.headPosition();
    for (const route of routes) {
      if (route.path === STREAM) {
        // An accepted request would hold the stream open: only operator-shaped queries here.
        for (const q of ['campaignId[$ne]=x', '$where=1', 'a.b=1', 'campaignId=a&campaignId=b']) await check({ route, url: `${STREAM}?${q}`, token: 'admin', defect: `query ${q}` }, head);
        continue;
      }
      for (const r of fc.sample(hostileRequest(route), { numRuns: 4, seed: 42 })) await check(r, head);
    }
  });

  it(`never answers 5xx, always with a problem body, and stores nothing (${RUNS} runs)`, async () => {
    const head = await store.headPosition();
    const candidates = routes.filter((r) => r.path !== STREAM);
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...candidates).chain((route) => hostileRequest(route)), async (r) => check(r, head)),
      { numRuns: RUNS },
    );
    // The app runs in this process: nothing leaked onto the prototypes.
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.prototype.hasOwnProperty.call(Object.prototype, 'polluted')).toBe(false);
  });
});
