import { requireKnownCountry, TREATIES, type TreatyCatalog } from '../../treaty-status/index.js';
import { Inject } from '@nestjs/common';
import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { DomainError, notFound, toLocalDate, type Clock, type DomainErrorKind, type EventMetadata, type Iso3 } from '../../kernel/index.js';
import { CommandRunner, EVENT_STORE, type EventStore } from '../../event-store/index.js';
import { CLOCK } from '../../platform/runtime/tokens.js';
import { campaignDecider, type Campaign } from '../domain/campaign.decider.js';
import { missionDecider, type Mission } from '../domain/mission.decider.js';
import { countryOutreachDecider, type CountryOutreachCommandType, type CountryOutreachState } from '../domain/country-outreach.decider.js';
import { campaignStreamId, missionStreamId, outreachStreamId, type MissionRegistered } from '../domain/outreach.events.js';
import type { OutreachDetails } from './record-outreach.handler.js';

/** One fact of a batch: a letter, meeting or response about a country. */
export interface OutreachItem {
  readonly iso3: Iso3;
  /** Left out: the caller's own mission, or else the campaign's mission accredited to the country (its resident mission first). */
  readonly missionId?: string;
  readonly details: OutreachDetails;
}

/** Why one item of a batch is refused: its index, the field and the reason. */
export interface ItemProblem {
  readonly index: number;
  /** The item's field (`group`, `cosignedBy/1`), or empty when the item as a whole is refused. */
  readonly field: string;
  readonly kind: DomainErrorKind;
  readonly code: string;
  readonly message: string;
}

/** A batch (of facts, of missions) with at least one bad item: nothing of it was written. */
export class BatchRefused extends Error {
  constructor(readonly problems: readonly ItemProblem[]) {
    super(`${problems.length} item${problems.length === 1 ? '' : 's'} of the batch ${problems.length === 1 ? 'is' : 'are'} refused; nothing was recorded.`);
    this.name = 'BatchRefused';
  }
}

export interface ItemOutcome {
  readonly index: number;
  readonly iso3: Iso3;
  readonly missionId: string;
  /** Whether the item adds to the record (false: the very same fact is recorded already). */
  readonly recorded: boolean;
  readonly eventIds: readonly string[];
  readonly streamVersion: number;
  readonly position: number;
}

export interface BatchOutcome {
  readonly items: readonly ItemOutcome[];
  /** The log position the whole batch reached. */
  readonly position: number;
}

export interface BatchOptions {
  /** Check every item and say what it would record, writing nothing. */
  readonly dryRun?: boolean;
  /** The mission of an item that names none (a mission token posts for its own mission). */
  readonly defaultMissionId?: string;
  readonly onProgress?: (done: number, total: number) => void;
}

/** Letters, meetings and responses of one campaign, many countries at once. */
export class RecordOutreachBatchCommand {
  constructor(
    readonly campaignId: string,
    readonly items: readonly OutreachItem[],
    readonly metadata: EventMetadata,
    readonly options: BatchOptions = {},
  ) {}
}

interface Planned {
  readonly index: number;
  readonly stream: string;
  readonly command: CountryOutreachCommandType;
  readonly recorded: boolean;
}

/** Facts written side by side, each in its own country's stream, so they never conflict. */
const PARALLEL_WRITES = 8;

/**
 * Every item is checked against the rules and against what is recorded before anything is
 * written, so that one bad item refuses the whole batch. Then each country's facts go to its
 * own stream, in the order given. The same batch sent again records nothing twice: every fact
 * already recorded is recognised by its decider.
 */
@CommandHandler(RecordOutreachBatchCommand)
export class RecordOutreachBatchHandler implements ICommandHandler<RecordOutreachBatchCommand, BatchOutcome> {
  constructor(
    private readonly runner: CommandRunner,
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(TREATIES) private readonly treaties: TreatyCatalog,
  ) {}

  async execute({ campaignId, items, metadata, options }: RecordOutreachBatchCommand): Promise<BatchOutcome> {
    const campaign = await this.runner.loadRegistration(campaignStreamId(campaignId), campaignDecider);
    if (!campaign) throw notFound('unknown-campaign', `There is no campaign "${campaignId}"; launch it first (POST /v1/campaigns).`, 'id');
    const plan = await this.plan(campaign, items, options.defaultMissionId);
    if (options.dryRun) return { items: plan.map((p) => this.outcomeOf(p)).sort((a, b) => a.index - b.index), position: 0 };
    // A country's facts never go side by side: each waits for the one before it in its stream.
    const outcomes: ItemOutcome[] = [];
    const previous = new Map<string, Promise<unknown>>();
    const inFlight = new Set<Promise<unknown>>();
    let failure: { error: unknown } | undefined;
    for (const p of plan) {
      // A failed write stops the batch once the writes under way have ended; a retry completes it.
      if (failure) break;
      const write = (previous.get(p.stream) ?? Promise.resolve()).then(async () => {
        const outcome = await this.runner.run(p.stream, countryOutreachDecider, p.command, metadata);
        outcomes.push({ ...this.outcomeOf(p), recorded: outcome.events.length > 0, eventIds: outcome.eventIds, streamVersion: outcome.streamVersion, position: outcome.position });
        options.onProgress?.(outcomes.length, plan.length);
      });
      previous.set(p.stream, write);
      inFlight.add(write);
      write.then(
        () => inFlight.delete(write),
        (error: unknown) => {
          inFlight.delete(write);
          failure ??= { error };
        },
      );
      if (inFlight.size >= PARALLEL_WRITES) await Promise.race(inFlight).catch(() => undefined);
    }
    await Promise.allSettled(inFlight);
    if (failure) throw failure.error;
    outcomes.sort((a, b) => a.index - b.index);
    return { items: outcomes, position: outcomes.reduce((max, o) => Math.max(max, o.position), 0) };
  }

  private outcomeOf(p: Planned): ItemOutcome {
    return { index: p.index, iso3: p.command.iso3, missionId: p.command.mission.missionId, recorded: p.recorded, eventIds: [], streamVersion: 0, position: 0 };
  }

  /**
   * Checks every item against the recorded facts and the items before it, in the order the facts
   * happened (the order they are then written in, so that the log follows the world's order as
   * closely as side-by-side writes allow: a regional initiative forms with its first member).
   */
  private async plan(campaign: Campaign, items: readonly OutreachItem[], defaultMissionId?: string): Promise<Planned[]> {
    const problems: ItemProblem[] = [];
    const refuse = (index: number, error: unknown) => problems.push(itemProblem(index, error));
    const today = toLocalDate(this.clock.now());
    const obstaclesOfTreaty = this.treaties.get(campaign.treaty)?.obstacles;
    const missions = new MissionDirectory(this.store, this.runner, campaign);
    const states = new Map<string, CountryOutreachState>();
    const planned: Planned[] = [];
    const inWorldOrder = [...items.entries()].sort(([i, a], [j, b]) => (dayOfItem(a) < dayOfItem(b) ? -1 : dayOfItem(a) > dayOfItem(b) ? 1 : i - j));
    for (const [index, item] of inWorldOrder) {
      try {
        await requireKnownCountry(this.store, item.iso3, 'country');
        const cosigners = item.details.kind === 'deliver-letter' ? (item.details.cosignedBy ?? []) : [];
        for (const [j, iso3] of cosigners.entries()) await requireKnownCountry(this.store, iso3, `cosignedBy/${j}`);
        const mission = await missions.forItem(item, defaultMissionId);
        const stream = outreachStreamId(campaign.campaignId, item.iso3);
        const state = states.get(stream) ?? (await this.runner.load(stream, countryOutreachDecider)).state;
        const command = { ...item.details, campaign, mission, iso3: item.iso3, today, ...(obstaclesOfTreaty ? { obstaclesOfTreaty } : {}) } as CountryOutreachCommandType;
        const events = countryOutreachDecider.decide(command, state);
        states.set(stream, events.reduce(countryOutreachDecider.evolve, state));
        planned.push({ index, stream, command, recorded: events.length > 0 });
      } catch (error) {
        refuse(index, error);
      }
    }
    if (problems.length) throw new BatchRefused(problems.sort((a, b) => a.index - b.index));
    return planned;
  }
}

const dayOfItem = ({ details: d }: OutreachItem) => (d.kind === 'deliver-letter' ? d.deliveredOn : d.kind === 'hold-meeting' ? d.heldOn : d.receivedOn);

/** A domain refusal of one item, as a problem of the batch; anything else is not the item's fault. */
export function itemProblem(index: number, error: unknown): ItemProblem {
  if (!(error instanceof DomainError)) throw error;
  return { index, field: error.field ?? '', kind: error.kind, code: error.code, message: error.message };
}

/** The campaign's missions, read once per batch: by id, and by the countries they cover. */
class MissionDirectory {
  private all?: Promise<Mission[]>;

  constructor(
    private readonly store: EventStore,
    private readonly runner: CommandRunner,
    private readonly campaign: Campaign,
  ) {}

  async forItem(item: OutreachItem, defaultMissionId?: string): Promise<Mission> {
    const missionId = item.missionId ?? defaultMissionId;
    if (missionId) {
      const mission = await this.runner.loadRegistration(missionStreamId(missionId), missionDecider);
      if (!mission) throw notFound('unknown-mission', `There is no mission "${missionId}"; register it first (POST /v1/missions).`, 'missionId');
      return mission;
    }
    const covering = (await this.campaignMissions()).filter((m) => m.accreditedTo.includes(item.iso3));
    const resident = covering.filter((m) => m.kind === 'resident');
    const chosen = resident.length === 1 ? resident : covering;
    if (chosen.length === 1) return chosen[0]!;
    const coordinators = this.campaign.coordinators.join(', ');
    if (!chosen.length) throw notFound('no-mission-for-country', `No mission of ${coordinators} is accredited to ${item.iso3}; register one, or name the mission (missionId).`, 'missionId');
    throw notFound('several-missions-for-country', `Several missions of ${coordinators} cover ${item.iso3} (${chosen.map((m) => m.missionId).join(', ')}); name the one that acted (missionId).`, 'missionId');
  }

  private campaignMissions(): Promise<Mission[]> {
    this.all ??= (async () => {
      const missions: Mission[] = [];
      for (let after = 0; ; ) {
        const page = await this.store.query({ types: ['MissionRegistered'], afterPosition: after, limit: 1000 });
        missions.push(...page.map((e) => (e as unknown as MissionRegistered).data).filter((m) => this.campaign.coordinators.includes(m.coordinator)));
        if (page.length < 1000) return missions;
        after = page[page.length - 1]!.position;
      }
    })();
    return this.all;
  }
}
