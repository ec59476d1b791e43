import { ruleViolated } from '../../kernel/index.js';

/**
 * Who may do what in Demarche. A *principal* is the holder of a token; its *role* says what
 * kind of work it does, and its *scope* narrows that work to some missions or campaigns.
 *
 * - `admin`: everything, including issuing and revoking tokens.
 * - `coordinator`: runs campaigns (`campaignIds`): works their follow-ups (claim, complete,
 *   reassign), posts and imports their letters and responses in bulk for their missions,
 *   registers missions and launches campaigns (which its token then coordinates), and reads
 *   what an analyst reads. Treaty actions are recorded by an admin.
 * - `mission`: an embassy (`missionId`): posts letters, meetings and responses for itself only,
 *   and only for the countries it is accredited to; reads countries and follow-ups.
 * - `analyst`: reads, exports, replays and reports; writes nothing.
 */
export const ROLES = ['admin', 'coordinator', 'mission', 'analyst'] as const;
export type Role = (typeof ROLES)[number];

export interface Principal {
  /** The token's public id (never its secret). */
  readonly tokenId: string;
  readonly role: Role;
  readonly missionId?: string;
  readonly campaignIds?: readonly string[];
}

/** The actor stamped on the events a principal causes: `token:<id>`. */
export const actorOf = (principal: Principal): string => `token:${principal.tokenId}`;

/** What a request needs, as the access policy declares it per endpoint. */
export type AccessRule =
  /** Only these roles. */
  | { readonly kind: 'roles'; readonly roles: readonly Role[] }
  /** An admin, or a mission writing for itself in a country it is accredited to. */
  | { readonly kind: 'mission-outreach' }
  /** Many facts of one campaign: an admin, a coordinator of the campaign, or a mission for itself in the countries it covers. */
  | { readonly kind: 'campaign-outreach' }
  /** An admin, or a coordinator of the campaign (`:id` of the path). */
  | { readonly kind: 'campaign-coordination' }
  /** An admin, or a coordinator of the follow-up's campaign. */
  | { readonly kind: 'follow-up-work' }
  /**
   * No bearer token: the request carries a secret of its own that the endpoint checks (a
   * calendar feed, which calendar programs fetch without an Authorization header).
   */
  | { readonly kind: 'feed-secret' };

export type AccessDecision = { readonly allowed: true } | { readonly allowed: false; readonly reason: string };

const ALLOWED: AccessDecision = { allowed: true };
const refuse = (reason: string): AccessDecision => ({ allowed: false, reason });

/** Whether the role may use an endpoint at all, before any scope is looked at. */
export function roleMay(principal: Principal, rule: AccessRule): AccessDecision {
  if (principal.role === 'admin') return ALLOWED;
  switch (rule.kind) {
    case 'roles':
      return rule.roles.includes(principal.role) ? ALLOWED : refuse(`the ${principal.role} role may not do this; it needs ${describeRoles(rule.roles)}`);
    case 'mission-outreach':
      return principal.role === 'mission' ? ALLOWED : refuse(`only a mission (or an admin) records letters, meetings and responses; a ${principal.role} token may not`);
    case 'campaign-coordination':
      return principal.role === 'coordinator' ? ALLOWED : refuse(`only a coordinator of the campaign (or an admin) may do this; a ${principal.role} token may not`);
    case 'campaign-outreach':
      return principal.role === 'mission' || principal.role === 'coordinator'
        ? ALLOWED
        : refuse(`only a mission, a coordinator of the campaign (or an admin) records a campaign's letters, meetings and responses; a ${principal.role} token may not`);
    case 'follow-up-work':
      return principal.role === 'coordinator' ? ALLOWED : refuse(`only a coordinator of the campaign (or an admin) works follow-ups; a ${principal.role} token may not`);
    case 'feed-secret':
      return ALLOWED;
  }
}

/**
 * A mission posts only for itself and only for a country it is accredited to.
 * `missionId` is what the request names; `accreditedTo` is the mission's recorded list.
 */
export function missionMayRecord(principal: Principal, request: { readonly missionId?: unknown; readonly iso3: string }, accreditedTo: readonly string[] | undefined): AccessDecision {
  if (principal.role === 'admin') return ALLOWED;
  if (principal.role !== 'mission' || !principal.missionId) return refuse('only a mission token records outreach');
  if (typeof request.missionId === 'string' && request.missionId !== principal.missionId) {
    return refuse(`this token is for mission ${principal.missionId}; it may not record for mission ${request.missionId}`);
  }
  if (!accreditedTo?.includes(request.iso3)) {
    return refuse(`mission ${principal.missionId} is not accredited to ${request.iso3}`);
  }
  return ALLOWED;
}

/**
 * Many facts at once for a campaign: a coordinator of the campaign may post them for any of its
 * missions; a mission only for itself, and only in countries it is accredited to. `items` are
 * the country and mission each fact names (the mission may be left out: the token's own).
 */
export function mayRecordForCampaign(
  principal: Principal,
  campaignId: string,
  items: readonly { readonly country: unknown; readonly missionId?: unknown }[],
  accreditedTo: readonly string[] | undefined,
): AccessDecision {
  if (principal.role === 'admin') return ALLOWED;
  if (principal.role === 'coordinator') return coordinatesCampaign(principal, campaignId);
  for (const [index, item] of items.entries()) {
    const decision = missionMayRecord(principal, { missionId: item.missionId, iso3: String(item.country ?? '') }, accreditedTo);
    if (!decision.allowed) return refuse(`item ${index}: ${decision.reason}`);
  }
  return ALLOWED;
}

/** An admin, or a coordinator whose token names the campaign. */
export function coordinatesCampaign(principal: Principal, campaignId: string): AccessDecision {
  if (principal.role === 'admin') return ALLOWED;
  if (principal.role === 'coordinator' && principal.campaignIds?.includes(campaignId)) return ALLOWED;
  return refuse(`this token coordinates ${principal.campaignIds?.join(', ') || 'no campaign'}, not campaign ${campaignId}`);
}

/** A coordinator works only the follow-ups of its campaigns. An unknown follow-up is left to the use case (404). */
export function coordinatorMayWork(principal: Principal, followUp: { readonly id: string; readonly campaignId?: string }): AccessDecision {
  if (principal.role === 'admin') return ALLOWED;
  if (principal.role !== 'coordinator') return refuse('only a coordinator of the campaign works follow-ups');
  if (followUp.campaignId === undefined) return ALLOWED;
  if (principal.campaignIds?.includes(followUp.campaignId)) return ALLOWED;
  return refuse(`follow-up ${followUp.id} belongs to campaign ${followUp.campaignId}; this token coordinates ${principal.campaignIds?.join(', ') || 'no campaign'}`);
}

function describeRoles(roles: readonly Role[]): string {
  const named = roles.filter((r) => r !== 'admin');
  return named.length ? `one of: ${['admin', ...named].join(', ')}` : 'an admin token';
}

/** What an admin asks for when issuing a token. */
export interface TokenRequest {
  readonly role: Role;
  readonly missionId?: string;
  readonly campaignIds?: readonly string[];
  /** ISO instant. */
  readonly expiresAt?: string;
}

/**
 * The rules of a token's scope: a mission token names exactly its mission, a coordinator
 * token at least one campaign, other roles neither; an expiry lies in the future.
 */
export function checkTokenRequest(request: TokenRequest, now: Date): void {
  const { role, missionId, campaignIds, expiresAt } = request;
  if (role === 'mission' && !missionId) throw ruleViolated('mission-token-needs-mission', 'A mission token needs missionId: the mission it acts for.', 'missionId');
  if (role !== 'mission' && missionId !== undefined) throw ruleViolated('scope-not-for-role', `missionId is only for mission tokens, not for a ${role} token; remove it.`, 'missionId');
  if (role === 'coordinator' && !campaignIds?.length) throw ruleViolated('coordinator-token-needs-campaigns', 'A coordinator token needs campaignIds: the campaigns it coordinates.', 'campaignIds');
  if (role !== 'coordinator' && campaignIds !== undefined) throw ruleViolated('scope-not-for-role', `campaignIds is only for coordinator tokens, not for a ${role} token; remove it.`, 'campaignIds');
  if (campaignIds && new Set(campaignIds).size !== campaignIds.length) throw ruleViolated('duplicate-campaign', 'campaignIds lists the same campaign twice.', 'campaignIds');
  if (expiresAt !== undefined && !(Date.parse(expiresAt) > now.getTime())) {
    throw ruleViolated('expiry-in-the-past', `expiresAt ${expiresAt} is not in the future (it is now ${now.toISOString()}).`, 'expiresAt');
  }
}
