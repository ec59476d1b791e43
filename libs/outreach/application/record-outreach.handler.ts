import { requireKnownCountry, TREATIES, type TreatyCatalog } from '../../treaty-status/index.js';
import { Inject } from '@nestjs/common';
import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { notFound, toLocalDate, type Clock, type EventMetadata, type Iso3 } from '../../kernel/index.js';
import { CommandRunner, EVENT_STORE, type CommandOutcome, type EventStore } from '../../event-store/index.js';
import { CLOCK } from '../../platform/runtime/tokens.js';
import { campaignDecider } from '../domain/campaign.decider.js';
import { missionDecider } from '../domain/mission.decider.js';
import { countryOutreachDecider, type DeliverLetter, type HoldMeeting, type RecordResponse } from '../domain/country-outreach.decider.js';
import { campaignStreamId, missionStreamId, outreachStreamId } from '../domain/outreach.events.js';

type Details<T> = Omit<T, 'campaign' | 'mission' | 'iso3' | 'today'>;
/** A letter, meeting or response as a mission reports it, without what the use case looks up. */
export type OutreachDetails = Details<DeliverLetter> | Details<HoldMeeting> | Details<RecordResponse>;

/** A letter, meeting or response that a mission posts for a country in a campaign. */
export class RecordOutreachCommand {
  constructor(
    readonly iso3: Iso3,
    readonly campaignId: string,
    readonly missionId: string,
    readonly details: OutreachDetails,
    readonly metadata: EventMetadata,
  ) {}
}

@CommandHandler(RecordOutreachCommand)
export class RecordOutreachHandler implements ICommandHandler<RecordOutreachCommand, CommandOutcome> {
  constructor(
    private readonly runner: CommandRunner,
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(TREATIES) private readonly treaties: TreatyCatalog,
  ) {}

  async execute(c: RecordOutreachCommand): Promise<CommandOutcome> {
    await requireKnownCountry(this.store, c.iso3);
    const cosigners = c.details.kind === 'deliver-letter' ? (c.details.cosignedBy ?? []) : [];
    for (const [i, iso3] of cosigners.entries()) await requireKnownCountry(this.store, iso3, `cosignedBy[${i}]`);
    const campaign = await this.runner.loadRegistration(campaignStreamId(c.campaignId), campaignDecider);
    if (!campaign) throw notFound('unknown-campaign', `There is no campaign "${c.campaignId}"; launch it first (POST /v1/campaigns).`, 'campaignId');
    const mission = await this.runner.loadRegistration(missionStreamId(c.missionId), missionDecider);
    if (!mission) throw notFound('unknown-mission', `There is no mission "${c.missionId}"; register it first (POST /v1/missions).`, 'missionId');
    const obstaclesOfTreaty = this.treaties.get(campaign.treaty)?.obstacles;
    const command = { ...c.details, campaign, mission, iso3: c.iso3, today: toLocalDate(this.clock.now()), ...(obstaclesOfTreaty ? { obstaclesOfTreaty } : {}) } as DeliverLetter | HoldMeeting | RecordResponse;
    return this.runner.run(outreachStreamId(campaign.campaignId, c.iso3), countryOutreachDecider, command, c.metadata);
  }
}
