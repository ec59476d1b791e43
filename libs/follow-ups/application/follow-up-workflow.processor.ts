import type { EventMetadata, Iso3, RecordedEvent } from '../../kernel/index.js';
import type { CommandRunner } from '../../event-store/index.js';
import type { BatchEffect, Projection, ProjectionView } from '../../projections/index.js';
import type { CampaignLaunched, GroupAssigned, LetterDelivered, ResponseReceived } from '../../outreach/index.js';
import type { CountryRegistered, StatusChanged, TreatyDefinition } from '../../treaty-status/index.js';
import { followUpDecider } from '../domain/follow-up.decider.js';
import { dueTimerId, followUpStreamId, type FollowUpCompleted, type FollowUpEvent, type TimerElapsed, type Trigger } from '../domain/follow-up.events.js';
import type { Playbook } from '../domain/playbook.js';
import {
  decideCase,
  EMPTY_INITIATIVE,
  emptyCase,
  emptyCountry,
  evolveCase,
  evolveCountry,
  evolveInitiative,
  isInitiativeRule,
  type CaseContext,
  type CaseInput,
  type CaseState,
  type CaseView,
  type CountryFacts,
  type InitiativeState,
  type WorkflowCommand,
} from '../domain/follow-up.workflow.js';
import type { Timers, TimerSpec } from './timer.port.js';

/** The workflow's name as a subscription (its checkpoint) and where it keeps its memory: countries, campaigns, cases and initiatives. */
export const WORKFLOW_NAME = 'follow-up-policy';
const WORKFLOW_COLLECTION = WORKFLOW_NAME;
const ACTOR = 'system:follow-ups';

/** The rules a campaign runs under: its treaty's definition and playbook. */
export interface CampaignRules {
  playbookFor(treaty: string): Playbook | undefined;
  treatyFor(code: string): TreatyDefinition | undefined;
}

type WorkflowEvent = CountryRegistered | CampaignLaunched | StatusChanged | LetterDelivered | ResponseReceived | GroupAssigned | TimerElapsed | FollowUpCompleted;
type Input = CaseInput extends infer I ? (I extends unknown ? Omit<I, 'trigger' | 'on'> : never) : never;

const caseKey = (campaignId: string, iso3: Iso3) => `case:${campaignId}:${iso3}`;
const initiativeKey = (campaignId: string, kind: string, subregion: string) => `initiative:${campaignId}:${kind}:${subregion}`;

/**
 * Carries the follow-up workflow's decisions out, reading the log in order: it loads the state
 * an event concerns, asks `decideCase`, runs each command (a task's own decider, a timer) and
 * folds what it produced back into the state. A subscription with a checkpoint, like a
 * projection; its writes to tasks and timers are no-ops when repeated, so a batch applied
 * again after a crash duplicates nothing.
 */
export class FollowUpWorkflow implements Projection {
  readonly name = WORKFLOW_NAME;
  /** Layout 2: the memory of `decideCase` (layout 1 was the policy of earlier releases); see `upgradeLayouts`. */
  readonly revision = 2;
  readonly collections = [WORKFLOW_COLLECTION];
  readonly handles: readonly WorkflowEvent['type'][] = [
    'CountryRegistered', 'CampaignLaunched', 'StatusChanged', 'LetterDelivered', 'ResponseReceived', 'GroupAssigned', 'TimerElapsed', 'FollowUpCompleted',
  ];

  constructor(
    private readonly runner: CommandRunner,
    private readonly timers: Timers,
    private readonly rules: CampaignRules,
  ) {}

  async apply(event: RecordedEvent, view: ProjectionView): Promise<void> {
    // The timers a batch asks for are set together once its events are applied, before the
    // checkpoint is committed: after a crash in between, the batch is applied again.
    const timers = view.batchEffect('timers', () => new PendingTimers(this.timers));
    await new Reaction(event as RecordedEvent & WorkflowEvent, view, this.runner, timers, this.rules).react();
  }
}

/** The timers a batch asked for and has not set yet, set together by `flush` (one `setMany`). */
class PendingTimers implements BatchEffect {
  private readonly timers: TimerSpec[] = [];

  constructor(private readonly service: Timers) {}

  add(timer: TimerSpec): void {
    this.timers.push(timer);
  }

  async flush(): Promise<void> {
    const timers = this.timers.splice(0);
    if (timers.length) await this.service.setMany(timers);
  }

  /** Cancels after setting what was asked before, so that a set then a cancel ends cancelled. */
  async cancel(timerId: string): Promise<void> {
    await this.flush();
    await this.service.cancel(timerId);
  }
}

/** One event's reaction: the state it reads, the commands it carries out, the state it writes. */
class Reaction {
  private readonly trigger: Trigger;
  private readonly metadata: EventMetadata;
  /** Tasks found closed when a command to them changed nothing (a replay): their timers stay unset. */
  private readonly closed = new Set<string>();

  constructor(
    private readonly event: RecordedEvent & WorkflowEvent,
    private readonly view: ProjectionView,
    private readonly runner: CommandRunner,
    private readonly timers: PendingTimers,
    private readonly rules: CampaignRules,
  ) {
    this.trigger = { eventId: event.id, type: event.type, position: event.position };
    this.metadata = { actor: ACTOR, correlationId: event.correlationId, causationId: event.id };
  }

  async react(): Promise<void> {
    const e = this.event;
    switch (e.type) {
      case 'CountryRegistered': {
        const country = await this.country(e.data.iso3);
        return this.saveCountry(country, evolveCountry(country, { type: 'registered', subregion: e.data.subregion }));
      }
      case 'CampaignLaunched':
        return this.view.update(WORKFLOW_COLLECTION, `campaign:${e.data.campaignId}`, () => ({ treaty: e.data.treaty }));
      case 'StatusChanged': {
        const { treaty, iso3, action, on, entryIntoForceOn, effectiveOn } = e.data;
        const act = { action, on, ...(entryIntoForceOn ? { entryIntoForceOn } : {}), ...(effectiveOn ? { effectiveOn } : {}) };
        const country = await this.country(iso3);
        for (const campaignId of country.campaigns) await this.inCase(campaignId, country, { type: 'treaty-act', act }, treaty);
        return this.saveCountry(country, evolveCountry(country, { type: 'act', treaty, act }));
      }
      case 'LetterDelivered':
        return this.approached(e.data, { type: 'letter-delivered', letterVersion: e.streamVersion });
      case 'ResponseReceived':
        return this.approached(e.data, { type: 'response-received' });
      case 'GroupAssigned': {
        const { group, ratificationUnderWay, wishesToSign, depositAnnounced, obstacles, since } = e.data;
        return this.approached(e.data, { type: 'group-assigned', assessment: { group, ratificationUnderWay, wishesToSign, ...(depositAnnounced ? { depositAnnounced } : {}), obstacles, since } });
      }
      case 'TimerElapsed': {
        const p = e.data.payload;
        if (p.purpose === 'due') {
          await this.send(p.followUpId, { kind: 'fall-due', on: this.on });
          return;
        }
        if (p.purpose === 'escalate') {
          const { state: task } = await this.runner.load(followUpStreamId(p.followUpId), followUpDecider);
          if (!task) return;
          return this.inCase(p.campaignId, await this.country(p.iso3), { type: 'escalation-timer', followUpId: p.followUpId, kind: p.kind, dueOn: task.dueOn });
        }
        if (p.purpose === 'no-response') return this.inCase(p.campaignId, await this.country(p.iso3), { type: 'no-response-timer', kind: p.kind, letterEventId: p.letterEventId });
        // A `repeat` timer of an earlier release: the next occurrence now follows the completion of the one before.
        return;
      }
      case 'FollowUpCompleted':
        return this.completed(e);
    }
  }

  private get on(): string {
    return this.event.occurredAt.slice(0, 10);
  }

  /** A letter, response or assessment: the country is now approached in the campaign. */
  private async approached(data: { campaignId: string; iso3: Iso3 }, input: Input): Promise<void> {
    const before = await this.country(data.iso3);
    const country = evolveCountry(before, { type: 'approached', campaignId: data.campaignId });
    await this.saveCountry(before, country);
    await this.inCase(data.campaignId, country, input);
  }

  private async completed(event: FollowUpCompleted): Promise<void> {
    const { followUpId } = event.data;
    const { state: task } = await this.runner.load(followUpStreamId(followUpId), followUpDecider);
    if (!task) return;
    if (task.subregion === undefined) {
      return this.inCase(task.campaignId, await this.country(task.countries[0]!), { type: 'task-completed', followUpId, kind: task.kind, occurrence: task.occurrence });
    }
    const key = initiativeKey(task.campaignId, task.kind, task.subregion);
    const initiative = await this.view.get<InitiativeState>(WORKFLOW_COLLECTION, key);
    if (initiative) await this.view.update<InitiativeState>(WORKFLOW_COLLECTION, key, () => evolveInitiative(initiative, event));
    await this.timers.cancel(dueTimerId(followUpId));
  }

  /** Decides one input for one case and carries it out; `treaty`: only if the campaign is for that treaty. */
  private async inCase(campaignId: string, country: CountryFacts, input: Input, treaty?: string): Promise<void> {
    const campaign = await this.view.get<{ treaty: string }>(WORKFLOW_COLLECTION, `campaign:${campaignId}`);
    if (!campaign || (treaty && campaign.treaty !== treaty)) return;
    const playbook = this.rules.playbookFor(campaign.treaty);
    const definition = this.rules.treatyFor(campaign.treaty);
    if (!playbook || !definition) return;
    const subregion = country.subregion ?? 'unknown';
    const initiatives: Record<string, InitiativeState> = {};
    for (const rule of playbook.rules.filter(isInitiativeRule)) {
      initiatives[rule.kind] = (await this.view.get<InitiativeState>(WORKFLOW_COLLECTION, initiativeKey(campaignId, rule.kind, subregion))) ?? EMPTY_INITIATIVE;
    }
    const current = (await this.view.get<CaseState>(WORKFLOW_COLLECTION, caseKey(campaignId, country.iso3))) ?? emptyCase(campaignId, country.iso3);
    const full = { ...input, trigger: this.trigger, on: this.on } as CaseInput;
    const ctx: CaseContext = { playbook, treaty: definition, country, case: current, initiatives };
    let state: CaseView = evolveCase({ country, case: current, initiatives }, full);
    for (const command of decideCase(full, ctx)) state = await this.carryOut(command, state);
    if (state.case !== current) await this.view.update<CaseState>(WORKFLOW_COLLECTION, caseKey(campaignId, country.iso3), () => state.case);
    for (const [kind, initiative] of Object.entries(state.initiatives)) {
      if (initiative !== initiatives[kind]) await this.view.update<InitiativeState>(WORKFLOW_COLLECTION, initiativeKey(campaignId, kind, subregion), () => initiative);
    }
  }

  private async carryOut(command: WorkflowCommand, state: CaseView): Promise<CaseView> {
    switch (command.type) {
      case 'set-timer': {
        const { timerId, dueOn, payload } = command;
        if ((payload.purpose !== 'due' && payload.purpose !== 'escalate') || !this.closed.has(payload.followUpId)) this.timers.add({ timerId, dueOn, payload });
        return state;
      }
      case 'cancel-timer':
        await this.timers.cancel(command.timerId);
        return state;
      case 'send':
        return (await this.send(command.followUpId, command.command)).reduce(evolveCase, state);
    }
  }

  /**
   * Runs a command on a task and returns the events it produced. When it changed nothing (a
   * replay), those are the events this very reaction produced the first time: the task's
   * events caused by the event at hand, and nothing that happened to the task after it.
   */
  private async send(followUpId: string, command: Parameters<typeof followUpDecider.decide>[0]): Promise<FollowUpEvent[]> {
    const stream = followUpStreamId(followUpId);
    const outcome = await this.runner.run(stream, followUpDecider, command, this.metadata, { retryOnConflict: true });
    if (outcome.events.length) return outcome.events as FollowUpEvent[];
    const { state: history } = await this.runner.load(stream, { initialState: (): (RecordedEvent & FollowUpEvent)[] => [], evolve: (events, e: RecordedEvent & FollowUpEvent) => [...events, e] });
    const task = history.reduce(followUpDecider.evolve, followUpDecider.initialState());
    if (task?.status !== 'open' && task?.status !== 'claimed') this.closed.add(followUpId);
    return history.filter((e) => e.causationId === this.event.id);
  }

  private async country(iso3: Iso3): Promise<CountryFacts> {
    return (await this.view.get<CountryFacts>(WORKFLOW_COLLECTION, `country:${iso3}`)) ?? emptyCountry(iso3);
  }

  private async saveCountry(before: CountryFacts, after: CountryFacts): Promise<void> {
    if (after !== before) await this.view.update<CountryFacts>(WORKFLOW_COLLECTION, `country:${after.iso3}`, () => after);
  }
}
