import { html, nothing, render } from 'lit-html';
import { api, post, type Country, type Problem } from './api.js';
import { chosenTreaty, fieldError, fieldView, GROUPS, OBSTACLES, problemOf, problemView, statusLabel, today, treatySwitcher, type Treaty } from './ui.js';

type Kind = 'letter' | 'meeting' | 'response';
const KINDS: Record<Kind, { label: string; path: string; dateField: string; dateLabel: string }> = {
  letter: { label: 'A letter delivered', path: 'letters', dateField: 'deliveredOn', dateLabel: 'Delivered on' },
  meeting: { label: 'A meeting held', path: 'meetings', dateField: 'heldOn', dateLabel: 'Held on' },
  response: { label: 'A response received', path: 'responses', dateField: 'receivedOn', dateLabel: 'Received on' },
};

/**
 * Missions post what happened: a letter, a meeting, a response. The API checks everything;
 * its messages are shown beside the fields they name.
 */
export function mountMission(main: HTMLElement): () => void {
  let kind: Kind = 'response';
  let countries: Country[] = [];
  let problem: Problem | undefined;
  let done: string | undefined;
  let sending = false;
  const remembered = { missionId: sessionStorage.getItem('demarche.mission') ?? '', campaignId: sessionStorage.getItem('demarche.campaign') ?? '' };

  let treaty: Treaty = chosenTreaty();
  /** The treaty whose status the countries carry: until another's are read, the figures say so. */
  let countriesOf = '';
  let request = 0;

  /** The countries with their status in the chosen treaty. */
  function loadCountries(): void {
    const mine = ++request;
    api<{ items: Country[] }>(`/v1/countries?treaty=${treaty.code}`).then(
      (r) => {
        if (mine !== request) return;
        countries = [...r.items].sort((a, b) => a.name.localeCompare(b.name));
        countriesOf = treaty.code;
        draw();
      },
      (e) => {
        if (mine !== request) return;
        problem = problemOf(e);
        draw();
      },
    );
  }
  const onTreaty = (next: Treaty) => {
    treaty = next;
    draw();
    loadCountries();
  };
  const obstacles = () => Object.entries(OBSTACLES).filter(([o]) => !treaty.obstacles || treaty.obstacles.includes(o));

  /** How many of the countries stand in each status of the treaty today. */
  function standing() {
    if (countriesOf !== treaty.code) return html`<p class="muted" role="status">Reading the countries' status in the ${treaty.code}…</p>`;
    const count = (status: string) => countries.filter((c) => c.treatyStatus === status).length;
    return html`<dl class="facts" id="treaty-standing" aria-label="The countries' status in the ${treaty.code} today">
      ${Object.entries(statusLabel).map(([status, label]) => html`<div data-status=${status}><dt>${label}</dt><dd>${count(status)}</dd></div>`)}
    </dl>`;
  }

  const value = (id: string) => (document.getElementById(id) as HTMLInputElement | null)?.value.trim() ?? '';
  const checked = (id: string) => (document.getElementById(id) as HTMLInputElement | null)?.checked ?? false;

  async function submit(e: SubmitEvent): Promise<void> {
    e.preventDefault();
    const k = KINDS[kind];
    const iso3 = value('m-country');
    const body: Record<string, unknown> = { campaignId: value('m-campaign'), missionId: value('m-mission'), [k.dateField]: value('m-date') };
    if (kind === 'meeting' && value('m-summary')) body.summary = value('m-summary');
    if (kind === 'response') {
      body.group = value('m-group');
      if (checked('m-ratification')) body.ratificationUnderWay = true;
      if (checked('m-wishes')) body.wishesToSign = true;
      const named = obstacles().map(([o]) => o).filter((o) => checked(`m-obstacle-${o}`));
      if (named.length) body.obstacles = named;
      if (value('m-notes')) body.notes = value('m-notes');
    }
    remembered.missionId = String(body.missionId);
    remembered.campaignId = String(body.campaignId);
    sessionStorage.setItem('demarche.mission', remembered.missionId);
    sessionStorage.setItem('demarche.campaign', remembered.campaignId);
    problem = undefined;
    done = undefined;
    sending = true;
    draw();
    try {
      if (!iso3) throw new Error('no country');
      const result = await post<{ eventIds: string[] }>(`/v1/countries/${encodeURIComponent(iso3)}/${k.path}`, body);
      const country = countries.find((c) => c.iso3 === iso3)?.name ?? iso3;
      done = result.eventIds.length ? `Recorded: ${k.label.toLowerCase()} for ${country}.` : `Already recorded: ${k.label.toLowerCase()} for ${country} (nothing new).`;
    } catch (error) {
      problem = iso3 ? problemOf(error) : { status: 400, title: 'The request is not valid', detail: 'Choose the country.', errors: [{ field: 'iso3', message: 'Choose the country the report is about.' }] };
    }
    sending = false;
    draw();
    if (problem) document.querySelector<HTMLElement>('.problem-wrap')?.focus();
  }

  const field = (id: string, apiField: string, label: string, control: (invalid: boolean, describedBy: string) => unknown, help?: string) => fieldView(problem, id, apiField, label, control, help);

  function draw(): void {
    const k = KINDS[kind];
    render(
      html`<section aria-labelledby="mission-title">
        <h1 id="mission-title">Report from a mission</h1>
        <p>Post what happened in a country your mission is accredited to. Demarche checks it as the API does, and names any field it refuses.</p>
        ${treatySwitcher(onTreaty, 'The countries show their status in it, and a response the obstacles it knows; the campaign you name decides the treaty of what you post.')}
        ${standing()}
        <form id="mission-form" class="report" @submit=${submit} novalidate>
          <fieldset class="kinds">
            <legend>What happened</legend>
            ${(Object.keys(KINDS) as Kind[]).map(
              (key) => html`<label class="choice"><input type="radio" name="kind" value=${key} .checked=${kind === key} @change=${() => { kind = key; problem = undefined; draw(); }} /> ${KINDS[key].label}</label>`,
            )}
          </fieldset>
          <div class="grid">
            ${field('m-mission', 'missionId', 'Mission', (inv, d) => html`<input id="m-mission" type="text" .value=${remembered.missionId} aria-invalid=${inv} aria-describedby=${d || nothing} placeholder="nor-nairobi" />`)}
            ${field('m-campaign', 'campaignId', 'Campaign', (inv, d) => html`<input id="m-campaign" type="text" .value=${remembered.campaignId} aria-invalid=${inv} aria-describedby=${d || nothing} placeholder="ccm-2026" />`)}
            ${field('m-country', 'iso3', 'Country', (inv, d) => html`<select id="m-country" aria-invalid=${inv} aria-describedby=${d || nothing}>
              <option value="">Choose a country…</option>
              ${countries.map((c) => html`<option value=${c.iso3}>${c.name} (${c.iso3}): ${statusLabel[c.treatyStatus] ?? c.treatyStatus}</option>`)}
            </select>`)}
            ${field('m-date', k.dateField, k.dateLabel, (inv, d) => html`<input id="m-date" type="date" max=${today()} aria-invalid=${inv} aria-describedby=${d || nothing} />`)}
          </div>
          ${kind === 'meeting' ? field('m-summary', 'summary', 'Summary (optional)', (inv, d) => html`<textarea id="m-summary" rows="3" aria-invalid=${inv} aria-describedby=${d || nothing}></textarea>`) : nothing}
          ${kind === 'response'
            ? html`${field('m-group', 'group', 'Response group', (inv, d) => html`<select id="m-group" aria-invalid=${inv} aria-describedby=${d || nothing}>
                  <option value="">Choose a group…</option>
                  ${Object.entries(GROUPS).map(([g, words]) => html`<option value=${g}>${g}: ${words}</option>`)}
                </select>`)}
                <div class="checks">
                  <label class="choice"><input id="m-ratification" type="checkbox" /> Ratification or accession under way</label>
                  <label class="choice"><input id="m-wishes" type="checkbox" /> Wishes to sign first</label>
                </div>
                <fieldset class="obstacles ${fieldError(problem, 'obstacles') ? 'invalid' : ''}">
                  <legend>Obstacles named</legend>
                  ${obstacles().map(([o, label]) => html`<label class="choice"><input id="m-obstacle-${o}" type="checkbox" /> ${label}</label>`)}
                  ${fieldError(problem, 'obstacles') ? html`<p class="field-error">${fieldError(problem, 'obstacles')}</p>` : nothing}
                </fieldset>
                ${field('m-notes', 'notes', 'Notes (optional)', (inv, d) => html`<textarea id="m-notes" rows="3" aria-invalid=${inv} aria-describedby=${d || nothing}></textarea>`)}`
            : nothing}
          <button type="submit" ?disabled=${sending}>${sending ? 'Recording…' : 'Record'}</button>
        </form>
        ${problem ? html`<div tabindex="-1" class="problem-wrap">${problemView(problem, 'Not recorded')}</div>` : nothing}
        ${done ? html`<p class="success" role="status">${done}</p>` : nothing}
      </section>`,
      main,
    );
  }

  draw();
  loadCountries();
  return () => undefined;
}
