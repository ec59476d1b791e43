import type { Assessment, Obstacle, ResponseGroup } from '../../outreach/domain/index.js';
import { OBSTACLES, RESPONSE_GROUPS } from '../../outreach/domain/index.js';

/** The coordinators' queues: who works a follow-up and how. */
export const QUEUES = ['bilateral', 'regional', 'high-level'] as const;
export type Queue = (typeof QUEUES)[number];

/** When a rule applies: a letter left unanswered, or an assessment of the country. */
export type RuleTrigger =
  | { readonly noResponseWithinDays: number }
  | {
      readonly group: ResponseGroup;
      readonly ratificationUnderWay?: boolean;
      readonly wishesToSign?: boolean;
      /** The response cites this obstacle. */
      readonly obstaclesInclude?: Obstacle;
      /** The response cites at least one obstacle other than this one. */
      readonly obstaclesOtherThan?: Obstacle;
      /**
       * The treaty is (true) or is no longer (false) open for signature on the response's day:
       * once it closes, a state that wishes to sign can only accede.
       */
      readonly signatureOpen?: boolean;
    };

export interface PlaybookRule {
  /** The follow-up kind it creates (`chase-response`, `regional-initiative`). */
  readonly kind: string;
  readonly queue: Queue;
  readonly when: RuleTrigger;
  /** Days from the trigger to the task's due date. */
  readonly dueInDays: number;
  /** A new occurrence every so many days while the rule still applies. */
  readonly repeatEveryDays?: number;
  /**
   * `subregion`: the rule forms a regional initiative, one task per sub-region gathering every
   * country the rule applies to (`gather`, its name in earlier playbooks, is read as this).
   */
  readonly initiative?: 'subregion';
  /** Treaty actions that achieve the task's purpose and retract it (a deposit always does). */
  readonly retractOn?: readonly ('signature')[];
  /** A task still open so many days after its due date moves to another queue. */
  readonly escalate?: { readonly afterDaysOverdue: number; readonly to: Queue };
  /** Who is told by mail when a task of the rule escalates: the campaign's coordinators. */
  readonly notify?: 'coordinators';
}

/** A campaign's follow-up rules: data, validated when loaded, never code. */
export interface Playbook {
  readonly id: string;
  readonly treaty: string;
  readonly rules: readonly PlaybookRule[];
}

export type AssessmentTrigger = Exclude<RuleTrigger, { noResponseWithinDays: number }>;

export function isNoResponseTrigger(t: RuleTrigger): t is { readonly noResponseWithinDays: number } {
  return 'noResponseWithinDays' in t;
}

/** Whether an assessment-based rule applies to a country's current assessment. */
export function ruleApplies(rule: PlaybookRule, assessment: Assessment | undefined): boolean {
  if (isNoResponseTrigger(rule.when) || !assessment) return false;
  const t = rule.when;
  if (t.group !== assessment.group) return false;
  if (t.ratificationUnderWay !== undefined && t.ratificationUnderWay !== assessment.ratificationUnderWay) return false;
  if (t.wishesToSign !== undefined && t.wishesToSign !== assessment.wishesToSign) return false;
  if (t.obstaclesInclude && !assessment.obstacles.includes(t.obstaclesInclude)) return false;
  if (t.obstaclesOtherThan && !assessment.obstacles.some((o) => o !== t.obstaclesOtherThan)) return false;
  return true;
}

export class PlaybookInvalid extends Error {
  constructor(readonly problems: readonly string[]) {
    super(`The playbook is not valid:\n- ${problems.join('\n- ')}`);
    this.name = 'PlaybookInvalid';
  }
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isDayCount = (v: unknown) => Number.isInteger(v) && (v as number) >= 0 && (v as number) <= 3650;

/** Checks a parsed playbook file and says every problem with its path. */
export function parsePlaybook(input: unknown): Playbook {
  const problems: string[] = [];
  const unknownKeys = (where: string, obj: Record<string, unknown>, allowed: string[]) =>
    Object.keys(obj).filter((k) => !allowed.includes(k)).forEach((k) => problems.push(`${where}.${k} is not a known setting`));
  if (!isRecord(input)) throw new PlaybookInvalid(['the playbook must be a JSON object']);
  unknownKeys('playbook', input, ['id', 'treaty', 'rules', 'description']);
  const rules = Array.isArray(input.rules) ? input.rules : [];
  if (typeof input.id !== 'string' || !input.id) problems.push('id must be a non-empty string');
  if (typeof input.treaty !== 'string' || !input.treaty) problems.push('treaty must name the treaty (e.g. "CCM")');
  if (!Array.isArray(input.rules) || input.rules.length === 0) problems.push('rules must be a non-empty list');
  const kinds = new Set<string>();
  rules.forEach((rule: unknown, i) => {
    const at = `rules[${i}]`;
    if (!isRecord(rule)) return problems.push(`${at} must be an object`);
    // Earlier playbooks name the initiative `gather`; a problem names the key as written.
    const initiativeKey = 'gather' in rule && !('initiative' in rule) ? 'gather' : 'initiative';
    unknownKeys(at, rule, ['kind', 'queue', 'when', 'dueInDays', 'repeatEveryDays', initiativeKey, 'retractOn', 'escalate', 'notify', 'description']);
    if (typeof rule.kind !== 'string' || !/^[a-z][a-z0-9-]{0,40}$/.test(rule.kind)) problems.push(`${at}.kind must be a lower-case name like "chase-response"`);
    else if (kinds.has(rule.kind)) problems.push(`${at}.kind "${rule.kind}" is used by two rules`);
    else kinds.add(rule.kind);
    if (!QUEUES.includes(rule.queue as Queue)) problems.push(`${at}.queue must be one of ${QUEUES.join(', ')}`);
    if (!isDayCount(rule.dueInDays)) problems.push(`${at}.dueInDays must be a whole number of days (0 to 3650)`);
    if (rule.repeatEveryDays !== undefined && (!isDayCount(rule.repeatEveryDays) || rule.repeatEveryDays === 0)) problems.push(`${at}.repeatEveryDays must be a whole number of days (1 to 3650)`);
    if (rule[initiativeKey] !== undefined && rule[initiativeKey] !== 'subregion') problems.push(`${at}.${initiativeKey} can only be "subregion"`);
    if (rule.retractOn !== undefined && (!Array.isArray(rule.retractOn) || rule.retractOn.some((a) => a !== 'signature'))) problems.push(`${at}.retractOn can only list "signature" (a deposit always retracts)`);
    if (rule.escalate !== undefined) {
      const escalate = rule.escalate;
      if (!isRecord(escalate)) problems.push(`${at}.escalate must be an object {afterDaysOverdue, to}`);
      else {
        unknownKeys(`${at}.escalate`, escalate, ['afterDaysOverdue', 'to']);
        if (!isDayCount(escalate.afterDaysOverdue)) problems.push(`${at}.escalate.afterDaysOverdue must be a whole number of days (0 to 3650)`);
        if (!QUEUES.includes(escalate.to as Queue)) problems.push(`${at}.escalate.to must be one of ${QUEUES.join(', ')}`);
        else if (escalate.to === rule.queue) problems.push(`${at}.escalate.to must be another queue than the rule's own (${rule.queue})`);
      }
    }
    if (rule.notify !== undefined && rule.notify !== 'coordinators') problems.push(`${at}.notify can only be "coordinators"`);
    if (rule.notify !== undefined && rule.escalate === undefined) problems.push(`${at}.notify needs an escalate: the coordinators are told when a task escalates`);
    const when = rule.when;
    if (!isRecord(when)) return problems.push(`${at}.when must be an object`);
    if ('noResponseWithinDays' in when) {
      unknownKeys(`${at}.when`, when, ['noResponseWithinDays']);
      if (!isDayCount(when.noResponseWithinDays) || when.noResponseWithinDays === 0) problems.push(`${at}.when.noResponseWithinDays must be a whole number of days (1 to 3650)`);
      if (rule[initiativeKey]) problems.push(`${at}: a no-response rule cannot form a regional initiative`);
      return;
    }
    unknownKeys(`${at}.when`, when, ['group', 'ratificationUnderWay', 'wishesToSign', 'obstaclesInclude', 'obstaclesOtherThan', 'signatureOpen']);
    if (!RESPONSE_GROUPS.includes(when.group as ResponseGroup)) problems.push(`${at}.when.group must be one of ${RESPONSE_GROUPS.join(', ')} (or use noResponseWithinDays)`);
    for (const flag of ['ratificationUnderWay', 'wishesToSign', 'signatureOpen'] as const) {
      if (when[flag] !== undefined && typeof when[flag] !== 'boolean') problems.push(`${at}.when.${flag} must be true or false`);
    }
    for (const field of ['obstaclesInclude', 'obstaclesOtherThan'] as const) {
      if (when[field] !== undefined && !OBSTACLES.includes(when[field] as Obstacle)) problems.push(`${at}.when.${field} must be one of ${OBSTACLES.join(', ')}`);
    }
  });
  if (problems.length) throw new PlaybookInvalid(problems);
  return { ...input, rules: rules.map(withInitiativeKey) } as unknown as Playbook;
}

/** A rule of an earlier playbook, with `gather` read as `initiative`. */
function withInitiativeKey(rule: Record<string, unknown>): Record<string, unknown> {
  if (!('gather' in rule)) return rule;
  const { gather, ...rest } = rule;
  return { ...rest, initiative: gather };
}
