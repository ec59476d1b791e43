import { html, nothing, render, type TemplateResult } from 'lit-html';
import { api, post, type FollowUp, type Problem } from './api.js';
import { mountCampaign, recentCampaigns, rememberCampaign } from './campaign.js';
import { announce, fieldView, problemOf, problemView } from './ui.js';

/** ISO3 codes as a person types them: separated by commas, semicolons or spaces, in any case. */
const codes = (text: string): string[] => text.split(/[\s,;]+/).filter(Boolean).map((c) => c.toUpperCase());

/** `#/campaigns` picks a campaign, launches one or registers a mission; `#/campaigns/{id}` is a campaign's page. */
export function mountCampaigns(main: HTMLElement, params: readonly string[]): () => void {
  return params[0] ? mountCampaign(main, params[0]) : mountPicker(main);
}

interface FormState {
  problem?: Problem;
  done?: TemplateResult;
  sending: boolean;
}

function mountPicker(main: HTMLElement): () => void {
  let known = recentCampaigns();
  let pickProblem: Problem | undefined;
  const launch: FormState = { sending: false };
  const mission: FormState = { sending: false };
  let left = false;

  // Campaigns with follow-ups are known to every token; the ones opened here are added to them.
  api<{ items: FollowUp[] }>('/v1/follow-ups').then(
    (r) => {
      known = [...new Set([...recentCampaigns(), ...r.items.map((f) => f.campaignId)])];
      if (!left) draw();
    },
    () => undefined,
  );

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
        rememberCampaign(id);
        known = [id, ...known.filter((c) => c !== id)];
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
        <form class="picker" aria-label="Open a campaign" @submit=${open} novalidate>
          ${fieldView(pickProblem, 'p-campaign', 'campaign', 'Campaign id', (inv, d) => html`<input id="p-campaign" type="text" list="known-campaigns" autocomplete="off" spellcheck="false" placeholder="ccm-2026" aria-invalid=${inv} aria-describedby=${d || nothing} />
              <datalist id="known-campaigns">${known.map((id) => html`<option value=${id}></option>`)}</datalist>`, 'Type the id, or pick one you opened in this tab or that has follow-ups.')}
          <button type="submit">Open the campaign</button>
        </form>
        ${known.length
          ? html`<h2 id="known-title">Known campaigns</h2>
              <ul class="campaign-links" aria-labelledby="known-title">${known.map((id) => html`<li><a href="#/campaigns/${encodeURIComponent(id)}">${id}</a></li>`)}</ul>`
          : nothing}
        <div class="forms">
          <div>
            <form id="launch-form" class="report" aria-labelledby="launch-title" @submit=${launchCampaign} novalidate>
              <h2 id="launch-title">Launch a campaign</h2>
              <div class="grid">
                ${fieldView(lp, 'c-id', 'id', 'Campaign id', (inv, d) => html`<input id="c-id" type="text" spellcheck="false" placeholder="ccm-2026" aria-invalid=${inv} aria-describedby=${d || nothing} />`, 'Lower-case letters, digits and hyphens: the name every request and file uses.')}
                ${fieldView(lp, 'c-title', 'title', 'Title', (inv, d) => html`<input id="c-title" type="text" placeholder="CCM joint demarche 2026" aria-invalid=${inv} aria-describedby=${d || nothing} />`)}
                ${fieldView(lp, 'c-treaty', 'treaty', 'Treaty', (inv, d) => html`<input id="c-treaty" type="text" value="CCM" spellcheck="false" aria-invalid=${inv} aria-describedby=${d || nothing} />`, 'The treaty\'s code: CCM (cluster munitions), APMBC (anti-personnel mines) or ATT (arms trade).')}
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
  return () => {
    left = true;
  };
}
