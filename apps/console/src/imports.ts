import { html, nothing, type TemplateResult } from 'lit-html';
import { post, type Problem } from './api.js';
import { announce, counted, problemOf, problemView } from './ui.js';

interface ImportedRow {
  readonly line: number;
  readonly kind: 'mission' | 'letter' | 'meeting' | 'response';
  readonly campaignId?: string;
  readonly country?: string;
  readonly missionId: string;
  readonly date?: string;
  readonly what: string;
  readonly outcome: 'new' | 'recorded already';
}

interface ImportResult {
  readonly file: string;
  readonly dryRun: boolean;
  readonly rows: readonly ImportedRow[];
  readonly added: number;
  readonly alreadyRecorded: number;
  readonly position: number;
}

type Target = 'outreach' | 'missions';

/** The API takes up to 4,000,000 characters of CSV; a larger file is refused before it is read. */
const MAX_BYTES = 4_000_000;

const TARGETS: Record<Target, { label: string; help: string; path: (campaignId: string) => string }> = {
  outreach: {
    label: 'Letters, meetings and responses (CSV)',
    help: 'Columns kind, campaign, country, mission, date, group, ratification_under_way, wishes_to_sign, deposit_announced, obstacles, cosigned_by, summary, notes, interlocutors; the campaign column may be left empty.',
    path: (id) => `/v1/campaigns/${encodeURIComponent(id)}/imports`,
  },
  missions: {
    label: 'Missions (CSV)',
    help: 'Columns id, name, kind (resident or non-resident), coordinator, accredited_to (ISO3 codes separated by semicolons).',
    path: () => '/v1/imports/missions',
  },
};

/**
 * Spreadsheet uploads on a campaign's page. A chosen file is checked as a dry run and its
 * preview shown; only Confirm records it, by sending the same text again. `imported` gets the
 * log position the import reached, so the page can read again once the views include it.
 */
export function importPanel(campaignId: string, redraw: () => void, imported: (position: number) => void): { view: () => TemplateResult } {
  let file: { target: Target; name: string; csv: string } | undefined;
  let preview: ImportResult | undefined;
  let problem: Problem | undefined;
  let busy: string | undefined;
  let done: string | undefined;

  const focus = (id: string) => document.getElementById(id)?.focus();

  async function choose(target: Target, e: Event): Promise<void> {
    const input = e.target as HTMLInputElement;
    const chosen = input.files?.[0];
    input.value = ''; // so that the same file, mended, can be chosen again
    if (!chosen) return;
    file = undefined;
    preview = undefined;
    problem = undefined;
    done = undefined;
    if (chosen.size > MAX_BYTES) {
      problem = { status: 0, title: 'The file is too large', detail: `${chosen.name} has ${chosen.size.toLocaleString('en')} bytes; the console uploads up to ${MAX_BYTES.toLocaleString('en')}. Split it, or import it with the command line (demarche import-outreach, import-missions).` };
      redraw();
      focus('import-problem');
      return;
    }
    busy = `Checking ${chosen.name}…`;
    redraw();
    try {
      file = { target, name: chosen.name.slice(0, 200), csv: await chosen.text() };
      preview = await post<ImportResult>(TARGETS[target].path(campaignId), { csv: file.csv, dryRun: true, name: file.name });
      announce(`${file.name}: ${counted(preview.rows.length, 'row')} checked, ${preview.added} new, ${preview.alreadyRecorded} recorded already. Nothing is recorded until you confirm.`);
    } catch (error) {
      file = undefined;
      problem = problemOf(error);
    }
    busy = undefined;
    redraw();
    focus(problem ? 'import-problem' : 'import-preview');
  }

  async function confirm(): Promise<void> {
    if (!file) return;
    const sent = file;
    busy = `Recording ${sent.name}…`;
    redraw();
    try {
      const result = await post<ImportResult>(TARGETS[sent.target].path(campaignId), { csv: sent.csv, dryRun: false, name: sent.name });
      done = `Recorded from ${sent.name}: ${result.added} new, ${result.alreadyRecorded} recorded already.`;
      file = undefined;
      preview = undefined;
      announce(done);
      imported(result.position);
    } catch (error) {
      problem = problemOf(error);
    }
    busy = undefined;
    redraw();
    focus(problem ? 'import-problem' : 'import-done');
  }

  function cancel(): void {
    file = undefined;
    preview = undefined;
    announce('Import cancelled; nothing was recorded.');
    redraw();
  }

  function previewView(p: ImportResult): TemplateResult {
    return html`<div id="import-preview" class="preview" tabindex="-1" aria-labelledby="preview-title">
      <h3 id="preview-title">What ${p.file} would record</h3>
      <p>${counted(p.rows.length, 'row')} checked: <strong>${p.added} new</strong>, ${p.alreadyRecorded} recorded already. Nothing is recorded until you confirm.</p>
      <div class="table-wrap" tabindex="0" role="region" aria-label="The rows of ${p.file}">
        <table class="preview-table">
          <thead><tr><th scope="col">Line</th><th scope="col">Kind</th><th scope="col">Country</th><th scope="col">Mission</th><th scope="col">Date</th><th scope="col">What</th><th scope="col">Outcome</th></tr></thead>
          <tbody>
            ${p.rows.map(
              (r) => html`<tr data-line=${r.line}>
                <td>${r.line}</td><td>${r.kind}</td><td>${r.country ?? '—'}</td><td>${r.missionId}</td><td>${r.date ?? '—'}</td><td>${r.what}</td>
                <td class="outcome"><span class="badge ${r.outcome === 'new' ? 'outcome-new' : 'outcome-recorded'}">${r.outcome}</span></td>
              </tr>`,
            )}
          </tbody>
        </table>
      </div>
      <div class="actions-row">
        ${p.added ? html`<button type="button" @click=${confirm} ?disabled=${Boolean(busy)}>Confirm the import</button>` : html`<p>Everything in this file is recorded already.</p>`}
        <button type="button" class="secondary" @click=${cancel} ?disabled=${Boolean(busy)}>${p.added ? 'Cancel' : 'Close'}</button>
      </div>
    </div>`;
  }

  const chooser = (target: Target) => html`<div class="field">
    <label for="upload-${target}">${TARGETS[target].label}</label>
    <input id="upload-${target}" type="file" accept=".csv,text/csv" aria-describedby="upload-${target}-help" ?disabled=${Boolean(busy)} @change=${(e: Event) => void choose(target, e)} />
    <p class="help" id="upload-${target}-help">${TARGETS[target].help}</p>
  </div>`;

  return {
    view: () => html`<section class="uploads" aria-labelledby="uploads-title">
      <h2 id="uploads-title">Upload a spreadsheet</h2>
      <p>Choose a file: Demarche checks every row as the API would and shows what it would record. A refused file names the line and column to mend, and nothing of it is recorded.</p>
      <div class="grid">${chooser('outreach')}${chooser('missions')}</div>
      <p class="muted" role="status">${busy ?? ''}</p>
      ${problem ? html`<div id="import-problem" tabindex="-1" class="problem-wrap">${problemView(problem, 'The file was refused')}</div>` : nothing}
      ${done ? html`<p id="import-done" class="success" role="status" tabindex="-1">${done}</p>` : nothing}
      ${preview ? previewView(preview) : nothing}
    </section>`,
  };
}
