import { addDays, maxDate, type Iso3, type LocalDate } from '../../kernel/index.js';
import type { Assessment } from '../../outreach/domain/index.js';
import { applyAct, isDeposit, statusOn, type Act, type TreatyDefinition, type TreatyStanding } from '../../treaty-status/domain/index.js';
import type { FollowUpCommand } from './follow-up.decider.js';
import { dueTimerId, escalationTimerId, type FollowUpEvent, type FollowUpScheduled } from './follow-up.events.js';
import { isNoResponseTrigger, ruleApplies, type Playbook, type PlaybookRule } from './playbook.js';
import { EMPTY_INITIATIVE, type CaseContext, type CaseInput, type CaseState, type CaseTask, type CaseView, type CountryFacts, type InitiativeState, type InitiativeTask, type WorkflowCommand } from './follow-up.case.js';

/**
 * The playbook as a process manager. For one *case* (a country in a campaign) it decides,
 * from what happened and what it remembers, the commands that keep the coordinators' tasks
 * in line with the facts: `decideCase(input, context) -> commands`, and `evolveCase` folds
 * the inputs and the task events those commands produced into its memory.
 *
 * Every rule is decided on the country's standing on the day its trigger happened, not on
 * today's: a 2012 response entered today opens the tasks it opened in 2012, and a deposit
 * recorded before it, but dated later, closes them on the deposit's date.
 */
export * from './follow-up.case.js';

const slug = (s: string) => s.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '');

/** The id of a case's first task of a kind: the kind, the case and the event that caused it. */
export const caseTaskId = (kind: string, campaignId: string, iso3: Iso3, cause: string) => `${kind}.${campaignId}.${iso3}.${cause.slice(0, 8)}`;
/** Occurrences after the first carry their number: `...~2`. */
export const nextOccurrenceId = (followUpId: string, occurrence: number) => `${followUpId.replace(/~\d+$/, '')}~${occurrence}`;
export const initiativeTaskId = (kind: string, campaignId: string, subregion: string, n: number) => `${kind}.${campaignId}.${slug(subregion)}.${n}`;
const initiativeNumber = (followUpId: string) => Number(/\.(\d+)$/.exec(followUpId)?.[1] ?? 0);

export const isInitiativeRule = (rule: PlaybookRule) => rule.initiative !== undefined;

/** The treaty is open for signature on that day (afterwards a state joins by accession). */
export function signatureOpenOn(treaty: TreatyDefinition, day: LocalDate): boolean {
  return day >= treaty.openedForSignatureOn && (!treaty.signatureClosesOn || day < treaty.signatureClosesOn);
}

/** The acts that achieve a rule's purpose: a deposit always, a signature where the rule says so. */
function achievingActs(rule: PlaybookRule, standing: TreatyStanding): { on: LocalDate; what: string }[] {
  const acts = standing.depositedOn ? [{ on: standing.depositedOn, what: `deposited its instrument of ${standing.depositType ?? 'ratification'}` }] : [];
  if (rule.retractOn?.includes('signature') && standing.signedOn) acts.push({ on: standing.signedOn, what: 'signed' });
  return acts;
}

/** Whether the rule applies to the case on `day`: its trigger matches, and the country has not done by then what the task asks. */
function appliesOn(rule: PlaybookRule, assessment: Assessment | undefined, ctx: CaseContext, day: LocalDate): boolean {
  if (!ruleApplies(rule, assessment)) return false;
  const when = rule.when as { signatureOpen?: boolean };
  if (when.signatureOpen !== undefined && when.signatureOpen !== signatureOpenOn(ctx.treaty, day)) return false;
  const standing = standingOf(ctx);
  if (statusOn(standing, day) === 'state-party') return false;
  return !(rule.retractOn?.includes('signature') && standing.signedOn && standing.signedOn <= day);
}

/** The first recorded fact after `day` that makes a task of the rule moot: it ended then. */
function mootAfter(rule: PlaybookRule, ctx: CaseContext, day: LocalDate, also: { on: LocalDate; what: string }[] = []): { on: LocalDate; reason: string } | undefined {
  const [first] = [...achievingActs(rule, standingOf(ctx)), ...also].filter((a) => a.on > day).sort((a, b) => (a.on < b.on ? -1 : 1));
  return first && { on: first.on, reason: `${ctx.case.iso3} ${first.what} on ${first.on}` };
}

const standingOf = (ctx: CaseContext): TreatyStanding => ctx.country.standings[ctx.treaty.code] ?? {};
const ruleOf = (playbook: Playbook, kind: string) => playbook.rules.find((r) => r.kind === kind);
/** The tasks of a kind not closed by the end of `day`. */
const liveOfKind = (c: CaseState, kind: string, day: LocalDate) => Object.entries(c.tasks).filter(([, t]) => t.kind === kind && (!t.closedOn || t.closedOn > day));
const earlier = (a: LocalDate | undefined, b: LocalDate) => (a !== undefined && a < b ? a : b);

/** Builds the commands of one decision in the order the processor must carry them out. */
class Decision {
  readonly commands: WorkflowCommand[] = [];
  constructor(
    private readonly input: CaseInput,
    private readonly ctx: CaseContext,
  ) {}

  private send(followUpId: string, command: FollowUpCommand): void {
    this.commands.push({ type: 'send', followUpId, command });
  }

  /** Opens a task on `openedOn`; if a fact recorded already ended it, it is closed on that day at once. */
  schedule(rule: PlaybookRule, task: Pick<FollowUpScheduled['data'], 'followUpId' | 'countries' | 'dueOn' | 'occurrence' | 'subregion'>, openedOn: LocalDate, until?: { on: LocalDate; reason: string }): void {
    const { ctx, input } = this;
    this.send(task.followUpId, {
      kind: 'schedule',
      on: openedOn,
      task: { campaignId: ctx.case.campaignId, treaty: ctx.treaty.code, kind: rule.kind, queue: rule.queue, ...task, triggeredBy: input.trigger },
      ...(until ? { until } : {}),
    });
    if (until) return;
    this.commands.push({ type: 'set-timer', timerId: dueTimerId(task.followUpId), dueOn: task.dueOn, payload: { purpose: 'due', queue: rule.queue, followUpId: task.followUpId } });
    if (rule.escalate) {
      const payload = { purpose: 'escalate', queue: rule.queue, followUpId: task.followUpId, kind: rule.kind, campaignId: ctx.case.campaignId, iso3: task.countries[0]! } as const;
      this.commands.push({ type: 'set-timer', timerId: escalationTimerId(task.followUpId), dueOn: addDays(task.dueOn, rule.escalate.afterDaysOverdue), payload });
    }
  }

  /** Closes a task on `on` (never before it opened), unless it closed on that day or earlier already. */
  retract(followUpId: string, task: CaseTask, on: LocalDate, reason: string): void {
    const at = maxDate(on, task.openedOn);
    if (task.closedOn && task.closedOn <= at) return;
    this.send(followUpId, { kind: 'retract', reason, triggeredBy: this.input.trigger, on: at });
    this.commands.push({ type: 'cancel-timer', timerId: dueTimerId(followUpId) });
    if (ruleOf(this.ctx.playbook, task.kind)?.escalate) this.commands.push({ type: 'cancel-timer', timerId: escalationTimerId(followUpId) });
  }

  /** The country joins the sub-region's initiative, forming it if none is open. */
  join(rule: PlaybookRule, day: LocalDate): void {
    const { ctx, input } = this;
    const iso3 = ctx.case.iso3;
    const initiative = ctx.initiatives[rule.kind] ?? EMPTY_INITIATIVE;
    const until = mootAfter(rule, ctx, day);
    const last = initiative.last;
    if (!initiative.open && last && maxDate(day, last.openedOn) < last.retractedOn) {
      this.send(last.id, { kind: 'widen', iso3, triggeredBy: input.trigger, on: maxDate(day, last.openedOn), ...(until ? { until } : {}) });
      if (!until) this.commands.push({ type: 'set-timer', timerId: dueTimerId(last.id), dueOn: last.dueOn, payload: { purpose: 'due', queue: rule.queue, followUpId: last.id } });
      return;
    }
    if (!initiative.open) {
      const subregion = ctx.country.subregion ?? 'unknown';
      const followUpId = initiativeTaskId(rule.kind, ctx.case.campaignId, subregion, initiative.formed + 1);
      return this.schedule(rule, { followUpId, countries: [iso3], subregion, dueOn: addDays(day, rule.dueInDays), occurrence: 1 }, day, until);
    }
    if (initiative.members.includes(iso3)) return;
    this.send(initiative.open.id, { kind: 'widen', iso3, triggeredBy: input.trigger, on: maxDate(day, initiative.open.openedOn), ...(until ? { until } : {}) });
  }

  /** The country leaves its initiative on `on`; if it left on a later day already, it left on `on`. */
  leave(rule: PlaybookRule, on: LocalDate, reason: string): void {
    const initiative = this.ctx.initiatives[rule.kind];
    const iso3 = this.ctx.case.iso3;
    if (!initiative) return;
    const narrow = (task: InitiativeTask) => this.send(task.id, { kind: 'narrow', iso3, reason, triggeredBy: this.input.trigger, on: maxDate(on, task.openedOn) });
    if (initiative.open && initiative.members.includes(iso3)) return narrow(initiative.open);
    const left = initiative.left[iso3];
    const task = [initiative.open, initiative.last].find((t) => t && t.id === left?.id);
    if (left && task && maxDate(on, task.openedOn) < left.on) narrow(task);
  }
}

/**
 * The commands one input calls for in one case. Pure: the same input on the same state gives
 * the same commands, and every command is a no-op when repeated (task ids derive from what
 * caused them), so a replay or a batch applied again after a crash duplicates nothing.
 */
export function decideCase(input: CaseInput, ctx: CaseContext): WorkflowCommand[] {
  const d = new Decision(input, ctx);
  const { playbook, case: c } = ctx;
  const { campaignId, iso3 } = c;
  switch (input.type) {
    case 'letter-delivered':
      for (const rule of playbook.rules) {
        if (!isNoResponseTrigger(rule.when)) continue;
        d.commands.push({
          type: 'set-timer',
          timerId: `${rule.kind}.${campaignId}.${iso3}.${input.letterVersion}`,
          dueOn: addDays(input.on, rule.when.noResponseWithinDays),
          payload: { purpose: 'no-response', queue: rule.queue, kind: rule.kind, campaignId, iso3, letterEventId: input.trigger.eventId, deliveredOn: input.on },
        });
      }
      break;
    case 'no-response-timer': {
      const rule = ruleOf(playbook, input.kind);
      if (!rule || !appliesNoResponse(rule, ctx, input.on) || liveOfKind(c, rule.kind, input.on).length) break;
      const answered = c.respondedOn.filter((r) => r > input.on).map((r) => ({ on: r, what: 'responded' }));
      const followUpId = caseTaskId(rule.kind, campaignId, iso3, input.letterEventId);
      d.schedule(rule, { followUpId, countries: [iso3], dueOn: addDays(input.on, rule.dueInDays), occurrence: 1 }, input.on, mootAfter(rule, ctx, input.on, answered.slice(0, 1)));
      break;
    }
    case 'response-received':
      for (const [id, task] of Object.entries(c.tasks)) {
        const rule = ruleOf(playbook, task.kind);
        if (rule && isNoResponseTrigger(rule.when)) d.retract(id, task, input.on, `${iso3} responded on ${input.on}`);
      }
      break;
    case 'group-assigned': {
      const { assessment } = input;
      const day = assessment.since;
      for (const rule of playbook.rules) {
        if (isNoResponseTrigger(rule.when)) continue;
        const applies = appliesOn(rule, assessment, ctx, day);
        if (isInitiativeRule(rule)) {
          if (applies) d.join(rule, day);
          else d.leave(rule, day, `${iso3} no longer cites what this initiative addresses`);
          continue;
        }
        const open = liveOfKind(c, rule.kind, day);
        if (applies && !open.length) {
          const followUpId = caseTaskId(rule.kind, campaignId, iso3, input.trigger.eventId);
          d.schedule(rule, { followUpId, countries: [iso3], dueOn: addDays(day, rule.dueInDays), occurrence: 1 }, day, mootAfter(rule, ctx, day));
        } else if (!applies) {
          for (const [id, task] of open) d.retract(id, task, day, `${iso3} was re-assessed as Group ${assessment.group}`);
        }
      }
      break;
    }
    case 'treaty-act': {
      const { act } = input;
      const deposit = isDeposit(act.action);
      if (!deposit && act.action !== 'signature') break;
      const reason = `${iso3} ${deposit ? `deposited its instrument of ${act.action}` : 'signed'} on ${act.on}`;
      for (const [id, task] of Object.entries(c.tasks)) {
        if (deposit || ruleOf(playbook, task.kind)?.retractOn?.includes('signature')) d.retract(id, task, act.on, reason);
      }
      if (deposit) for (const rule of playbook.rules.filter(isInitiativeRule)) d.leave(rule, act.on, reason);
      break;
    }
    case 'escalation-timer': {
      // The task's own decider escalates it only while it is open or claimed.
      const rule = ruleOf(playbook, input.kind);
      if (!rule?.escalate) break;
      const days = rule.escalate.afterDaysOverdue;
      const reason = `still open ${days} day${days === 1 ? '' : 's'} after it fell due on ${input.dueOn}: escalated from ${rule.queue} to ${rule.escalate.to} as the playbook's rule ${rule.kind} says`;
      d.commands.push({ type: 'send', followUpId: input.followUpId, command: { kind: 'escalate', to: rule.escalate.to, reason, triggeredBy: input.trigger, on: input.on, ...(rule.notify ? { notify: rule.notify } : {}) } });
      break;
    }
    case 'task-completed': {
      d.commands.push({ type: 'cancel-timer', timerId: dueTimerId(input.followUpId) });
      const rule = ruleOf(playbook, input.kind);
      if (rule?.escalate) d.commands.push({ type: 'cancel-timer', timerId: escalationTimerId(input.followUpId) });
      if (!rule?.repeatEveryDays || c.latest[rule.kind]?.id !== input.followUpId || !appliesOn(rule, c.assessment, ctx, input.on)) break;
      const occurrence = input.occurrence + 1;
      const followUpId = nextOccurrenceId(input.followUpId, occurrence);
      d.schedule(rule, { followUpId, countries: [iso3], dueOn: addDays(input.on, rule.repeatEveryDays), occurrence }, input.on, mootAfter(rule, ctx, input.on));
      break;
    }
  }
  return d.commands;
}

/** A no-response rule applies on the timer's day if the country neither answered nor joined by then. */
function appliesNoResponse(rule: PlaybookRule, ctx: CaseContext, day: LocalDate): boolean {
  if (ctx.case.respondedOn.some((r) => r <= day)) return false;
  return statusOn(standingOf(ctx), day) !== 'state-party';
}

/** The workflow's memory after one input, or after one event its commands produced. */
export function evolveCase(view: CaseView, event: CaseInput | FollowUpEvent): CaseView {
  const c = view.case;
  switch (event.type) {
    case 'response-received':
      return { ...view, case: { ...c, respondedOn: [...new Set([...c.respondedOn, event.on])].sort() } };
    case 'group-assigned':
      return { ...view, case: { ...c, assessment: event.assessment } };
    case 'task-completed':
      return { ...view, case: closeTask(c, event.followUpId, event.on) };
    case 'FollowUpScheduled': {
      const { followUpId, kind, subregion, occurrence } = event.data;
      if (subregion !== undefined) return { ...view, initiatives: { ...view.initiatives, [kind]: evolveInitiative(view.initiatives[kind] ?? EMPTY_INITIATIVE, event) } };
      const openedOn = event.occurredAt.slice(0, 10);
      return { ...view, case: { ...c, tasks: { ...c.tasks, [followUpId]: { kind, openedOn } }, latest: { ...c.latest, [kind]: { id: followUpId, occurrence } } } };
    }
    case 'FollowUpWidened':
    case 'FollowUpNarrowed':
    case 'FollowUpRetracted':
    case 'FollowUpReinstated':
    case 'FollowUpCompleted': {
      const initiatives = Object.fromEntries(Object.entries(view.initiatives).map(([kind, i]) => [kind, evolveInitiative(i, event)]));
      const closed = event.type === 'FollowUpRetracted' || event.type === 'FollowUpCompleted';
      return { ...view, initiatives, case: closed ? closeTask(c, event.data.followUpId, event.occurredAt.slice(0, 10)) : c };
    }
    default:
      return view;
  }
}

/** A case task closed on `day`, or earlier if it was closed earlier already. */
function closeTask(c: CaseState, followUpId: string, day: LocalDate): CaseState {
  const task = c.tasks[followUpId];
  return task ? { ...c, tasks: { ...c.tasks, [followUpId]: { ...task, closedOn: earlier(task.closedOn, day) } } } : c;
}

/** A regional initiative after an event of a task: only the events of its open (or last) task change it. */
export function evolveInitiative(state: InitiativeState, event: FollowUpEvent): InitiativeState {
  const day = event.occurredAt.slice(0, 10);
  const leaving = (left: InitiativeState['left'], id: string, countries: readonly Iso3[]) =>
    Object.fromEntries([...Object.entries(left), ...countries.map((c) => [c, { id, on: left[c]?.id === id ? earlier(left[c]!.on, day) : day }] as const)]);
  switch (event.type) {
    case 'FollowUpScheduled': {
      const { followUpId, kind, countries, dueOn } = event.data;
      const n = initiativeNumber(followUpId);
      // An earlier initiative's history read again (a replay) never reopens it.
      if (n < state.formed) return state;
      return { open: { id: followUpId, kind, openedOn: day, dueOn }, members: countries, formed: Math.max(state.formed, n), left: state.left };
    }
    case 'FollowUpWidened': {
      if (state.open?.id !== event.data.followUpId) return state;
      const { [event.data.iso3]: _, ...left } = state.left;
      return { ...state, members: [...new Set([...state.members, event.data.iso3])].sort(), left };
    }
    case 'FollowUpNarrowed': {
      const id = event.data.followUpId;
      if (state.open?.id !== id && state.last?.id !== id) return state;
      return { ...state, members: state.open?.id === id ? state.members.filter((m) => m !== event.data.iso3) : state.members, left: leaving(state.left, id, [event.data.iso3]) };
    }
    case 'FollowUpRetracted': {
      const id = event.data.followUpId;
      if (state.open?.id === id) return { members: [], formed: state.formed, last: { ...state.open, retractedOn: day }, left: leaving(state.left, id, event.data.countries) };
      // Retracted again on an earlier day: a fact entered later ended it sooner.
      if (state.last?.id === id) return { ...state, last: { ...state.last, retractedOn: earlier(state.last.retractedOn, day) }, left: leaving(state.left, id, event.data.countries) };
      return state;
    }
    case 'FollowUpCompleted':
      return state.open?.id === event.data.followUpId ? { members: [], formed: state.formed, left: state.left } : state;
    case 'FollowUpReinstated': {
      if (state.last?.id !== event.data.followUpId) return state;
      const { retractedOn: _, ...task } = state.last;
      return { open: task, members: event.data.countries, formed: state.formed, left: state.left };
    }
    default:
      return state;
  }
}

/** The country's facts after a registration, an act or an approach in a campaign. */
export function evolveCountry(
  facts: CountryFacts,
  event: { readonly type: 'registered'; readonly subregion: string } | { readonly type: 'act'; readonly treaty: string; readonly act: Act } | { readonly type: 'approached'; readonly campaignId: string },
): CountryFacts {
  switch (event.type) {
    case 'registered':
      return { ...facts, subregion: event.subregion };
    case 'act':
      return { ...facts, standings: { ...facts.standings, [event.treaty]: applyAct(facts.standings[event.treaty] ?? {}, event.act) } };
    case 'approached':
      return facts.campaigns.includes(event.campaignId) ? facts : { ...facts, campaigns: [...facts.campaigns, event.campaignId] };
  }
}
