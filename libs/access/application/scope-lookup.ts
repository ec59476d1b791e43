import type { CommandRunner } from '../../event-store/index.js';
import { campaignDecider, campaignStreamId, missionDecider, missionStreamId } from '../../outreach/index.js';
import { followUpDecider, followUpStreamId } from '../../follow-ups/index.js';

/**
 * The recorded facts a scope check needs, read from the log itself (not from a read model,
 * which may lag behind on the distributed profile).
 */
export class ScopeLookup {
  constructor(private readonly runner: CommandRunner) {}

  /** The countries a mission is accredited to, or undefined for an unknown mission. */
  async accreditation(missionId: string): Promise<readonly string[] | undefined> {
    return (await this.runner.loadRegistration(missionStreamId(missionId), missionDecider))?.accreditedTo;
  }

  async campaignExists(campaignId: string): Promise<boolean> {
    return (await this.runner.loadRegistration(campaignStreamId(campaignId), campaignDecider)) !== undefined;
  }

  /** The campaign a follow-up belongs to, or undefined for an unknown follow-up. */
  async followUpCampaign(followUpId: string): Promise<string | undefined> {
    const { state } = await this.runner.load(followUpStreamId(followUpId), followUpDecider);
    return state?.campaignId;
  }
}
