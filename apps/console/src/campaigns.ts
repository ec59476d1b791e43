import { html, nothing, render, type TemplateResult } from 'lit-html';
import { api, ApiProblem, post, writtenUpTo, type FollowUp, type Problem } from './api.js';
import { mountCampaign } from './campaign.js';
import { announce, chosenTreaty, counted, fieldView, problemOf, problemView, treaties, treatySwitcher, type Treaty } from './ui.js';

/** ISO3 codes as a person types them: separated by commas, semicolons or spaces, in any case. */
const codes = (text: string): string[] => text.split(/[\s,;]+/).filter(Boolean).map((c) => c.toUpperCase());

/** `#/campaigns` picks a campaign, launches one or registers a mission; `#/campaigns/{id}` is a campaign's page. */
export function mountCampaigns(main: HTMLElement, params: readonly string[]): () => void {
  return params[0] ? mountCampaign(main, params[0]) : mountPicker(main);
}

/** A campaign the picker offers: its title when the token may read the campaigns. */
interface Known {
  readonly id: string;
  readonly title?: string;
}

/** The treaty's campaigns: all of them for the roles that read campaigns, else the ones its follow-ups name. */
async function campaignsOf(code: string): Promise<Known[]> {
  try {
    return (await api<{ items: { id: string; title: string }[] }>(`/v1/campaigns?treaty=${code}`, { minPosition: writtenUpTo() })).items.map(({ id, title }) => ({ id, title }));
  } catch (error) {
    if (!(error instanceof ApiProblem) || error.problem.status !== 403) throw error;
    const tasks = await api<{ items: FollowUp[] }>(`/v1/follow-ups?treaty=${code}`);
    return [...new Set(tasks.items.map((f) => f.campaignId))].map((id) => ({ id }));
  }
}

interface FormState {
  problem?: Problem;
  done?: TemplateResult;
  sending: boolean;
}

function mountPicker(main: HTMLElement): () => void {
  let treaty: Treaty = chosenTreaty();
  let known: Known[] | undefined;
  let knownProblem: Problem | undefined;
  let request = 0;
  let pickProblem: Problem | undefined;
  const launch: FormState = { sending: false };
  const mission: FormState = { sending: false };
  let left = false;

  async function loadKnown(): Promise<void> {
    const mine = ++request;
    try {
      const found = await campaignsOf(treaty.code);
      if (mine !== request) return;
      known = found;
      knownProblem = undefined;
    } catch (error) {
      if (mine !== request) return;
      knownProblem = problemOf(error);
    }
    if (!left) draw();
  }

  const onTreaty = (next: Treaty) => {
    treaty = next;
    known = undefined;
    draw();
    void loadKnown();
  };

  const value = (id: string) => (document.getElementById(id) as HTMLInputElement | HTMLSelectElement | null)?.value.trim() ?? '';

  function open(e: SubmitEvent): void {
    e.preventDefault();
    const id = value('p-campaign');
    if (!id) {
      pickProblem = { status: 0, title: 'Name the campaign', detail: 'Type or pick the id of the campaign to open.', errors: [{ field: 'campaign', message: 'Type or pick a campaign id, like ccm-2026.' }] };
      draw();
      document.getElementById('p-campaign')?.focus();
      return;
    }
    location.hash = `#/campaigns/${encodeURIComponent(id)}`;
  }

  /** Sends one of the forms; the API's refusal goes beside the fields it names. */
  async function send(e: SubmitEvent, state: FormState, path: string, body: Record<string, unknown>, recorded: (fresh: boolean) => TemplateResult, said: (fresh: boolean) => string): Promise<void> {
    e.preventDefault();
    const form = e.target as HTMLFormElement;
    state.problem = undefined;
    state.done = undefined;
    state.sending = true;
    draw();
    try {
      const result = await post<{ eventIds: string[] }>(path, body);
      const fresh = result.eventIds.length > 0;
      state.done = recorded(fresh);
      announce(said(fresh));
      form.reset();
    } catch (error) {
      state.problem = problemOf(error);
    }
    state.sending = false;
    if (left) return;
    draw();
    if (state.problem) form.parentElement?.querySelector<HTMLElement>('.problem-wrap')?.focus();
  }

  function launchCampaign(e: SubmitEvent): Promise<void> {
    const id = value('c-id');
    const body = { id, treaty: value('c-treaty'), title: value('c-title'), coordinators: codes(value('c-coordinators')), startsOn: value('c-starts') };
    return send(
      e,
      launch,
      '/v1/campaigns',
      body,
      (fresh) => {
        if (body.treaty === treaty.code) void loadKnown();
        return html`${fresh ? 'Launched' : 'Already launched (nothing new)'}: <strong>${body.title}</strong> (${id}). <a href="#/campaigns/${encodeURIComponent(id)}">Open the campaign's page</a>.`;
      },
      (fresh) => `${fresh ? 'Launched' : 'Already launched'}: ${body.title}.`,
    );
  }

  function registerMission(e: SubmitEvent): Promise<void> {
    const body = { id: value('r-id'), name: value('r-name'), kind: value('r-kind'), coordinator: value('r-coordinator').toUpperCase(), accreditedTo: codes(value('r-accredited')) };
    return send(
      e,
      mission,
      '/v1/missions',
      body,
      (fresh) => html`${fresh ? 'Registered' : 'Already registered (nothing new)'}: <strong>${body.name}</strong> (${body.id}), accredited to ${body.accreditedTo.join(', ')}.`,
      (fresh) => `${fresh ? 'Registered' : 'Already registered'}: ${body.name}.`,
    );
  }

  const outcome = (state: FormState, label: string) =>
    html`${state.problem ? html`<div tabindex="-1" class="problem-wrap">${problemView(state.problem, label)}</div>` : nothing}
      ${state.done ? html`<p class="success" role="status">${state.done}</p>` : nothing}`;

  function draw(): void {
    const lp = launch.problem;
    const mp = mission.problem;
    render(
      html`<section aria-labelledby="campaigns-title">
        <h1 id="campaigns-title">Campaigns</h1>
        <p>Open a campaign to see every country it covers, upload its letters, meetings and responses, and export its table.</p>
        ${treatySwitcher(onTreaty, 'The campaigns listed are those for this treaty; a campaign launched below is for this treaty unless you choose another.')}
        <form class="picker" aria-label="Open a campaign" @submit=${open} novalidate>
          ${fieldView(pickProblem, 'p-campaign', 'campaign', 'Campaign id', (inv, d) => html`<input id="p-campaign" type="text" list="known-campaigns" autocomplete="off" spellcheck="false" placeholder="ccm-2026" aria-invalid=${inv} aria-describedby=${d || nothing} />
              <datalist id="known-campaigns">${(known ?? []).map((c) => html`<option value=${c.id}>${c.title ?? c.id}</option>`)}</datalist>`, `Type the id, or pick one of the ${treaty.code}'s campaigns.`)}
          <button type="submit">Open the campaign</button>
        </form>
        <h2 id="known-title">Campaigns for the ${treaty.name}</h2>
        ${problemView(knownProblem, 'The campaigns could not be read')}
        <p class="count" id="known-count" aria-live="polite">${known ? counted(known.length, 'campaign') : 'Loading…'}</p>
        ${known?.length
          ? html`<ul class="campaign-links" aria-labelledby="known-title">${known.map((c) => html`<li><a href="#/campaigns/${encodeURIComponent(c.id)}">${c.title ? html`${c.title} <span class="code">${c.id}</span>` : c.id}</a></li>`)}</ul>`
          : nothing}
        <div class="forms">
          <div>
            <form id="launch-form" class="report" aria-labelledby="launch-title" @submit=${launchCampaign} novalidate>
              <h2 id="launch-title">Launch a campaign</h2>
              <div class="grid">
                ${fieldView(lp, 'c-id', 'id', 'Campaign id', (inv, d) => html`<input id="c-id" type="text" spellcheck="false" placeholder="ccm-2026" aria-invalid=${inv} aria-describedby=${d || nothing} />`, 'Lower-case letters, digits and hyphens: the name every request and file uses.')}
                ${fieldView(lp, 'c-title', 'title', 'Title', (inv, d) => html`<input id="c-title" type="text" placeholder="CCM joint demarche 2026" aria-invalid=${inv} aria-describedby=${d || nothing} />`)}
                ${fieldView(lp, 'c-treaty', 'treaty', 'The campaign\'s treaty', (inv, d) => html`<select id="c-treaty" aria-invalid=${inv} aria-describedby=${d || nothing}>
                    ${treaties().map((t) => html`<option value=${t.code} ?selected=${t.code === treaty.code}>${t.code}: ${t.name}</option>`)}
                  </select>`)}
                ${fieldView(lp, 'c-coordinators', 'coordinators', 'Coordinating states', (inv, d) => html`<input id="c-coordinators" type="text" spellcheck="false" placeholder="NOR, NZL" aria-invalid=${inv} aria-describedby=${d || nothing} />`, 'ISO 3166-1 alpha-3 codes, separated by commas or spaces.')}
                ${fieldView(lp, 'c-starts', 'startsOn', 'Starts on', (inv, d) => html`<input id="c-starts" type="date" aria-invalid=${inv} aria-describedby=${d || nothing} />`)}
              </div>
              <button type="submit" ?disabled=${launch.sending}>${launch.sending ? 'Launching…' : 'Launch the campaign'}</button>
            </form>
            ${outcome(launch, 'Not launched')}
          </div>
          <div>
            <form id="register-form" class="report" aria-labelledby="register-title" @submit=${registerMission} novalidate>
              <h2 id="register-title">Register a mission</h2>
              <div class="grid">
                ${fieldView(mp, 'r-id', 'id', 'Mission id', (inv, d) => html`<input id="r-id" type="text" spellcheck="false" placeholder="nor-nairobi" aria-invalid=${inv} aria-describedby=${d || nothing} />`)}
                ${fieldView(mp, 'r-name', 'name', 'Name', (inv, d) => html`<input id="r-name" type="text" placeholder="Embassy of Norway in Nairobi" aria-invalid=${inv} aria-describedby=${d || nothing} />`)}
                ${fieldView(mp, 'r-kind', 'kind', 'Kind', (inv, d) => html`<select id="r-kind" aria-invalid=${inv} aria-describedby=${d || nothing}>
                    <option value="">Choose…</option>
                    <option value="resident">Resident: in the country</option>
                    <option value="non-resident">Non-resident: covers it from abroad</option>
                  </select>`)}
                ${fieldView(mp, 'r-coordinator', 'coordinator', 'Coordinating state', (inv, d) => html`<input id="r-coordinator" type="text" spellcheck="false" placeholder="NOR" aria-invalid=${inv} aria-describedby=${d || nothing} />`, 'The ISO3 code of the state whose mission it is.')}
                ${fieldView(mp, 'r-accredited', 'accreditedTo', 'Accredited to', (inv, d) => html`<input id="r-accredited" type="text" spellcheck="false" placeholder="KEN, ETH, ERI" aria-invalid=${inv} aria-describedby=${d || nothing} />`, 'The countries it covers: ISO3 codes, separated by commas or spaces.')}
              </div>
              <button type="submit" ?disabled=${mission.sending}>${mission.sending ? 'Registering…' : 'Register the mission'}</button>
            </form>
            ${outcome(mission, 'Not registered')}
          </div>
        </div>
      </section>`,
      main,
    );
  }

  draw();
  void loadKnown();
  return () => {
    left = true;
  };
}
