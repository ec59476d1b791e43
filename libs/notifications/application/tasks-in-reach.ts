import { Inject, Injectable } from '@nestjs/common';
import { FOLLOW_UPS, type FollowUpView } from '../../follow-ups/index.js';
import { READ_MODEL_STORE, type ReadModelStore } from '../../projections/index.js';
import { TOKEN_STORE, type TokenStore } from '../../access/index.js';

/**
 * The tasks a token's holder is told about (in digests and their calendar): an admin's are
 * all, a coordinator's those of its campaigns, a mission's those handed to it. Undefined for
 * a token unknown or revoked.
 */
@Injectable()
export class TasksInReach {
  constructor(
    @Inject(READ_MODEL_STORE) private readonly readModels: ReadModelStore,
    @Inject(TOKEN_STORE) private readonly tokens: TokenStore,
  ) {}

  async of(tokenId: string): Promise<FollowUpView[] | undefined> {
    const token = await this.tokens.byId(tokenId);
    if (!token || token.revokedAt || (token.expiresAt && token.expiresAt <= new Date().toISOString())) return undefined;
    if (token.role === 'coordinator') return (await Promise.all((token.campaignIds ?? []).map((campaignId) => this.readModels.find<FollowUpView>(FOLLOW_UPS, { campaignId })))).flat();
    const all = await this.readModels.find<FollowUpView>(FOLLOW_UPS, {});
    return token.role === 'admin' ? all : all.filter((t) => t.assignee === `token:${tokenId}`);
  }

  /** The coordinators (their token ids) of a campaign, who hear of its escalations. */
  async coordinatorsOf(campaignId: string): Promise<string[]> {
    return (await this.tokens.list()).filter((t) => t.role === 'coordinator' && !t.revokedAt && t.campaignIds?.includes(campaignId)).map((t) => t.id);
  }
}
