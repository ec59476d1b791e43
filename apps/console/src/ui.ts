import { html, nothing, type TemplateResult } from 'lit-html';
import { ApiProblem, type Problem } from './api.js';

/** Says something to screen-reader users without moving focus (live updates, results). */
export function announce(message: string): void {
  const region = document.getElementById('announcer');
  if (!region) return;
  region.textContent = '';
  setTimeout(() => (region.textContent = message), 50);
}

export function problemOf(error: unknown): Problem {
  if (error instanceof ApiProblem) return error.problem;
  return { status: 0, title: 'Something went wrong', detail: error instanceof Error ? error.message : String(error) };
}

const hints: Record<number, string> = {
  401: 'Your token was not accepted: it may have expired or been revoked. Sign in again with a valid token.',
  403: 'Your token does not allow this. Ask an administrator for a token with the right role or scope.',
};

/** A refusal as the API worded it, with the fields it names. */
export function problemView(problem: Problem | undefined, label = 'Problem'): TemplateResult | typeof nothing {
  if (!problem) return nothing;
  return html`<div class="problem" role="alert" aria-label=${label}>
    <p><strong>${problem.title}${problem.status ? html` (${problem.status})` : nothing}</strong></p>
    ${problem.detail ? html`<p class="problem-detail">${problem.detail}</p>` : nothing}
    ${problem.errors?.length ? html`<ul>${problem.errors.map((e) => html`<li><code>${e.field}</code>: ${e.message}</li>`)}</ul>` : nothing}
    ${hints[problem.status] ? html`<p class="hint">${hints[problem.status]}</p>` : nothing}
  </div>`;
}

/** The message the API gave for one field, if any. */
export function fieldError(problem: Problem | undefined, field: string): string | undefined {
  return problem?.errors?.find((e) => e.field === field || e.field.startsWith(`${field}.`) || e.field.startsWith(`${field}[`))?.message;
}

export const today = (): string => new Date().toISOString().slice(0, 10);

/** The treaties Demarche ships, as the console names them, with the day each opened for signature. */
export const TREATIES = [
  { code: 'CCM', title: 'Convention on Cluster Munitions', opened: '2008-12-03' },
  { code: 'APMBC', title: 'Anti-Personnel Mine Ban Convention', opened: '1997-12-03' },
  { code: 'ATT', title: 'Arms Trade Treaty', opened: '2013-06-03' },
] as const;
export type Treaty = (typeof TREATIES)[number];

const TREATY_KEY = 'demarche.treaty';

/** The treaty the reader chose (for this tab; the CCM at first). */
export function chosenTreaty(): Treaty {
  const code = sessionStorage.getItem(TREATY_KEY);
  return TREATIES.find((t) => t.code === code) ?? TREATIES[0];
}

/** A select that switches every treaty-bound view of the page. */
export function treatySwitcher(onChange: (treaty: Treaty) => void): TemplateResult {
  const current = chosenTreaty();
  const change = (e: Event) => {
    const treaty = TREATIES.find((t) => t.code === (e.target as HTMLSelectElement).value) ?? TREATIES[0];
    sessionStorage.setItem(TREATY_KEY, treaty.code);
    onChange(treaty);
  };
  return html`<div class="treaty-switcher"><label for="treaty-switcher">Treaty</label>
    <select id="treaty-switcher" @change=${change}>${TREATIES.map((t) => html`<option value=${t.code} ?selected=${t.code === current.code}>${t.code}: ${t.title}</option>`)}</select></div>`;
}

export const humanKind = (kind: string): string => kind.replace(/-/g, ' ').replace(/^./, (c) => c.toUpperCase());

export const statusLabel: Record<string, string> = {
  'state-party': 'State Party',
  signatory: 'Signatory',
  'non-signatory': 'Not signed',
  withdrawn: 'Withdrawn',
};

/** The response groups, in the words of the joint demarche's reply form. */
export const GROUPS = {
  I: 'earnest interest in joining soon',
  II: 'shares the goal, names obstacles',
  III: 'needs a major change first',
} as const;
export type Group = keyof typeof GROUPS;

/** The obstacles a response may name, as the mission form and the campaign page word them. */
export const OBSTACLES: Record<string, string> = {
  'ccw-preference': 'Prefers regulation under the CCW',
  'awaiting-major-producers': 'Waits for the major producers and stockpilers',
  'regional-reciprocity': 'Waits for its neighbours (regional reciprocity)',
  'security-environment': 'Security environment',
  'domestic-politics': 'Domestic politics',
  capacity: 'Lacks legal or technical capacity',
  'export-control-capacity': 'Lacks export-control capacity (ATT)',
  other: 'Other',
};

/**
 * A labelled control with the API's message for its field, tied to it by aria-describedby.
 * `control` gets whether the field is refused and the ids that describe it.
 */
export function fieldView(problem: Problem | undefined, id: string, apiField: string, label: string, control: (invalid: boolean, describedBy: string) => unknown, help?: string): TemplateResult {
  const error = fieldError(problem, apiField);
  const describedBy = [help ? `${id}-help` : '', error ? `${id}-error` : ''].filter(Boolean).join(' ');
  return html`<div class="field ${error ? 'invalid' : ''}">
    <label for=${id}>${label}</label>
    ${control(Boolean(error), describedBy)}
    ${help ? html`<p class="help" id="${id}-help">${help}</p>` : nothing}
    ${error ? html`<p class="field-error" id="${id}-error">${error}</p>` : nothing}
  </div>`;
}

const LONG_DATE = new Intl.DateTimeFormat('en-GB', { day: 'numeric', month: 'long', year: 'numeric', timeZone: 'UTC' });

/** A day as one says it: 2012-06-12 is "12 June 2012". */
export const longDate = (day: string): string => LONG_DATE.format(new Date(`${day}T00:00:00Z`));

/** "1 state", "3 states". */
export const counted = (n: number, one: string, many = `${one}s`): string => `${n} ${n === 1 ? one : many}`;
