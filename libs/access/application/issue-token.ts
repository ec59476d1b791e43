import { notFound } from '../../kernel/index.js';
import { checkTokenRequest } from '../domain/access.js';
import type { ScopeLookup } from './scope-lookup.js';
import type { IssueRequest, TokenService } from './tokens.js';

/** Issues a token after checking its scope against what is recorded: the mission and campaigns must exist. */
export async function issueToken(tokens: TokenService, scopes: ScopeLookup, now: Date, request: IssueRequest, issuedBy: string) {
  checkTokenRequest(request, now);
  if (request.missionId && !(await scopes.accreditation(request.missionId))) {
    throw notFound('unknown-mission', `There is no mission "${request.missionId}"; register it first (POST /v1/missions).`, 'missionId');
  }
  for (const [i, campaignId] of (request.campaignIds ?? []).entries()) {
    if (!(await scopes.campaignExists(campaignId))) throw notFound('unknown-campaign', `There is no campaign "${campaignId}"; launch it first (POST /v1/campaigns).`, `campaignIds[${i}]`);
  }
  return tokens.issue(request, issuedBy);
}
