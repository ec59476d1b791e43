import { Inject } from '@nestjs/common';
import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import type { EventMetadata } from '../../kernel/index.js';
import { CommandRunner, EVENT_STORE, type CommandOutcome, type EventStore } from '../../event-store/index.js';
import type { TreatyCatalog } from '../../treaty-status/index.js';
import { TREATIES, requireKnownCountry } from '../../treaty-status/index.js';
import { campaignDecider, type LaunchCampaign } from '../domain/campaign.decider.js';
import { campaignStreamId } from '../domain/outreach.events.js';

export class LaunchCampaignCommand {
  constructor(
    readonly campaign: LaunchCampaign,
    readonly metadata: EventMetadata,
  ) {}
}

@CommandHandler(LaunchCampaignCommand)
export class LaunchCampaignHandler implements ICommandHandler<LaunchCampaignCommand, CommandOutcome> {
  constructor(
    private readonly runner: CommandRunner,
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(TREATIES) private readonly treaties: TreatyCatalog,
  ) {}

  async execute({ campaign, metadata }: LaunchCampaignCommand): Promise<CommandOutcome> {
    const treaty = this.treaties.require(campaign.treaty);
    for (const [i, iso3] of campaign.coordinators.entries()) await requireKnownCountry(this.store, iso3, `coordinators[${i}]`);
    return this.runner.run(campaignStreamId(campaign.campaignId), campaignDecider, { ...campaign, treatyOpenedOn: treaty.openedForSignatureOn }, metadata);
  }
}
