import { addDays, type EventMetadata, type Iso3, type LocalDate, type RecordedEvent } from '../../kernel/index.js';
import type { CommandRunner } from '../../event-store/index.js';
import type { BatchEffect, Projection, ProjectionView } from '../../projections/index.js';
import type { Assessment, CampaignLaunched, GroupAssigned, LetterDelivered, ResponseReceived } from '../../outreach/index.js';
import type { CountryRegistered, StatusChanged } from '../../treaty-status/index.js';
import { isDeposit } from '../../treaty-status/index.js';
import { followUpDecider, type FollowUpCommand } from '../domain/follow-up.decider.js';
import { dueTimerId, followUpStreamId, type FollowUpCompleted, type FollowUpRetracted, type TimerElapsed, type TimerPayload, type Trigger } from '../domain/follow-up.events.js';
import { isNoResponseTrigger, ruleApplies, type Playbook, type PlaybookRule } from '../domain/playbook.js';
import type { Timers, TimerSpec } from './timer.port.js';

/** The playbook's memory of one country in one campaign. */
interface CaseDoc {
  readonly campaignId: string;
  readonly iso3: Iso3;
  readonly assessment?: Assessment;
  readonly assessedBy?: Trigger;
  readonly lastResponseOn?: LocalDate;
  /** Open tasks of this country (not regional initiatives): follow-up id -> kind. */
  readonly open: Readonly<Record<string, string>>;
  /** The latest occurrence of each repeating kind, open or done. */
  readonly latest: Readonly<Record<string, string>>;
}
interface CountryDoc {
  readonly subregion?: string;
  readonly campaigns: readonly string[];
  /** Treaties this country is a party to (deposited, not withdrawn). */
  readonly parties: readonly string[];
  readonly signed: readonly string[];
}
interface CampaignDoc {
  readonly treaty: string;
}
interface InitiativeDoc {
  readonly open?: string;
  readonly members: readonly Iso3[];
  readonly count: number;
}

const COLLECTION = 'follow-up-policy';
const SYSTEM_ACTOR = 'system:follow-ups';
const slug = (s: string) => s.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '');

/**
 * The playbook at work: reads the log in order and keeps the follow-up tasks in line with
 * it. Every task id derives from what triggered it, and every write it makes is a no-op when
 * repeated, so replaying the log or re-running a batch after a crash duplicates nothing.
 */
export class FollowUpPolicy implements Projection {
  readonly name = 'follow-up-policy';
  readonly collections = [COLLECTION];
  readonly handles = [
    'CountryRegistered', 'CampaignLaunched', 'StatusChanged', 'LetterDelivered', 'ResponseReceived', 'GroupAssigned',
    'TimerElapsed', 'FollowUpCompleted', 'FollowUpRetracted',
  ];

  constructor(
    private readonly commands: CommandRunner,
    private readonly timers: Timers,
    private readonly playbookFor: (treaty: string) => Playbook | undefined,
  ) {}

  async apply(event: RecordedEvent, view: ProjectionView): Promise<void> {
    // The timers a batch asks for are set together (one `setMany`) once its events are
    // applied, before `applyBatch` commits the checkpoint: after a crash in between, the
    // batch is applied again, its commands change nothing, and the timers of the tasks
    // still open are set.
    const timers = view.batchEffect('timers', () => new PendingTimers(this.timers));
    await this.react(event, view, new Reaction(event, view, this, timers));
  }

  private react(event: RecordedEvent, view: ProjectionView, ctx: Reaction): Promise<void> {
    switch (event.type) {
      case 'CountryRegistered': {
        const { iso3, subregion } = (event as RecordedEvent & CountryRegistered).data;
        return ctx.country(iso3, (c) => ({ ...c, subregion }));
      }
      case 'CampaignLaunched': {
        const { campaignId, treaty } = (event as RecordedEvent & CampaignLaunched).data;
        return view.update<CampaignDoc>(COLLECTION, `campaign:${campaignId}`, () => ({ treaty }));
      }
      case 'StatusChanged':
        return ctx.onStatusChanged((event as RecordedEvent & StatusChanged).data);
      case 'LetterDelivered':
        return ctx.onLetter(event as RecordedEvent & LetterDelivered);
      case 'ResponseReceived':
        return ctx.onResponse((event as RecordedEvent & ResponseReceived).data);
      case 'GroupAssigned':
        return ctx.onAssessment((event as RecordedEvent & GroupAssigned).data);
      case 'TimerElapsed':
        return ctx.onTimer((event as RecordedEvent & TimerElapsed).data);
      case 'FollowUpCompleted':
      case 'FollowUpRetracted':
        return ctx.onClosed((event as RecordedEvent & (FollowUpCompleted | FollowUpRetracted)).data);
    }
    return Promise.resolve();
  }

  /** @internal used by {@link Reaction} */
  async send(followUpId: string, command: FollowUpCommand, metadata: EventMetadata): Promise<void> {
    await this.commands.run(followUpStreamId(followUpId), followUpDecider, command, metadata, { retryOnConflict: true });
  }

  /**
   * Schedules a task; true when it is open or claimed afterwards. False when the task
   * already existed and was closed since, as happens when the log is replayed: its timers
   * must not be set again then.
   */
  async schedule(followUpId: string, command: FollowUpCommand & { kind: 'schedule' }, metadata: EventMetadata): Promise<boolean> {
    const outcome = await this.commands.run(followUpStreamId(followUpId), followUpDecider, command, metadata, { retryOnConflict: true });
    if (outcome.events.length) return true;
    const { state } = await this.commands.load(followUpStreamId(followUpId), followUpDecider);
    return state?.status === 'open' || state?.status === 'claimed';
  }
  /** @internal */
  playbook(treaty: string): Playbook | undefined {
    return this.playbookFor(treaty);
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

/** One event's reaction: the state it reads and the tasks it writes. */
class Reaction {
  private readonly trigger: Trigger;
  private readonly metadata: EventMetadata;
  private readonly on: LocalDate;

  constructor(
    event: RecordedEvent,
    private readonly view: ProjectionView,
    private readonly policy: FollowUpPolicy,
    private readonly timers: PendingTimers,
  ) {
    this.trigger = { eventId: event.id, type: event.type, position: event.position };
    this.metadata = { actor: SYSTEM_ACTOR, correlationId: event.correlationId, causationId: event.id };
    this.on = event.occurredAt.slice(0, 10);
  }

  private setTimer(timerId: string, dueOn: LocalDate, payload: TimerPayload): void {
    this.timers.add({ timerId, dueOn, payload });
  }

  private cancelTimer(timerId: string): Promise<void> {
    return this.timers.cancel(timerId);
  }

  country(iso3: Iso3, change: (c: CountryDoc) => CountryDoc): Promise<void> {
    return this.view.update<CountryDoc>(COLLECTION, `country:${iso3}`, (c) => change(c ?? { campaigns: [], parties: [], signed: [] }));
  }

  private async caseOf(campaignId: string, iso3: Iso3): Promise<CaseDoc> {
    return (await this.view.get<CaseDoc>(COLLECTION, `case:${campaignId}:${iso3}`)) ?? { campaignId, iso3, open: {}, latest: {} };
  }

  private saveCase(c: CaseDoc): Promise<void> {
    return this.view.update<CaseDoc>(COLLECTION, `case:${c.campaignId}:${c.iso3}`, () => c);
  }

  private async context(campaignId: string, iso3: Iso3) {
    const campaign = await this.view.get<CampaignDoc>(COLLECTION, `campaign:${campaignId}`);
    const country = (await this.view.get<CountryDoc>(COLLECTION, `country:${iso3}`)) ?? { campaigns: [], parties: [], signed: [] };
    const playbook = campaign ? this.policy.playbook(campaign.treaty) : undefined;
    const isParty = campaign ? country.parties.includes(campaign.treaty) : false;
    return { campaign, country, playbook, isParty };
  }

  async onStatusChanged(data: StatusChanged['data']): Promise<void> {
    const { treaty, iso3, action } = data;
    await this.country(iso3, (c) => ({
      ...c,
      parties: isDeposit(action) ? [...new Set([...c.parties, treaty])] : action === 'withdrawal' ? c.parties.filter((t) => t !== treaty) : c.parties,
      signed: action === 'signature' ? [...new Set([...c.signed, treaty])] : c.signed,
    }));
    if (!isDeposit(action) && action !== 'signature') return;
    const country = await this.view.get<CountryDoc>(COLLECTION, `country:${iso3}`);
    for (const campaignId of country?.campaigns ?? []) {
      const { campaign, playbook } = await this.context(campaignId, iso3);
      if (campaign?.treaty !== treaty || !playbook) continue;
      const c = await this.caseOf(campaignId, iso3);
      const reason = isDeposit(action) ? `${iso3} deposited its instrument of ${action}` : `${iso3} signed`;
      const retire = Object.keys(c.open).filter((id) => isDeposit(action) || rule(playbook, c.open[id]!)?.retractOn?.includes('signature'));
      await this.retract(retire, reason);
      if (retire.length) await this.saveCase({ ...c, open: omit(c.open, retire) });
      if (isDeposit(action)) {
        for (const r of playbook.rules.filter((r) => r.gather)) await this.leaveInitiative(campaignId, iso3, r, reason);
      }
    }
  }

  private async retract(followUpIds: readonly string[], reason: string): Promise<void> {
    for (const id of followUpIds) await this.policy.send(id, { kind: 'retract', reason, triggeredBy: this.trigger, on: this.on }, this.metadata);
  }

  async onLetter(event: RecordedEvent & LetterDelivered): Promise<void> {
    const { campaignId, iso3, deliveredOn } = event.data;
    await this.country(iso3, (c) => ({ ...c, campaigns: [...new Set([...c.campaigns, campaignId])] }));
    const { playbook } = await this.context(campaignId, iso3);
    for (const r of playbook?.rules ?? []) {
      if (!isNoResponseTrigger(r.when)) continue;
      const dueOn = addDays(deliveredOn, r.when.noResponseWithinDays);
      const timerId = `${r.kind}.${campaignId}.${iso3}.${event.streamVersion}`;
      this.setTimer(timerId, dueOn, { purpose: 'no-response', queue: r.queue, kind: r.kind, campaignId, iso3, letterEventId: event.id, deliveredOn });
    }
  }

  async onResponse(data: ResponseReceived['data']): Promise<void> {
    const { campaignId, iso3, receivedOn } = data;
    await this.country(iso3, (c) => ({ ...c, campaigns: [...new Set([...c.campaigns, campaignId])] }));
    const c = await this.caseOf(campaignId, iso3);
    const { playbook } = await this.context(campaignId, iso3);
    const answered = Object.keys(c.open).filter((id) => {
      const r = rule(playbook, c.open[id]!);
      return r && isNoResponseTrigger(r.when);
    });
    await this.retract(answered, `${iso3} responded on ${receivedOn}`);
    const lastResponseOn = c.lastResponseOn && c.lastResponseOn > receivedOn ? c.lastResponseOn : receivedOn;
    await this.saveCase({ ...c, lastResponseOn, open: omit(c.open, answered) });
  }

  async onAssessment(data: GroupAssigned['data']): Promise<void> {
    const { campaignId, iso3, group, ratificationUnderWay, wishesToSign, obstacles, since } = data;
    const assessment: Assessment = { group, ratificationUnderWay, wishesToSign, obstacles, since };
    let c: CaseDoc = { ...(await this.caseOf(campaignId, iso3)), assessment, assessedBy: this.trigger };
    const { playbook, isParty, country } = await this.context(campaignId, iso3);
    if (!playbook) return this.saveCase(c);
    for (const r of playbook.rules) {
      if (isNoResponseTrigger(r.when)) continue;
      const applies = !isParty && ruleApplies(r, assessment);
      if (r.gather) {
        if (applies) await this.joinInitiative(c, country.subregion ?? 'unknown', r, since);
        else await this.leaveInitiative(campaignId, iso3, r, `${iso3} no longer cites what this initiative addresses`);
        continue;
      }
      const open = openOfKind(c, r.kind);
      if (applies && !open.length) {
        const followUpId = `${r.kind}.${campaignId}.${iso3}.${this.trigger.eventId.slice(0, 8)}`;
        c = await this.schedule(c, r, followUpId, addDays(since, r.dueInDays), 1);
      } else if (!applies && open.length) {
        await this.retract(open, `${iso3} was re-assessed as Group ${group}`);
        c = { ...c, open: omit(c.open, open), latest: omit(c.latest, [r.kind]) };
      }
    }
    await this.saveCase(c);
  }

  private async schedule(c: CaseDoc, r: PlaybookRule, followUpId: string, dueOn: LocalDate, occurrence: number): Promise<CaseDoc> {
    const { campaign } = await this.context(c.campaignId, c.iso3);
    const active = await this.policy.schedule(followUpId, {
      kind: 'schedule',
      on: this.on,
      task: { followUpId, campaignId: c.campaignId, treaty: campaign!.treaty, kind: r.kind, queue: r.queue, countries: [c.iso3], dueOn, occurrence, triggeredBy: this.trigger },
    }, this.metadata);
    if (active) this.setTimer(dueTimerId(followUpId), dueOn, { purpose: 'due', queue: r.queue, followUpId });
    if (r.repeatEveryDays) {
      const next = addDays(dueOn, r.repeatEveryDays);
      this.setTimer(`repeat.${followUpId}`, addDays(next, -r.dueInDays), {
        purpose: 'repeat', queue: r.queue, kind: r.kind, campaignId: c.campaignId, iso3: c.iso3, followUpId, occurrence, dueOn: next,
      });
    }
    return { ...c, open: { ...c.open, [followUpId]: r.kind }, latest: r.repeatEveryDays ? { ...c.latest, [r.kind]: followUpId } : c.latest };
  }

  private async joinInitiative(c: CaseDoc, subregion: string, r: PlaybookRule, since: LocalDate): Promise<void> {
    const id = `initiative:${c.campaignId}:${r.kind}:${subregion}`;
    const doc = (await this.view.get<InitiativeDoc>(COLLECTION, id)) ?? { members: [], count: 0 };
    if (doc.open) {
      await this.policy.send(doc.open, { kind: 'widen', iso3: c.iso3, triggeredBy: this.trigger, on: this.on }, this.metadata);
      return this.view.update<InitiativeDoc>(COLLECTION, id, () => ({ ...doc, members: [...new Set([...doc.members, c.iso3])].sort() }));
    }
    const { campaign } = await this.context(c.campaignId, c.iso3);
    const followUpId = `${r.kind}.${c.campaignId}.${slug(subregion)}.${doc.count + 1}`;
    const dueOn = addDays(since, r.dueInDays);
    const active = await this.policy.schedule(followUpId, {
      kind: 'schedule',
      on: this.on,
      task: { followUpId, campaignId: c.campaignId, treaty: campaign!.treaty, kind: r.kind, queue: r.queue, countries: [c.iso3], subregion, dueOn, occurrence: 1, triggeredBy: this.trigger },
    }, this.metadata);
    if (active) this.setTimer(dueTimerId(followUpId), dueOn, { purpose: 'due', queue: r.queue, followUpId });
    await this.view.update<InitiativeDoc>(COLLECTION, id, () => ({ open: followUpId, members: [c.iso3], count: doc.count + 1 }));
  }

  private async leaveInitiative(campaignId: string, iso3: Iso3, r: PlaybookRule, reason: string): Promise<void> {
    const { country } = await this.context(campaignId, iso3);
    const id = `initiative:${campaignId}:${r.kind}:${country.subregion ?? 'unknown'}`;
    const doc = await this.view.get<InitiativeDoc>(COLLECTION, id);
    if (!doc?.open || !doc.members.includes(iso3)) return;
    await this.policy.send(doc.open, { kind: 'narrow', iso3, reason, triggeredBy: this.trigger, on: this.on }, this.metadata);
    const members = doc.members.filter((m) => m !== iso3);
    await this.view.update<InitiativeDoc>(COLLECTION, id, () => (members.length ? { ...doc, members } : { members, count: doc.count }));
  }

  async onTimer(data: TimerElapsed['data']): Promise<void> {
    const p = data.payload;
    if (p.purpose === 'due') return this.policy.send(p.followUpId, { kind: 'fall-due', on: this.on }, this.metadata);
    const c = await this.caseOf(p.campaignId, p.iso3);
    const { playbook, isParty } = await this.context(p.campaignId, p.iso3);
    const r = rule(playbook, p.kind);
    if (!r || isParty) return;
    if (p.purpose === 'no-response') {
      if (c.lastResponseOn || openOfKind(c, r.kind).length) return;
      const followUpId = `${r.kind}.${p.campaignId}.${p.iso3}.${p.letterEventId.slice(0, 8)}`;
      return this.saveCase(await this.schedule(c, r, followUpId, addDays(data.dueOn, r.dueInDays), 1));
    }
    // A repeat: only the latest occurrence repeats, and only while the rule still applies.
    // An earlier occurrence still open stays open: an overdue check is worth seeing.
    if (c.latest[r.kind] !== p.followUpId || !ruleApplies(r, c.assessment)) return;
    const base = p.followUpId.replace(/~\d+$/, '');
    await this.saveCase(await this.schedule(c, r, `${base}~${p.occurrence + 1}`, p.dueOn, p.occurrence + 1));
  }

  async onClosed(data: (FollowUpCompleted | FollowUpRetracted)['data']): Promise<void> {
    // A closed task can no longer fall due: drop its pending timer (a no-op if it fired).
    await this.cancelTimer(dueTimerId(data.followUpId));
    for (const iso3 of data.countries) {
      const cases = await this.view.get<CountryDoc>(COLLECTION, `country:${iso3}`);
      for (const campaignId of cases?.campaigns ?? []) {
        const c = await this.caseOf(campaignId, iso3);
        if (c.open[data.followUpId]) await this.saveCase({ ...c, open: omit(c.open, [data.followUpId]) });
        const { playbook, country } = await this.context(campaignId, iso3);
        for (const r of playbook?.rules.filter((r) => r.gather) ?? []) {
          const id = `initiative:${campaignId}:${r.kind}:${country.subregion ?? 'unknown'}`;
          const doc = await this.view.get<InitiativeDoc>(COLLECTION, id);
          if (doc?.open === data.followUpId) await this.view.update<InitiativeDoc>(COLLECTION, id, () => ({ members: [], count: doc.count }));
        }
      }
    }
  }
}

function openOfKind(c: CaseDoc, kind: string): string[] {
  return Object.keys(c.open).filter((id) => c.open[id] === kind);
}

function rule(playbook: Playbook | undefined, kind: string): PlaybookRule | undefined {
  return playbook?.rules.find((r) => r.kind === kind);
}

function omit<T>(record: Readonly<Record<string, T>>, keys: readonly string[]): Record<string, T> {
  return Object.fromEntries(Object.entries(record).filter(([k]) => !keys.includes(k)));
}
