import type { AccessRule, Role } from '../domain/access.js';

const only = (...roles: Role[]): AccessRule => ({ kind: 'roles', roles: ['admin', ...roles] });

const ADMIN = only();
/** Everyone with a token reads the countries and the follow-up queues. */
const EVERYONE = only('coordinator', 'mission', 'analyst');
/** The history, the figures and the reports: analysts, and coordinators read them too. */
const ANALYSIS = only('coordinator', 'analyst');
const MISSION_OUTREACH: AccessRule = { kind: 'mission-outreach' };
const CAMPAIGN_OUTREACH: AccessRule = { kind: 'campaign-outreach' };
const CAMPAIGN_COORDINATION: AccessRule = { kind: 'campaign-coordination' };
/** Registering missions and launching campaigns: the coordinators' work too. */
const COORDINATION = only('coordinator');
const FOLLOW_UP_WORK: AccessRule = { kind: 'follow-up-work' };
/** Those who get mail about their tasks. */
const PEOPLE = only('coordinator', 'mission');

/**
 * Who may call each endpoint under /v1, by `METHOD /path` as the controllers declare it.
 * One table, so the whole policy reads in one place and a test can check that every
 * endpoint of the API is in it. An endpoint missing here is refused to all but admins.
 */
export const ACCESS_POLICY: Readonly<Record<string, AccessRule>> = {
  'POST /v1/missions': COORDINATION,
  'POST /v1/imports/missions': COORDINATION,
  'POST /v1/campaigns/:id/imports': CAMPAIGN_COORDINATION,
  'POST /v1/missions/:id/forget': ADMIN,
  'POST /v1/campaigns': COORDINATION,
  'POST /v1/countries/:iso3/treaty-actions': ADMIN,
  'POST /v1/countries/:iso3/letters': MISSION_OUTREACH,
  'POST /v1/countries/:iso3/meetings': MISSION_OUTREACH,
  'POST /v1/countries/:iso3/responses': MISSION_OUTREACH,
  'POST /v1/campaigns/:id/letters': CAMPAIGN_OUTREACH,
  'POST /v1/campaigns/:id/meetings': CAMPAIGN_OUTREACH,
  'POST /v1/campaigns/:id/responses': CAMPAIGN_OUTREACH,
  /** The treaties Demarche knows: every console page offers them. */
  'GET /v1/treaties': EVERYONE,
  'GET /v1/countries': EVERYONE,
  'GET /v1/countries/:iso3': EVERYONE,
  'GET /v1/countries/:iso3/treaties': EVERYONE,
  /** The letters, meetings and responses with their notes in clear: not for other missions. */
  'GET /v1/countries/:iso3/outreach': ANALYSIS,
  'GET /v1/campaigns': ANALYSIS,
  'GET /v1/campaigns/:id': ANALYSIS,
  'GET /v1/campaigns/:id/countries': ANALYSIS,
  'GET /v1/follow-ups': EVERYONE,
  'GET /v1/follow-ups/jobs/failed': ANALYSIS,
  'POST /v1/follow-ups/:id/claim': FOLLOW_UP_WORK,
  'POST /v1/follow-ups/:id/complete': FOLLOW_UP_WORK,
  'POST /v1/follow-ups/:id/reassign': FOLLOW_UP_WORK,
  'GET /v1/stream': ANALYSIS,
  'GET /v1/events': ANALYSIS,
  'GET /v1/events/export': ANALYSIS,
  'GET /v1/status': ANALYSIS,
  'GET /v1/status/changes': ANALYSIS,
  'GET /v1/status/states': ANALYSIS,
  'GET /v1/status/series': ANALYSIS,
  'GET /v1/status/matrix': ANALYSIS,
  'GET /v1/reports/universalization': ANALYSIS,
  'POST /v1/admin/rebuilds': ADMIN,
  'GET /v1/admin/rebuilds/:projection': ADMIN,
  /** The person behind a coordinator's or a mission's token, and the mail they want: their own only. */
  'GET /v1/me/notifications': PEOPLE,
  'PUT /v1/me/notifications': PEOPLE,
  'DELETE /v1/me/notifications': PEOPLE,
  'GET /v1/notifications/outbox': ADMIN,
  /** A person's calendar feed secret: issued (again) and revoked by its owner. */
  'POST /v1/me/calendar-feed': PEOPLE,
  'DELETE /v1/me/calendar-feed': PEOPLE,
  /** Calendar programs send no bearer token: the feed's secret (`?feed=`) is the credential. */
  'GET /v1/follow-ups/calendar.ics': { kind: 'feed-secret' },
  'POST /v1/webhooks': ADMIN,
  'GET /v1/webhooks': ADMIN,
  'DELETE /v1/webhooks/:id': ADMIN,
  'GET /v1/webhooks/deliveries': ADMIN,
  'POST /v1/webhooks/deliveries/:id/replay': ADMIN,
  'POST /v1/tokens': ADMIN,
  'GET /v1/tokens': ADMIN,
  'DELETE /v1/tokens/:id': ADMIN,
  'POST /v1/tokens/:id/revoke': ADMIN,
};

/**
 * The country and mission each fact of a bulk request names, read from the body as sent (the
 * request is validated after this check): `countries` with a `missionId` for them all, or
 * `deliveries`, `meetings`, `responses`, each with its own.
 */
export function bulkOutreachTargets(body: unknown): { country: unknown; missionId?: unknown }[] {
  const b = (typeof body === 'object' && body !== null ? body : {}) as Record<string, unknown>;
  const list = (value: unknown) => (Array.isArray(value) ? value : []);
  return [
    ...list(b.countries).map((country) => ({ country, missionId: b.missionId })),
    ...['deliveries', 'meetings', 'responses'].flatMap((key) =>
      list(b[key]).map((item) => {
        const i = (typeof item === 'object' && item !== null ? item : {}) as Record<string, unknown>;
        return { country: i.country, missionId: i.missionId ?? b.missionId };
      }),
    ),
  ];
}

/** The rule of an endpoint; unlisted endpoints are for admins only (fail closed). */
export function ruleFor(route: string): AccessRule {
  return ACCESS_POLICY[route] ?? ADMIN;
}
