import { html, nothing, type TemplateResult } from 'lit-html';
import { api, ApiProblem, type Problem } from './api.js';

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

/** A treaty as the console shows it, from `GET /v1/treaties`. */
export interface Treaty {
  readonly code: string;
  /** The short name people use ("Arms Trade Treaty"). */
  readonly name: string;
  /** The full title, as the depositary writes it. */
  readonly title: string;
  /** The day it opened for signature: where its history starts. */
  readonly opened: string;
  /** The obstacle codes a response about it may name; null: any. */
  readonly obstacles: readonly string[] | null;
}

interface ListedTreaty { code: string; name: string; title: string; openedForSignatureOn: string; obstacles: string[] | null }

const TREATY_KEY = 'demarche.treaty';
let known: readonly Treaty[] = [];
let fallback = '';
let loading: Promise<void> | undefined;

/** Reads the treaties Demarche knows, once: every page's switcher offers them. */
export function loadTreaties(): Promise<void> {
  loading ??= api<{ items: ListedTreaty[]; default: string }>('/v1/treaties').then(
    (r) => {
      known = r.items.map((t) => ({ code: t.code, name: t.name, title: t.title, opened: t.openedForSignatureOn, obstacles: t.obstacles }));
      fallback = r.default;
    },
    (error) => {
      loading = undefined; // the next page drawn asks again
      throw error;
    },
  );
  return loading;
}

export const treaties = (): readonly Treaty[] => known;
export const treatyName = (code: string): string => known.find((t) => t.code === code)?.name ?? code;

/** The treaty the reader chose, for this tab and every page of it (at first the one the API reads by default). */
export function chosenTreaty(): Treaty {
  const code = sessionStorage.getItem(TREATY_KEY);
  return known.find((t) => t.code === code) ?? known.find((t) => t.code === fallback) ?? known[0]!;
}

/** Makes `code` the tab's treaty (a campaign's page follows its campaign's treaty). */
export function chooseTreaty(code: string): void {
  if (known.some((t) => t.code === code)) sessionStorage.setItem(TREATY_KEY, code);
}

/**
 * A select that switches every treaty-bound view of the page, and the pages opened after it.
 * `note`: a short line on what the choice does here, where that is not plain.
 */
export function treatySwitcher(onChange: (treaty: Treaty) => void, note?: string): TemplateResult {
  const current = chosenTreaty();
  const change = (e: Event) => {
    const code = (e.target as HTMLSelectElement).value;
    chooseTreaty(code);
    // The address says it too, so that a link copied from here opens this treaty (without drawing the page again).
    history.replaceState(history.state, '', `${location.hash.split('?')[0] || '#/'}?treaty=${encodeURIComponent(code)}`);
    onChange(chosenTreaty());
  };
  return html`<div class="treaty-switcher"><label for="treaty-switcher">Treaty</label>
    <select id="treaty-switcher" aria-describedby=${note ? 'treaty-switcher-note' : nothing} @change=${change}>${known.map((t) => html`<option value=${t.code} ?selected=${t.code === current.code} title=${t.title}>${t.code}: ${t.name}</option>`)}</select>
    ${note ? html`<p id="treaty-switcher-note" class="help">${note}</p>` : nothing}</div>`;
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
