/**
 * The bad requests of tests/e2e/bad-input.test.ts, per endpoint: each must get a 4xx problem
 * body naming what is wrong, and record nothing.
 */
export interface Case {
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

// Bulk bodies and spreadsheets: each case spoils one item, one field or one cell; the item is named by its pointer, the cell by its line.
const ITEM = { country: 'KEN', missionId: 'nor-nairobi' };
const BULK_LETTERS: Body = { missionId: 'nor-nairobi', deliveredOn: '2026-02-02', countries: ['KEN', 'UGA'] };
const BULK_MEETINGS: Body = { meetings: [{ ...ITEM, heldOn: '2026-02-03' }, { ...ITEM, country: 'UGA', heldOn: '2026-02-03' }] };
const BULK_RESPONSES: Body = { responses: [{ ...ITEM, receivedOn: '2026-02-04', group: 'II', obstacles: ['capacity'] }, { ...ITEM, country: 'UGA', receivedOn: '2026-02-04', group: 'III' }] };
const spoil = (base: Body, key: string, index: number, patch: Body): Body => ({ ...base, [key]: (base[key] as Body[]).map((item, i) => (i === index ? { ...item, ...patch } : item)) });
const OUTREACH_HEADER = 'kind,country,mission,date,group,ratification_under_way,wishes_to_sign,deposit_announced,obstacles,cosigned_by';
const GOOD_ROW = 'response,KEN,nor-nairobi,2026-02-05,II,,,,capacity,';
const csv = (...rows: string[]) => ({ csv: [OUTREACH_HEADER, GOOD_ROW, ...rows].join('\n') });
const MISSIONS_HEADER = 'id,name,kind,coordinator,accredited_to';
const missionsCsv = (...rows: string[]) => ({ csv: [MISSIONS_HEADER, 'nor-csv-ok,Norway in Kampala,resident,NOR,UGA', ...rows].join('\n') });

const bulkCases = (kind: string, base: Body): Case[] => {
  const path = `/v1/campaigns/ccm-2026/${kind}`;
  return [
    { name: 'an unknown campaign', path: `/v1/campaigns/no-such/${kind}`, body: base, status: 404, code: 'unknown-campaign', field: 'id' },
    { name: 'a campaign id in upper case', path: `/v1/campaigns/CCM-2026/${kind}`, body: base, status: 400, field: 'id' },
    { name: 'an unknown field', path, body: { ...base, colour: 'blue' }, status: 400, field: '/colour' },
    { name: 'a __proto__ field', path, raw: withRawKey(base, '__proto__', { admin: true }), status: 400, field: '__proto__' },
    { name: 'malformed JSON', path, raw: '{"countries": [', status: 400 },
    { name: 'a JSON array', path, body: [base] },
    { name: 'an empty body', path, raw: '', status: 400 },
    { name: 'a text/plain body', path, raw: JSON.stringify(base), contentType: 'text/plain', status: 415 },
    { name: 'a body over 5 MB', path, body: { ...base, padding: 'x'.repeat(5_300_000) }, status: 413 },
    { name: 'a query parameter on the write', path: `${path}?dryRun=true`, body: base, status: 400, field: 'dryRun' },
  ];
};

export const TABLES: [string, Case[]][] = [
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
      ['an operator in obstacles', { obstacles: [INJECTION] }, /^obstacles(\[0\])?$/], ['9 obstacles', { obstacles: ['capacity', 'other', 'ccw-preference', 'awaiting-major-producers', 'regional-reciprocity', 'security-environment', 'domestic-politics', 'export-control-capacity', 'other'] }, 'obstacles'],
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
  ['POST /v1/campaigns/{id}/letters', [
    ...bulkCases('letters', BULK_LETTERS),
    ...([['no countries nor deliveries', { countries: undefined }, '/countries'], ['an empty list of countries', { countries: [] }, '/countries'],
      ['a lower-case country', { countries: ['KEN', 'uga'] }, '/countries'], ['countries as a string', { countries: 'KEN' }, '/countries'],
      ['501 countries', { countries: Array.from({ length: 501 }, () => 'KEN') }, '/countries'], ['no deliveredOn', { deliveredOn: undefined }, '/deliveredOn'],
      ['deliveredOn 2026-02-30', { deliveredOn: '2026-02-30' }, '/deliveredOn'], ['deliveredOn as an operator', { deliveredOn: INJECTION }, '/deliveredOn'],
      ['missionId in upper case', { missionId: 'NOR' }, '/missionId'], ['cosignedBy empty', { cosignedBy: [] }, '/cosignedBy'], ['cosignedBy lower case', { cosignedBy: ['nor'] }, '/cosignedBy'],
      ['countries and deliveries both', { deliveries: [{ country: 'KEN', deliveredOn: '2026-02-02' }] }, '/deliveries'],
      ['deliveries with a shared deliveredOn', { countries: undefined, deliveries: [{ country: 'KEN', deliveredOn: '2026-02-02' }] }, '/deliveredOn'],
      ['a delivery without its day', { countries: undefined, deliveredOn: undefined, deliveries: [{ country: 'KEN' }] }, '/deliveries/0/deliveredOn'],
      ['a delivery with an unknown field', { countries: undefined, deliveredOn: undefined, deliveries: [{ country: 'KEN', deliveredOn: '2026-02-02', colour: 'blue' }] }, '/deliveries/0/colour'],
    ] as const).map(([name, patch, field]): Case => ({ name, path: '/v1/campaigns/ccm-2026/letters', body: { ...BULK_LETTERS, ...patch }, status: 400, field })),
    ...([['an unknown country in the list', { countries: ['KEN', 'XXX'] }, 404, 'unknown-country', '/countries/1'], ['an unknown mission', { missionId: 'no-such-mission' }, 404, 'unknown-mission', '/missionId'],
      ['a country the mission does not cover', { countries: ['KEN', 'NGA'] }, 422, 'not-accredited', '/countries/1'], ['a day before the campaign', { deliveredOn: '2026-01-09' }, 422, 'before-campaign', '/deliveredOn'],
      ['a day in the future', { deliveredOn: '2099-01-01' }, 422, 'in-the-future', '/deliveredOn'], ['an unknown co-signatory', { cosignedBy: ['NOR', 'XXX'] }, 404, 'unknown-country', '/cosignedBy/1'],
      ['a co-signatory twice', { cosignedBy: ['NOR', 'NOR'] }, 422, 'duplicate-cosignatory', '/cosignedBy'],
    ] as const).map(([name, patch, status, code, field]): Case => ({ name, path: '/v1/campaigns/ccm-2026/letters', body: { ...BULK_LETTERS, ...patch }, status, code, field })),
  ]],
  ['POST /v1/campaigns/{id}/meetings', [
    ...bulkCases('meetings', BULK_MEETINGS),
    ...([['no meetings', { meetings: [] }, '/meetings'], ['meetings as an object', { meetings: { 0: {} } }, '/meetings'],
      ['an item without its day', spoil(BULK_MEETINGS, 'meetings', 1, { heldOn: undefined }), '/meetings/1/heldOn'],
      ['a summary of 5000 characters', spoil(BULK_MEETINGS, 'meetings', 1, { summary: LONG }), '/meetings/1/summary'],
      ['21 interlocutors', spoil(BULK_MEETINGS, 'meetings', 0, { interlocutors: Array.from({ length: 21 }, () => 'X') }), '/meetings/0/interlocutors'],
    ] as const).map(([name, body, field]): Case => ({ name, path: '/v1/campaigns/ccm-2026/meetings', body: name.startsWith('no ') || name.startsWith('meetings as') ? { ...BULK_MEETINGS, ...body } : body, status: 400, field })),
    { name: 'a meeting before the campaign', path: '/v1/campaigns/ccm-2026/meetings', body: spoil(BULK_MEETINGS, 'meetings', 1, { heldOn: '2026-01-02' }), status: 422, code: 'before-campaign', field: '/meetings/1/heldOn' },
  ]],
  ['POST /v1/campaigns/{id}/responses', [
    ...bulkCases('responses', BULK_RESPONSES),
    ...([['group IV', { group: 'IV' }, '/responses/1/group'], ['an unknown obstacle', { obstacles: ['money'] }, '/responses/1/obstacles'], ['a flag "yes"', { ratificationUnderWay: 'yes' }, '/responses/1/ratificationUnderWay'],
      ['depositAnnounced as a number', { depositAnnounced: 1 }, '/responses/1/depositAnnounced'], ['a lower-case country', { country: 'uga' }, '/responses/1/country'], ['notes null', { notes: null }, '/responses/1/notes'],
    ] as const).map(([name, patch, field]): Case => ({ name, path: '/v1/campaigns/ccm-2026/responses', body: spoil(BULK_RESPONSES, 'responses', 1, patch), status: 400, field })),
    { name: '501 responses', path: '/v1/campaigns/ccm-2026/responses', body: { responses: Array.from({ length: 501 }, () => (BULK_RESPONSES.responses as Body[])[0]) }, status: 400, field: '/responses' },
    ...([['group II without obstacles', { group: 'II', obstacles: undefined }, 422, 'obstacles-required', '/responses/1/obstacles'], ['depositAnnounced on group III', { depositAnnounced: true }, 422, 'group-mismatch', '/responses/1/depositAnnounced'],
      ['an unknown country', { country: 'XXX' }, 404, 'unknown-country', '/responses/1/country'], ['a country the mission does not cover', { country: 'NGA' }, 422, 'not-accredited', '/responses/1/missionId'],
      ['a mission of a state outside the campaign', { missionId: 'aut-nairobi', country: 'KEN' }, 422, 'mission-not-in-campaign', '/responses/1/missionId'],
    ] as const).map(([name, patch, status, code, field]): Case => ({ name, path: '/v1/campaigns/ccm-2026/responses', body: spoil(BULK_RESPONSES, 'responses', 1, patch), status, code, field })),
  ]],
  ['POST /v1/campaigns/{id}/imports', [
    ...([['kind "call"', 'call,UGA,nor-nairobi,2026-02-05,,,,,,', 'line 3: kind'], ['group IV', 'response,UGA,nor-nairobi,2026-02-05,IV,,,,,', 'line 3: group'],
      ['a flag "maybe"', 'response,UGA,nor-nairobi,2026-02-05,I,maybe,,,,', 'line 3: ratification_under_way'], ['an unknown obstacle', 'response,UGA,nor-nairobi,2026-02-05,II,,,,money,', 'line 3: obstacles'],
      ['a date 2026-02-30', 'letter,UGA,nor-nairobi,2026-02-30,,,,,,', 'line 3: date'], ['a lower-case country', 'letter,uga,nor-nairobi,2026-02-05,,,,,,', 'line 3: country'],
      ['a group on a letter row', 'letter,UGA,nor-nairobi,2026-02-05,II,,,,,', 'line 3: group'], ['cosigned_by on a response row', 'response,UGA,nor-nairobi,2026-02-05,III,,,,,NOR', 'line 3: cosigned_by'],
      ['a mission id in upper case', 'letter,UGA,NOR,2026-02-05,,,,,,', 'line 3: mission'],
    ] as const).map(([name, row, field]): Case => ({ name, path: '/v1/campaigns/ccm-2026/imports', body: csv(row), status: 400, field })),
    ...([['an unknown country', 'letter,XXX,nor-nairobi,2026-02-05,,,,,,', 404, 'line 3: country'], ['an unknown mission', 'letter,UGA,no-such-mission,2026-02-05,,,,,,', 404, 'line 3: mission'],
      ['a day before the campaign', 'letter,UGA,nor-nairobi,2026-01-02,,,,,,', 422, 'line 3: date'], ['a country the mission does not cover', 'letter,NGA,nor-nairobi,2026-02-05,,,,,,', 422, 'line 3: mission'],
    ] as const).map(([name, row, status, field]): Case => ({ name, path: '/v1/campaigns/ccm-2026/imports', body: csv(row), status, code: 'import-refused', field })),
    { name: 'a header without the date column', path: '/v1/campaigns/ccm-2026/imports', body: { csv: 'kind,country\nletter,KEN' }, status: 400, field: '/csv' },
    { name: 'an unclosed quote', path: '/v1/campaigns/ccm-2026/imports', body: csv('letter,"UGA,nor-nairobi,2026-02-05'), status: 400, field: '/csv' },
    { name: 'an empty csv', path: '/v1/campaigns/ccm-2026/imports', body: { csv: '' }, status: 400, field: '/csv' },
    { name: 'csv as a number', path: '/v1/campaigns/ccm-2026/imports', body: { csv: 42 }, status: 400, field: '/csv' },
    { name: 'dryRun "yes"', path: '/v1/campaigns/ccm-2026/imports', body: { ...csv(), dryRun: 'yes' }, status: 400, field: '/dryRun' },
    { name: 'a row for another campaign', path: '/v1/campaigns/ccm-2026/imports', body: { csv: `kind,campaign,country,mission,date\nletter,other-2026,UGA,nor-nairobi,2026-02-05` }, status: 400, field: 'line 2: campaign' },
    { name: 'an unknown campaign', path: '/v1/campaigns/no-such/imports', body: csv(), status: 404, code: 'unknown-campaign', field: 'id' },
  ]],
  ['POST /v1/imports/missions', [
    ...([['kind "embassy"', 'nor-csv-x,Norway,embassy,NOR,KEN', 'line 3: kind'], ['a lower-case coordinator', 'nor-csv-x,Norway,resident,nor,KEN', 'line 3: coordinator'],
      ['no accredited country', 'nor-csv-x,Norway,resident,NOR,', 'line 3: accredited_to'], ['an id in upper case', 'NOR-X,Norway,resident,NOR,KEN', 'line 3: id'],
    ] as const).map(([name, row, field]): Case => ({ name, path: '/v1/imports/missions', body: missionsCsv(row), status: 400, field })),
    { name: 'an unknown accredited country', path: '/v1/imports/missions', body: missionsCsv('nor-csv-x,Norway,resident,NOR,XXX'), status: 404, field: 'line 3: accredited_to' },
    { name: 'an existing mission with other details', path: '/v1/imports/missions', body: missionsCsv('nor-nairobi,Norway elsewhere,resident,NOR,KEN'), status: 409, field: 'line 3: id' },
    { name: 'a resident mission covering two', path: '/v1/imports/missions', body: missionsCsv('nor-csv-x,Norway,resident,NOR,KEN;UGA'), status: 422, field: 'line 3: accredited_to' },
    { name: 'the same id twice with other details', path: '/v1/imports/missions', body: missionsCsv('nor-csv-ok,Norway in Gulu,resident,NOR,UGA'), status: 409, field: 'line 3: id' },
    { name: 'a header without kind', path: '/v1/imports/missions', body: { csv: 'id,name,coordinator,accredited_to\nx,y,NOR,KEN' }, status: 400, field: '/csv' },
  ]],
  ['GET /v1/campaigns/{id}', [
    { name: 'an unknown campaign', method: 'get', path: '/v1/campaigns/no-such', status: 404, code: 'unknown-campaign', field: 'id' },
    { name: 'asOf 2026-02-30', method: 'get', path: '/v1/campaigns/ccm-2026?asOf=2026-02-30', status: 400, field: 'asOf' },
    { name: 'an unknown query parameter', method: 'get', path: '/v1/campaigns/ccm-2026?colour=blue', status: 400, field: 'colour' },
    { name: 'minPosition=abc', method: 'get', path: '/v1/campaigns/ccm-2026?minPosition=abc', status: 400, field: 'minPosition' },
    { name: 'a Consistency-Position that is no position', method: 'get', path: '/v1/campaigns/ccm-2026', headers: { 'consistency-position': '-3' }, status: 400, field: 'Consistency-Position' },
    { name: 'a country list of an unknown campaign', method: 'get', path: '/v1/campaigns/no-such/countries', status: 404, code: 'unknown-campaign' },
    { name: 'a country list on a malformed day', method: 'get', path: '/v1/campaigns/ccm-2026/countries?asOf=yesterday', status: 400, field: 'asOf' },
  ]],
  ['GET /v1/reports/universalization', [
    { name: 'a malformed campaignId', method: 'get', path: '/v1/reports/universalization?campaignId=CCM_2026', status: 400, field: 'campaignId' },
    { name: 'an unknown campaign', method: 'get', path: '/v1/reports/universalization?campaignId=no-such', status: 404, code: 'unknown-campaign', field: 'campaignId' },
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
    ['asOf 2012-13-01', '?asOf=2012-13-01', 'asOf'], ['a repeated asOf', '?asOf=2012-01-01&asOf=2012-01-02', 'asOf'], ['minPosition=1.5', '?minPosition=1.5', 'minPosition'],
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
