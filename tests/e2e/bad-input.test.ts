/**
 * Contract: bad input of every kind on every endpoint gets a 4xx problem body (RFC 9457,
 * `application/problem+json`, naming the bad field), never a 5xx, and leaves the store unchanged.
 *
 * One app, one valid mission and campaign, a snapshot of the whole event log; then tables of bad
 * requests per endpoint; then the log must read exactly as the snapshot.
 */
import { startTestApp, type RunningApp } from '../support/running-app.js';

interface Case {
  readonly name: string;
  readonly method?: 'get' | 'post';
  readonly path: string;
  /** Sent as JSON. */
  readonly body?: unknown;
  /** Sent byte for byte, with `contentType` (default application/json). */
  readonly raw?: string;
  readonly contentType?: string;
  readonly headers?: Readonly<Record<string, string>>;
  /** The exact status, when it is clear; otherwise any 4xx. */
  readonly status?: number;
  readonly code?: string;
  /** An `errors[].field` the problem must name. */
  readonly field?: string | RegExp;
}

type Body = Record<string, unknown>;
const without = (body: Body, key: string): Body => Object.fromEntries(Object.entries(body).filter(([k]) => k !== key));
const enc = encodeURIComponent;
const LONG = 'x'.repeat(5000);
const INJECTION = { $gt: '' };
/** Valid JSON with a key that a JS object literal cannot carry as an own property. */
const withRawKey = (body: Body, key: string, value: unknown) => `${JSON.stringify(body).slice(0, -1)},${JSON.stringify(key)}:${JSON.stringify(value)}}`;
const deeplyNested = (depth: number) => '['.repeat(depth) + ']'.repeat(depth);

// Valid bodies that the cases spoil one field at a time (none of them is sent as is).
const MISSION: Body = { id: 'nor-addis', name: 'Embassy of Norway in Addis Ababa', kind: 'non-resident', coordinator: 'NOR', accreditedTo: ['KEN', 'ETH'] };
const CAMPAIGN: Body = { id: 'ccm-2027', treaty: 'CCM', title: 'Second push', coordinators: ['NOR'], startsOn: '2026-06-01' };
const IDS = { campaignId: 'ccm-2026', missionId: 'nor-nairobi' };
const LETTER: Body = { ...IDS, deliveredOn: '2026-02-02' };
const MEETING: Body = { ...IDS, heldOn: '2026-02-03', summary: 'Met the legal adviser.' };
const RESPONSE: Body = { ...IDS, receivedOn: '2026-02-04', group: 'II', obstacles: ['capacity'], notes: 'Needs help with stockpile destruction.' };
const ACTION: Body = { treaty: 'CCM', action: 'accession', on: '2020-01-01', source: 'UNTC' }; // valid for a never-signer
// Cases that spoil one field use their own ids and countries, so that a bug that records one of them cannot change
// the answer to another: missions nor-addis / nor-rules, campaigns ccm-2027 / ccm-rules, never-signers PAK / USA / BRA.

const BAD_DATES = ['2026-02-30', '2026-13-01', '26-01-01', '2026-1-1', '2026-02-02T00:00:00Z', '', 20260202, null, INJECTION];
const BAD_ISO3_PATHS: [string, number, string?][] = [
  ['ken', 400], ['KE', 400], ['KENY', 400], ['K1N', 400], [enc(JSON.stringify(INJECTION)), 400], ['XXX', 404, 'unknown-country'],
];

/** The usual spoilers of a body: each required field missing, wrong types, unknown fields. */
function commonCases(path: string, base: Body, required: readonly string[], strings: readonly string[]): Case[] {
  return [
    ...required.map((f): Case => ({ name: `missing ${f}`, path, body: without(base, f), status: 400, field: f })),
    ...strings.flatMap((f): Case[] => [
      { name: `${f} as a number`, path, body: { ...base, [f]: 42 }, status: 400, field: f },
      { name: `${f} as null`, path, body: { ...base, [f]: null }, status: 400, field: f },
      { name: `${f} as an array`, path, body: { ...base, [f]: [base[f]] }, status: 400, field: f },
      { name: `${f} as a query operator`, path, body: { ...base, [f]: INJECTION }, status: 400, field: f },
      { name: `${f} of 5000 characters`, path, body: { ...base, [f]: LONG }, status: 400, field: f },
    ]),
    { name: 'an unknown field', path, body: { ...base, colour: 'blue' }, status: 400, field: 'colour' },
    { name: 'an operator as a field', path, body: { ...base, $where: 'true' }, status: 400, field: '$where' },
    // keys that shadow Object.prototype members must be refused, not silently dropped by the mapper.
    { name: 'a __proto__ field', path, raw: withRawKey(base, '__proto__', { admin: true }), status: 400, field: '__proto__' },
    { name: 'a constructor field', path, raw: withRawKey(base, 'constructor', 'x'), status: 400, field: 'constructor' },
    // deep nesting must be refused before the mapper recurses into it.
    { name: 'a deeply nested value', path, raw: `{"${required[0]}":${deeplyNested(5000)}}`, status: 400, field: required[0] },
    { name: 'malformed JSON', path, raw: '{"id": "x",' },
    { name: 'not JSON at all', path, raw: 'hello' },
    { name: 'a JSON string', path, raw: '"hello"' },
    { name: 'JSON null', path, raw: 'null' },
    { name: 'a JSON array', path, body: [base] },
    { name: 'an empty body', path, raw: '', status: 400, field: required[0] },
    { name: 'a text/plain body', path, raw: JSON.stringify(base), contentType: 'text/plain', status: 415 },
    { name: 'a form body', path, raw: new URLSearchParams(base as Record<string, string>).toString(), contentType: 'application/x-www-form-urlencoded', status: 415 },
    { name: 'a body over 100 kB', path, body: { ...base, padding: 'x'.repeat(110_000) }, status: 413 },
    { name: 'a latin1 charset', path, raw: JSON.stringify(base), contentType: 'application/json; charset=latin1', status: 415 },
    { name: 'an unknown content encoding', path, raw: JSON.stringify(base), headers: { 'content-encoding': 'bogus' }, status: 415 },
    { name: 'a broken gzip body', path, raw: JSON.stringify(base), headers: { 'content-encoding': 'gzip' } },
  ];
}

const dateCases = (path: string, base: Body, field: string): Case[] =>
  BAD_DATES.map((d): Case => ({ name: `${field} ${JSON.stringify(d)}`, path, body: { ...base, [field]: d }, status: 400, field }));

const iso3PathCases = (make: (iso3: string) => string, body?: Body, method: 'get' | 'post' = 'post'): Case[] =>
  BAD_ISO3_PATHS.map(([iso3, status, code]): Case => ({ name: `path iso3 ${decodeURIComponent(iso3)}`, method, path: make(iso3), ...(body ? { body } : {}), status, field: 'iso3', ...(code ? { code } : {}) }));

const outreachCases = (kind: string, base: Body, dateField: string, required: readonly string[], strings: readonly string[]): Case[] => {
  const path = `/v1/countries/KEN/${kind}`;
  return [
    ...commonCases(path, base, required, strings),
    ...dateCases(path, base, dateField),
    ...iso3PathCases((iso3) => `/v1/countries/${iso3}/${kind}`, base),
    { name: `${dateField} in the future`, path, body: { ...base, [dateField]: '2099-01-01' }, status: 422, code: 'in-the-future', field: dateField },
    { name: `${dateField} before the campaign`, path, body: { ...base, [dateField]: '2026-01-09' }, status: 422, code: 'before-campaign', field: dateField },
    { name: `${dateField} before the treaty opened`, path, body: { ...base, [dateField]: '2008-12-02' }, status: 422, field: dateField },
    { name: 'an unknown campaign', path, body: { ...base, campaignId: 'no-such-campaign' }, status: 404, code: 'unknown-campaign', field: 'campaignId' },
    { name: 'an unknown mission', path, body: { ...base, missionId: 'no-such-mission' }, status: 404, code: 'unknown-mission', field: 'missionId' },
    { name: 'a campaign id in upper case', path, body: { ...base, campaignId: 'CCM-2026' }, status: 400, field: 'campaignId' },
    { name: 'a mission not accredited to the country', path: `/v1/countries/NGA/${kind}`, body: base, status: 422, code: 'not-accredited', field: 'missionId' },
    { name: 'a mission of a state outside the campaign', path, body: { ...base, missionId: 'aut-nairobi' }, status: 422, code: 'mission-not-in-campaign', field: 'missionId' },
  ];
};

const TABLES: [string, Case[]][] = [
  ['POST /v1/missions', [
    ...commonCases('/v1/missions', MISSION, ['id', 'name', 'kind', 'coordinator', 'accreditedTo'], ['id', 'name', 'coordinator']),
    ...([['an id in upper case', { id: 'NOR-Addis' }, 'id'], ['an id with a space', { id: 'nor addis' }, 'id'], ['an id starting with a hyphen', { id: '-nor' }, 'id'],
      ['an empty name', { name: '' }, 'name'], ['kind "embassy"', { kind: 'embassy' }, 'kind'], ['kind as a number', { kind: 1 }, 'kind'], ['kind null', { kind: null }, 'kind'],
      ['a lower-case coordinator', { coordinator: 'nor' }, 'coordinator'], ['a 2-letter coordinator', { coordinator: 'NO' }, 'coordinator'],
      ['accreditedTo as a string', { accreditedTo: 'KEN' }, 'accreditedTo'], ['accreditedTo empty', { accreditedTo: [] }, 'accreditedTo'],
      ['accreditedTo as an object', { accreditedTo: { 0: 'KEN' } }, 'accreditedTo'], ['accreditedTo null', { accreditedTo: null }, 'accreditedTo'],
      ['a lower-case accreditedTo entry', { accreditedTo: ['KEN', 'eth'] }, /^accreditedTo(\[1\])?$/], ['a 2-letter accreditedTo entry', { accreditedTo: ['KEN', 'ET'] }, /^accreditedTo(\[1\])?$/],
      ['a number in accreditedTo', { accreditedTo: ['KEN', 404] }, /^accreditedTo(\[1\])?$/], ['null in accreditedTo', { accreditedTo: ['KEN', null] }, /^accreditedTo(\[1\])?$/],
      ['an operator in accreditedTo', { accreditedTo: [INJECTION] }, /^accreditedTo(\[0\])?$/], ['a nested array in accreditedTo', { accreditedTo: [['KEN']] }, /^accreditedTo(\[0\])?$/],
      ['61 accreditedTo entries', { accreditedTo: Array.from({ length: 61 }, () => 'KEN') }, 'accreditedTo'],
    ] as const).map(([name, patch, field]): Case => ({ name, path: '/v1/missions', body: { ...MISSION, ...patch }, status: 400, field })),
    { name: 'an unknown coordinator', path: '/v1/missions', body: { ...MISSION, id: 'nor-rules', coordinator: 'XXX' }, status: 404, code: 'unknown-country', field: 'coordinator' },
    { name: 'an unknown accredited country', path: '/v1/missions', body: { ...MISSION, id: 'nor-rules', accreditedTo: ['KEN', 'XXX'] }, status: 404, code: 'unknown-country', field: 'accreditedTo[1]' },
    { name: 'a country accredited twice', path: '/v1/missions', body: { ...MISSION, id: 'nor-rules', accreditedTo: ['KEN', 'KEN'] }, status: 422, code: 'duplicate-accreditation', field: 'accreditedTo' },
    { name: 'a resident mission covering two', path: '/v1/missions', body: { ...MISSION, id: 'nor-rules', kind: 'resident' }, status: 422, code: 'resident-covers-one', field: 'accreditedTo' },
    { name: 'an existing id with other details', path: '/v1/missions', body: { ...MISSION, id: 'nor-nairobi' }, status: 409, code: 'mission-exists', field: 'id' },
  ]],
  ['POST /v1/campaigns', [
    ...commonCases('/v1/campaigns', CAMPAIGN, ['id', 'treaty', 'title', 'coordinators', 'startsOn'], ['id', 'treaty', 'title']),
    ...dateCases('/v1/campaigns', CAMPAIGN, 'startsOn'),
    ...([['a lower-case treaty', { treaty: 'ccm' }, 'treaty'], ['an empty title', { title: '' }, 'title'],
      ['coordinators as a string', { coordinators: 'NOR' }, 'coordinators'], ['coordinators empty', { coordinators: [] }, 'coordinators'],
      ['a lower-case coordinator', { coordinators: ['nor'] }, /^coordinators(\[0\])?$/], ['an operator in coordinators', { coordinators: [INJECTION] }, /^coordinators(\[0\])?$/],
      ['11 coordinators', { coordinators: Array.from({ length: 11 }, () => 'NOR') }, 'coordinators'],
    ] as const).map(([name, patch, field]): Case => ({ name, path: '/v1/campaigns', body: { ...CAMPAIGN, ...patch }, status: 400, field })),
    { name: 'an unknown treaty', path: '/v1/campaigns', body: { ...CAMPAIGN, id: 'ccm-rules', treaty: 'XYZ' }, status: 404, code: 'unknown-treaty', field: 'treaty' },
    { name: 'an unknown coordinator', path: '/v1/campaigns', body: { ...CAMPAIGN, id: 'ccm-rules', coordinators: ['NOR', 'XXX'] }, status: 404, code: 'unknown-country', field: 'coordinators[1]' },
    { name: 'a coordinator twice', path: '/v1/campaigns', body: { ...CAMPAIGN, id: 'ccm-rules', coordinators: ['NOR', 'NOR'] }, status: 422, code: 'duplicate-coordinator', field: 'coordinators' },
    // a campaign cannot start before its treaty opened for signature.
    { name: 'startsOn before the treaty opened', path: '/v1/campaigns', body: { ...CAMPAIGN, id: 'ccm-2008', startsOn: '2008-12-02' }, status: 422, field: 'startsOn' },
    { name: 'an existing id with other details', path: '/v1/campaigns', body: { ...CAMPAIGN, id: 'ccm-2026' }, status: 409, code: 'campaign-exists', field: 'id' },
  ]],
  ['POST /v1/countries/{iso3}/letters', outreachCases('letters', LETTER, 'deliveredOn', ['campaignId', 'missionId', 'deliveredOn'], ['campaignId', 'missionId'])],
  ['POST /v1/countries/{iso3}/meetings', [
    ...outreachCases('meetings', MEETING, 'heldOn', ['campaignId', 'missionId', 'heldOn'], ['campaignId', 'missionId']),
    ...([['summary as a number', 42], ['summary as an array', ['a']], ['summary as a query operator', INJECTION], ['summary of 5000 characters', LONG],
      // an optional field may be left out, but a null is refused.
      ['summary null', null],
    ] as const).map(([name, summary]): Case => ({ name, path: '/v1/countries/KEN/meetings', body: { ...MEETING, summary }, status: 400, field: 'summary' })),
  ]],
  ['POST /v1/countries/{iso3}/responses', [
    ...outreachCases('responses', RESPONSE, 'receivedOn', ['campaignId', 'missionId', 'receivedOn', 'group'], ['campaignId', 'missionId']),
    ...([['group "IV"', { group: 'IV' }, 'group'], ['group "ii"', { group: 'ii' }, 'group'], ['group as a number', { group: 2 }, 'group'], ['group null', { group: null }, 'group'],
      ['obstacles as a string', { obstacles: 'capacity' }, 'obstacles'], ['an unknown obstacle', { obstacles: ['money'] }, /^obstacles(\[0\])?$/],
      ['an operator in obstacles', { obstacles: [INJECTION] }, /^obstacles(\[0\])?$/], ['8 obstacles', { obstacles: ['capacity', 'other', 'ccw-preference', 'awaiting-major-producers', 'regional-reciprocity', 'security-environment', 'domestic-politics', 'other'] }, 'obstacles'],
      ['ratificationUnderWay "yes"', { group: 'I', obstacles: [], ratificationUnderWay: 'yes' }, 'ratificationUnderWay'], ['ratificationUnderWay 1', { group: 'I', obstacles: [], ratificationUnderWay: 1 }, 'ratificationUnderWay'],
      ['wishesToSign "true"', { group: 'I', obstacles: [], wishesToSign: 'true' }, 'wishesToSign'],
      ['notes as a number', { notes: 42 }, 'notes'], ['notes as a query operator', { notes: INJECTION }, 'notes'], ['notes of 5000 characters', { notes: LONG }, 'notes'],
      // `obstacles: null` is refused at the edge (it once reached the decider).
      ['obstacles null', { group: 'III', obstacles: null }, 'obstacles'],
      // null optional fields are refused, never stored.
      ['notes null', { group: 'III', obstacles: ['other'], notes: null }, 'notes'],
      ['ratificationUnderWay null', { group: 'I', obstacles: undefined, ratificationUnderWay: null, receivedOn: '2026-02-05' }, 'ratificationUnderWay'],
      ['wishesToSign null', { group: 'I', obstacles: undefined, wishesToSign: null, receivedOn: '2026-02-06' }, 'wishesToSign'],
    ] as const).map(([name, patch, field]): Case => ({ name, path: '/v1/countries/KEN/responses', body: { ...RESPONSE, ...patch }, status: 400, field })),
    ...([['group II without obstacles', { obstacles: undefined }, 'obstacles-required', 'obstacles'], ['group II with no obstacles', { obstacles: [] }, 'obstacles-required', 'obstacles'],
      ['group I with obstacles', { group: 'I' }, 'group-mismatch', 'obstacles'], ['a repeated obstacle', { obstacles: ['capacity', 'capacity'] }, 'duplicate-obstacle', 'obstacles'],
      ['ratificationUnderWay on group III', { group: 'III', ratificationUnderWay: true }, 'group-mismatch', 'ratificationUnderWay'],
      ['wishesToSign on group II', { wishesToSign: true }, 'group-mismatch', 'wishesToSign'],
    ] as const).map(([name, patch, code, field]): Case => ({ name, path: '/v1/countries/KEN/responses', body: { ...RESPONSE, ...patch }, status: 422, code, field })),
  ]],
  ['POST /v1/countries/{iso3}/treaty-actions', [
    ...commonCases('/v1/countries/PAK/treaty-actions', ACTION, ['treaty', 'action', 'on'], ['treaty']),
    ...dateCases('/v1/countries/PAK/treaty-actions', ACTION, 'on'),
    ...iso3PathCases((iso3) => `/v1/countries/${iso3}/treaty-actions`, ACTION),
    ...([['a lower-case treaty', { treaty: 'ccm' }, 'treaty'], ['action "ratify"', { action: 'ratify' }, 'action'], ['action in upper case', { action: 'ACCESSION' }, 'action'],
      ['action null', { action: null }, 'action'], ['action as an array', { action: ['accession'] }, 'action'], ['action as a query operator', { action: INJECTION }, 'action'],
      ['source as a number', { source: 42 }, 'source'], ['source as an array', { source: ['UNTC'] }, 'source'],
      ['source as a query operator', { source: INJECTION }, 'source'], ['source of 5000 characters', { source: LONG }, 'source'],
    ] as const).map(([name, patch, field]): Case => ({ name, path: '/v1/countries/PAK/treaty-actions', body: { ...ACTION, ...patch }, status: 400, field })),
    // a null source is refused. Brazil is a never-signer used only here.
    { name: 'source null', path: '/v1/countries/BRA/treaty-actions', body: { ...ACTION, source: null }, status: 400, field: 'source' },
    ...([['an unknown treaty', 'USA', { treaty: 'XYZ' }, 404, 'unknown-treaty', 'treaty'],
      ['a date in the future', 'USA', { on: '2099-01-01' }, 422, 'in-the-future', 'on'],
      ['a date before the treaty opened', 'USA', { on: '2008-12-02' }, 422, 'before-opening', 'on'],
      ['ratification by a never-signer', 'USA', { action: 'ratification' }, 422, 'not-signed', 'action'],
      ['approval by a never-signer', 'IND', { action: 'approval' }, 422, 'not-signed', 'action'],
      ['signature after 2010-08-01', 'USA', { action: 'signature', on: '2011-01-01' }, 422, 'signature-closed', 'action'],
      ['accession by a signatory', 'AGO', {}, 422, 'signed-already', 'action'],
      ['withdrawal by a non-party', 'USA', { action: 'withdrawal' }, 422, 'not-a-party', 'action'],
      ['withdrawal dated before the deposit', 'NZL', { action: 'withdrawal', on: '2009-06-01' }, 422, 'before-deposit', 'on'],
      ['ratification dated before the treaty opened', 'AGO', { action: 'ratification', on: '2008-12-01' }, 422, 'before-opening', 'on'],
      ['ratification by a state party', 'NOR', { action: 'ratification' }, 409, 'already-party', 'action'],
      ['a second signature', 'AGO', { action: 'signature', on: '2009-01-01' }, 409, 'already-signed', 'action'],
      ['an act after withdrawal', 'LTU', { action: 'ratification', on: '2026-01-01' }, 409, 'withdrawn', 'action'],
    ] as const).map(([name, iso3, patch, status, code, field]): Case => ({ name, path: `/v1/countries/${iso3}/treaty-actions`, body: { ...ACTION, ...patch }, status, code, field })),
  ]],
  ['GET /v1/countries/{iso3}', [
    ...iso3PathCases((iso3) => `/v1/countries/${iso3}`, undefined, 'get'),
    ...([['an unknown treaty', '?treaty=XYZ', 404, 'treaty'], ['an empty treaty', '?treaty=', 404, 'treaty'], ['a lower-case treaty', '?treaty=ccm', 404, 'treaty'],
      ['a repeated treaty', '?treaty=CCM&treaty=CCM', 400, 'treaty'], ['an unknown query parameter', '?colour=blue', 400, 'colour'],
      ['an operator in the query', '?treaty[$ne]=x', 400, 'treaty[$ne]'],
    ] as const).map(([name, q, status, field]): Case => ({ name, method: 'get', path: `/v1/countries/NOR${q}`, status, field })),
    { name: 'an undecodable path', method: 'get', path: '/v1/countries/%E0%A4%A', status: 400 },
  ]],
  ['GET /v1/countries', ([
    ['treatyStatus=bogus', '?treatyStatus=bogus', 400, 'treatyStatus'], ['group=IV', '?group=IV', 400, 'group'], ['an unknown treaty', '?treaty=XYZ', 404, 'treaty'],
    ['a repeated group', '?group=I&group=II', 400, 'group'], ['an unknown query parameter', '?colour=blue', 400, 'colour'],
    ['an operator in the query', '?region[$ne]=x', 400, 'region[$ne]'], ['an operator on treatyStatus', '?treatyStatus[$in]=signatory', 400, 'treatyStatus[$in]'],
  ] as const).map(([name, q, status, field]): Case => ({ name, method: 'get', path: `/v1/countries${q}`, status, field }))],
  ['GET /v1/follow-ups', ([
    ['queue=x', '?queue=x', 'queue'], ['state=x', '?state=x', 'state'], ['a repeated queue', '?queue=bilateral&queue=regional', 'queue'],
    ['a malformed campaignId', '?campaignId=CCM_2026', 'campaignId'], ['an empty campaignId', '?campaignId=', 'campaignId'], ['a campaignId of 5000 characters', `?campaignId=${LONG}`, 'campaignId'],
    ['an unknown query parameter', '?colour=blue', 'colour'], ['an operator in the query', '?campaignId[$gt]=', 'campaignId[$gt]'],
  ] as const).map(([name, q, field]): Case => ({ name, method: 'get', path: `/v1/follow-ups${q}`, status: 400, field }))],
  ['POST /v1/follow-ups/{id}/claim', [
    { name: 'an unknown follow-up', path: '/v1/follow-ups/no-such-task/claim', body: {}, status: 404, code: 'unknown-follow-up', field: 'id' },
    ...(['BAD_ID', enc('$where'), enc('a b'), enc('{"$gt":""}'), 'a'.repeat(500)]).map((id): Case => ({ name: `id ${decodeURIComponent(id).slice(0, 20)}`, path: `/v1/follow-ups/${id}/claim`, body: {}, status: 400, field: 'id' })),
    ...([['assignee with a space', 'two words'], ['assignee as a number', 42], ['assignee as a query operator', INJECTION], ['assignee of 5000 characters', LONG], ['assignee as an array', ['me']],
      // a null assignee is refused (400 naming assignee), not replaced by the caller.
      ['assignee null', null],
    ] as const).map(([name, assignee]): Case => ({ name, path: '/v1/follow-ups/no-such-task/claim', body: { assignee }, status: 400, field: 'assignee' })),
    { name: 'an unknown field', path: '/v1/follow-ups/no-such-task/claim', body: { colour: 'blue' }, status: 400, field: 'colour' },
    { name: 'malformed JSON', path: '/v1/follow-ups/no-such-task/claim', raw: '{"assignee":', status: 400 },
  ]],
  ['POST /v1/follow-ups/{id}/complete', [
    { name: 'an unknown follow-up', path: '/v1/follow-ups/no-such-task/complete', body: { outcome: 'Done.' }, status: 404, code: 'unknown-follow-up', field: 'id' },
    ...(['BAD_ID', enc('$where'), enc('a b'), 'a'.repeat(500)]).map((id): Case => ({ name: `id ${decodeURIComponent(id).slice(0, 20)}`, path: `/v1/follow-ups/${id}/complete`, body: { outcome: 'Done.' }, status: 400, field: 'id' })),
    ...([['no outcome', undefined], ['an empty outcome', ''], ['outcome as a number', 42], ['outcome null', null], ['outcome as a query operator', INJECTION], ['outcome of 5000 characters', LONG]] as const)
      .map(([name, outcome]): Case => ({ name, path: '/v1/follow-ups/no-such-task/complete', body: outcome === undefined ? {} : { outcome }, status: 400, field: 'outcome' })),
    { name: 'an unknown field', path: '/v1/follow-ups/no-such-task/complete', body: { outcome: 'Done.', colour: 'blue' }, status: 400, field: 'colour' },
    { name: 'a text/plain body', path: '/v1/follow-ups/no-such-task/complete', raw: '{"outcome":"Done."}', contentType: 'text/plain', status: 415 },
  ]],
  ['GET /v1/events', ([
    ['limit=abc', '?limit=abc', 'limit'], ['limit=5000', '?limit=5000', 'limit'], ['limit=-1', '?limit=-1', 'limit'], ['limit=1.5', '?limit=1.5', 'limit'],
    ['after=-1', '?after=-1', 'after'], ['after=abc', '?after=abc', 'after'], ['after beyond a safe integer', '?after=99999999999999999999', 'after'],
    ['type=NoSuchEvent', '?type=NoSuchEvent', 'type'], ['type with an empty entry', '?type=LetterDelivered,', 'type'], ['type=constructor', '?type=constructor', 'type'],
    ['an empty stream', '?stream=', 'stream'], ['a stream of 5000 characters', `?stream=${LONG}`, 'stream'],
    ['an unknown query parameter', '?colour=blue', 'colour'], ['a repeated limit', '?limit=1&limit=2', 'limit'], ['an operator in the query', '?after[$gt]=0', 'after[$gt]'],
  ] as const).map(([name, q, field]): Case => ({ name, method: 'get', path: `/v1/events${q}`, status: 400, field }))],
];

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
