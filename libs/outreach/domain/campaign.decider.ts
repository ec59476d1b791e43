import { conflict, ruleViolated, type Decider, type Iso3, type LocalDate } from '../../kernel/index.js';
import type { CampaignLaunched } from './outreach.events.js';

export interface LaunchCampaign {
  readonly campaignId: string;
  readonly treaty: string;
  readonly title: string;
  readonly coordinators: readonly Iso3[];
  readonly startsOn: LocalDate;
}

/** The campaign as launched, with the day its treaty opened (a campaign cannot start earlier). */
export type LaunchCampaignWithTreaty = LaunchCampaign & { readonly treatyOpenedOn: LocalDate };

export type Campaign = CampaignLaunched['data'];
export type CampaignState = Campaign | undefined;

const sameCampaign = (a: Campaign, b: LaunchCampaign) =>
  a.treaty === b.treaty && a.title === b.title && a.startsOn === b.startsOn && a.coordinators.join() === b.coordinators.join();

export function decideLaunchCampaign({ treatyOpenedOn, ...command }: LaunchCampaignWithTreaty, state: CampaignState): CampaignLaunched[] {
  if (state) {
    if (sameCampaign(state, command)) return [];
    throw conflict('campaign-exists', `Campaign ${command.campaignId} already exists with other details.`, 'id');
  }
  if (command.startsOn < treatyOpenedOn) {
    throw ruleViolated('before-opening', `${command.treaty} opened for signature on ${treatyOpenedOn}; a campaign for it cannot start on ${command.startsOn}.`, 'startsOn');
  }
  if (new Set(command.coordinators).size !== command.coordinators.length) {
    throw ruleViolated('duplicate-coordinator', 'coordinators lists the same state twice.', 'coordinators');
  }
  return [{ type: 'CampaignLaunched', occurredAt: command.startsOn, data: { ...command, coordinators: [...command.coordinators] } }];
}

export const campaignDecider: Decider<LaunchCampaignWithTreaty, CampaignState, CampaignLaunched> = {
  decide: decideLaunchCampaign,
  evolve: (_state, event) => event.data,
  initialState: () => undefined,
};
