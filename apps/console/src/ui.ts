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

export const humanKind = (kind: string): string => kind.replace(/-/g, ' ').replace(/^./, (c) => c.toUpperCase());

export const statusLabel: Record<string, string> = {
  'state-party': 'State Party',
  signatory: 'Signatory',
  'non-signatory': 'Not signed',
  withdrawn: 'Withdrawn',
};
