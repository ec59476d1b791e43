import type { LocalDate, RecordedEvent } from '../../kernel/index.js';
import type { EventRegistry, EventStore } from '../../event-store/index.js';
import { FOLLOW_UPS, followUpQueueProjection, WORKFLOW_OUTPUT_TYPES, type FollowUpView, type Playbook, Engine } from '../../follow-ups/index.js';
import type { TreatyDefinition } from '../../treaty-status/index.js';
import { withoutBookkeeping } from '../../projections/index.js';

/** Events the playbook derives: a what-if replay makes its own instead of copying them. */
const DERIVED = new Set<string>(WORKFLOW_OUTPUT_TYPES);
/** Coordinators' work on a task: replayed only onto a task the other playbook also made. */
const WORK = new Set(['FollowUpClaimed', 'FollowUpReassigned', 'FollowUpCompleted']);

export interface TaskSummary {
  readonly id: string;
  readonly kind: string;
  readonly queue: string;
  readonly countries: readonly string[];
  readonly dueOn: LocalDate;
  readonly state: string;
}

export interface WhatIfReport {
  readonly playbook: string;
  /** The playbook the campaign runs under, replayed the same way for comparison. */
  readonly baseline: string;
  readonly campaignId: string | null;
  readonly replayedEvents: number;
  /** Follow-ups by kind under the baseline and under the other playbook. */
  readonly baselineTasks: Readonly<Record<string, number>>;
  readonly whatIfTasks: Readonly<Record<string, number>>;
  readonly onlyBaseline: readonly TaskSummary[];
  readonly onlyWhatIf: readonly TaskSummary[];
  readonly changed: readonly { readonly id: string; readonly baseline: TaskSummary; readonly whatIf: TaskSummary }[];
}

const summary = (f: FollowUpView): TaskSummary => ({ id: f.id, kind: f.kind, queue: f.queue, countries: f.countries, dueOn: f.dueOn, state: f.state });
const tally = (tasks: readonly TaskSummary[]) =>
  Object.fromEntries(Object.entries(tasks.reduce<Record<string, number>>((acc, t) => ({ ...acc, [t.kind]: (acc[t.kind] ?? 0) + 1 }), {})).sort(([a], [b]) => (a < b ? -1 : 1)));

/**
 * Replays the recorded facts in a sandbox (nothing live is touched) in the order they
 * happened in the world, day by day, so that timers fall due between facts as the days pass.
 */
/** The live history a what-if reads, and what it needs to replay it. */
export interface WhatIfSources {
  readonly live: EventStore;
  readonly registry: EventRegistry;
  readonly treatyFor: TreatyLookup;
  readonly now: Date;
}

export async function replayUnder(facts: readonly RecordedEvent[], playbook: Playbook, { registry, treatyFor, now }: Omit<WhatIfSources, 'live'>): Promise<FollowUpView[]> {
  let instant = new Date(0);
  const rules = { playbookFor: (t: string) => (t === playbook.treaty ? playbook : undefined), treatyFor };
  const sandbox = new Engine({ clock: { now: () => new Date(instant) }, rules, registry, projections: [followUpQueueProjection] });
  let day: LocalDate | undefined;
  for (const e of facts) {
    const occurredDay = e.occurredAt.slice(0, 10);
    if (occurredDay !== day) {
      instant = new Date(`${occurredDay}T00:00:00Z`);
      await sandbox.settle();
      day = occurredDay;
    }
    if (WORK.has(e.type) && !(await sandbox.store.readStream(e.streamId)).length) continue;
    await copy(sandbox, e);
  }
  instant = now;
  await sandbox.settle();
  return (await sandbox.readModels.find<FollowUpView>(FOLLOW_UPS)).map((d) => withoutBookkeeping(d));
}

/** The recorded facts (not what a playbook derived from them), in the order they happened. */
export async function factsInWorldOrder(live: EventStore): Promise<RecordedEvent[]> {
  const facts: RecordedEvent[] = [];
  for await (const page of live.readAllPages(0, 5000)) facts.push(...page.filter((e) => !DERIVED.has(e.type)));
  // A stable sort: facts of one day keep the order in which they were recorded.
  return facts.sort((a, b) => (a.occurredAt.slice(0, 10) < b.occurredAt.slice(0, 10) ? -1 : a.occurredAt.slice(0, 10) > b.occurredAt.slice(0, 10) ? 1 : a.position - b.position));
}

/**
 * How the follow-ups would have differed under another playbook: the same history is
 * replayed twice, under the campaign's playbook and under the other one, so that the
 * comparison shows the playbook's effect alone.
 */
/** The definition of a treaty by its code (the treaty catalog's `get`). */
export type TreatyLookup = (code: string) => TreatyDefinition | undefined;

export async function whatIf(sources: WhatIfSources, current: Playbook, other: Playbook, campaignId?: string): Promise<WhatIfReport> {
  const { live } = sources;
  const facts = await factsInWorldOrder(live);
  const inScope = (f: FollowUpView) => !campaignId || f.campaignId === campaignId;
  const baseline = (await replayUnder(facts, current, sources)).filter(inScope).map(summary);
  const whatIfTasks = (await replayUnder(facts, other, sources)).filter(inScope).map(summary);
  const baselineById = new Map(baseline.map((t) => [t.id, t]));
  const whatIfById = new Map(whatIfTasks.map((t) => [t.id, t]));
  const changed = baseline
    .filter((t) => whatIfById.has(t.id) && JSON.stringify(t) !== JSON.stringify(whatIfById.get(t.id)))
    .map((t) => ({ id: t.id, baseline: t, whatIf: whatIfById.get(t.id)! }));
  return {
    playbook: other.id,
    baseline: current.id,
    campaignId: campaignId ?? null,
    replayedEvents: facts.length,
    baselineTasks: tally(baseline),
    whatIfTasks: tally(whatIfTasks),
    onlyBaseline: baseline.filter((t) => !whatIfById.has(t.id)),
    onlyWhatIf: whatIfTasks.filter((t) => !baselineById.has(t.id)),
    changed,
  };
}

async function copy(sandbox: Engine, e: RecordedEvent): Promise<void> {
  const { id, type, schemaVersion, occurredAt, data, actor, correlationId, causationId } = e;
  await sandbox.store.append(e.streamId, 'any', [{ id, type, schemaVersion, occurredAt, data, metadata: { actor, correlationId, causationId } }]);
}

export function renderWhatIfMarkdown(r: WhatIfReport): string {
  const kinds = [...new Set([...Object.keys(r.baselineTasks), ...Object.keys(r.whatIfTasks)])].sort();
  const line = (t: TaskSummary) => `- ${t.kind} for ${t.countries.join(', ')} (${t.queue}, due ${t.dueOn}, ${t.state})`;
  return [
    `# What if the playbook were ${r.playbook}${r.campaignId ? ` (campaign ${r.campaignId})` : ''}`,
    '',
    `${r.replayedEvents} recorded facts replayed in a sandbox in the order they happened, under ${r.baseline} (the campaign's playbook) and under ${r.playbook}; live data untouched.`,
    '',
    `| follow-up | ${r.baseline} | ${r.playbook} |`,
    '|---|---|---|',
    ...kinds.map((k) => `| ${k} | ${r.baselineTasks[k] ?? 0} | ${r.whatIfTasks[k] ?? 0} |`),
    '',
    `## Only under ${r.baseline} (${r.onlyBaseline.length})`, '', ...(r.onlyBaseline.length ? r.onlyBaseline.map(line) : ['None.']),
    '',
    `## Only under ${r.playbook} (${r.onlyWhatIf.length})`, '', ...(r.onlyWhatIf.length ? r.onlyWhatIf.map(line) : ['None.']),
    '',
    `## Different (${r.changed.length})`, '', ...(r.changed.length ? r.changed.map((c) => `- ${c.id}: ${c.baseline.state}, due ${c.baseline.dueOn}; under ${r.playbook} ${c.whatIf.state}, due ${c.whatIf.dueOn}`) : ['None.']),
    '',
  ].join('\n');
}
