import { html, nothing, render } from 'lit-html';
import { api, post, type Country, type FollowUp, type Problem } from './api.js';
import { followLive } from './live.js';
import { announce, chosenTreaty, humanKind, problemOf, problemView, today, treatySwitcher, type Treaty } from './ui.js';

type Priority = 'overdue' | 'soon' | 'later';
const PRIORITY_LABEL: Record<Priority, string> = { overdue: 'Overdue', soon: 'Due within 14 days', later: 'Later' };
const QUEUE_LABEL: Record<FollowUp['queue'], string> = { bilateral: 'Bilateral', regional: 'Regional initiative', 'high-level': 'High-level' };

/**
 * A task's urgency, from what the queue says: overdue once its due date passed while open
 * or claimed; "soon" when due within two weeks.
 */
function priorityOf(f: FollowUp): Priority {
  if (f.overdue || f.dueOn < today()) return 'overdue';
  const soon = new Date(Date.now() + 14 * 86_400_000).toISOString().slice(0, 10);
  return f.dueOn <= soon ? 'soon' : 'later';
}

interface Filters {
  campaignId: string;
  queue: string;
  state: string;
  region: string;
  priority: string;
  dueBy: string;
}

/** Coordinators' queues: filter, claim, complete, reassign; live as tasks appear and change hands. */
export function mountQueues(main: HTMLElement): () => void {
  const filters: Filters = { campaignId: sessionStorage.getItem('demarche.campaign') ?? '', queue: '', state: 'active', region: '', priority: '', dueBy: '' };
  let items = new Map<string, FollowUp>();
  let countries = new Map<string, Country>();
  let loading = true;
  let listProblem: Problem | undefined;
  let live = false;
  const rowProblems = new Map<string, Problem>();
  const fresh = new Set<string>();
  let stopLive: (() => void) | undefined;
  let treaty: Treaty = chosenTreaty();
  /** The tasks of the chosen treaty's campaigns (of one campaign, when the filter names it). */
  const listPath = () => `/v1/follow-ups?${new URLSearchParams({ treaty: treaty.code, ...(filters.campaignId ? { campaignId: filters.campaignId } : {}) })}`;

  const regions = () => [...new Set([...countries.values()].map((c) => c.region))].sort();
  const name = (iso3: string) => countries.get(iso3)?.name ?? iso3;

  function visible(): FollowUp[] {
    return [...items.values()]
      .filter((f) => (filters.state === 'active' ? f.state === 'open' || f.state === 'claimed' : !filters.state || f.state === filters.state))
      .filter((f) => !filters.queue || f.queue === filters.queue)
      .filter((f) => !filters.region || f.countries.some((c) => countries.get(c)?.region === filters.region))
      .filter((f) => !filters.priority || priorityOf(f) === filters.priority)
      .filter((f) => !filters.dueBy || f.dueOn <= filters.dueBy)
      .sort((a, b) => (a.dueOn < b.dueOn ? -1 : a.dueOn > b.dueOn ? 1 : a.id < b.id ? -1 : 1));
  }

  let request = 0;
  async function load(): Promise<void> {
    const mine = ++request;
    loading = true;
    draw();
    try {
      const [list, states] = await Promise.all([api<{ items: FollowUp[] }>(listPath()), countries.size ? null : api<{ items: Country[] }>('/v1/countries')]);
      if (mine !== request) return; // another treaty or campaign was asked for meanwhile
      items = new Map(list.items.map((f) => [f.id, f]));
      if (states) countries = new Map(states.items.map((c) => [c.iso3, c]));
      listProblem = undefined;
    } catch (error) {
      if (mine !== request) return;
      listProblem = problemOf(error);
    }
    loading = false;
    draw();
  }

  function connect(): void {
    stopLive?.();
    stopLive = followLive(
      filters.campaignId ? `campaignId=${encodeURIComponent(filters.campaignId)}` : '',
      (event, data) => {
        if (event !== 'follow-up') return;
        const f = data as FollowUp;
        if (f.treaty !== treaty.code) return; // another treaty's task: not in this view
        const before = items.get(f.id);
        items.set(f.id, f);
        if (!before) {
          fresh.add(f.id);
          announce(`New follow-up: ${humanKind(f.kind)} for ${f.countries.map(name).join(', ')}`);
        } else if (before.state !== f.state || before.assignee !== f.assignee) {
          announce(`${humanKind(f.kind)} for ${f.countries.map(name).join(', ')} is now ${f.state}${f.assignee ? ` by ${f.assignee}` : ''}`);
        }
        draw();
      },
      (on) => {
        live = on;
        draw();
      },
    );
  }

  async function act(f: FollowUp, action: 'claim' | 'complete' | 'reassign', body: object): Promise<void> {
    rowProblems.delete(f.id);
    try {
      await post(`/v1/follow-ups/${encodeURIComponent(f.id)}/${action}`, body);
      announce(action === 'claim' ? 'Claimed.' : action === 'complete' ? 'Completed.' : 'Reassigned.');
      const again = await api<{ items: FollowUp[] }>(listPath());
      // The read model may be a moment behind the write; the live stream brings the rest.
      for (const item of again.items) items.set(item.id, item);
    } catch (error) {
      rowProblems.set(f.id, problemOf(error));
    }
    draw();
  }

  const onFilter = (key: keyof Filters) => (e: Event) => {
    filters[key] = (e.target as HTMLInputElement | HTMLSelectElement).value;
    if (key === 'campaignId') {
      sessionStorage.setItem('demarche.campaign', filters.campaignId);
      void load();
      connect();
    }
    draw();
  };

  const onTreaty = (next: Treaty) => {
    treaty = next;
    items = new Map();
    fresh.clear();
    void load();
  };

  function task(f: FollowUp) {
    const p = priorityOf(f);
    const problem = rowProblems.get(f.id);
    const id = f.id.replace(/[^A-Za-z0-9-]/g, '_');
    const complete = (e: SubmitEvent) => {
      e.preventDefault();
      const outcome = (document.getElementById(`outcome-${id}`) as HTMLTextAreaElement).value.trim();
      void act(f, 'complete', { outcome });
    };
    const reassign = (e: SubmitEvent) => {
      e.preventDefault();
      const assignee = (document.getElementById(`assignee-${id}`) as HTMLInputElement).value.trim();
      void act(f, 'reassign', { assignee });
    };
    const active = f.state === 'open' || f.state === 'claimed';
    return html`<li>
      <article class="task ${fresh.has(f.id) ? 'fresh' : ''}" data-follow-up-id=${f.id} data-state=${f.state} aria-labelledby="task-${id}">
        <h3 id="task-${id}">${humanKind(f.kind)}: ${f.countries.map(name).join(', ')}</h3>
        ${f.queue === 'regional'
          ? html`<p class="initiative">Regional initiative${f.subregion ? html` in <strong>${f.subregion}</strong>` : nothing}, gathering ${f.countries.length} ${f.countries.length === 1 ? 'country' : 'countries'}:</p>`
          : nothing}
        <ul class="countries">
          ${f.countries.map((c) => html`<li><a href="#/country/${c}">${name(c)} <span class="code">${c}</span></a></li>`)}
        </ul>
        <dl class="facts">
          <div><dt>Queue</dt><dd>${QUEUE_LABEL[f.queue]}</dd></div>
          <div><dt>Due</dt><dd>${f.dueOn}</dd></div>
          <div><dt>Priority</dt><dd><span class="badge priority-${p}">${PRIORITY_LABEL[p]}</span></dd></div>
          <div><dt>State</dt><dd class="state">${f.state}</dd></div>
          <div><dt>Assignee</dt><dd class="assignee">${f.assignee ?? '—'}</dd></div>
          <div><dt>Campaign</dt><dd><a href="#/campaigns/${encodeURIComponent(f.campaignId)}">${f.campaignId}</a></dd></div>
          ${f.outcome ? html`<div class="wide"><dt>Outcome</dt><dd>${f.outcome}</dd></div>` : nothing}
        </dl>
        ${active
          ? html`<div class="actions">
              ${f.state === 'open' ? html`<button type="button" class="claim" @click=${() => act(f, 'claim', {})}>Claim</button>` : nothing}
              ${f.state === 'claimed'
                ? html`<form class="complete" @submit=${complete}>
                    <label for="outcome-${id}">Outcome</label>
                    <textarea id="outcome-${id}" rows="2" required></textarea>
                    <button type="submit">Complete</button>
                  </form>`
                : nothing}
              <form class="reassign" @submit=${reassign}>
                <label for="assignee-${id}">Reassign to</label>
                <input id="assignee-${id}" type="text" required placeholder="token:coordinator-…" />
                <button type="submit">Reassign</button>
              </form>
            </div>`
          : nothing}
        ${problemView(problem, 'Refused')}
      </article>
    </li>`;
  }

  function draw(): void {
    const shown = visible();
    render(
      html`<section aria-labelledby="queues-title">
        <div class="page-head">
          <h1 id="queues-title">Follow-up queues</h1>
          <span id="live-status" class="live ${live ? 'on' : 'off'}" role="status">${live ? 'Live' : 'Connecting…'}</span>
        </div>
        ${treatySwitcher(onTreaty, `The tasks of the ${treaty.code}'s campaigns.`)}
        <form class="filters" aria-label="Filter the queues" @submit=${(e: Event) => e.preventDefault()}>
          <div><label for="f-campaign">Campaign</label><input id="f-campaign" type="text" placeholder="all campaigns" .value=${filters.campaignId} @change=${onFilter('campaignId')} /></div>
          <div><label for="f-queue">Queue</label>
            <select id="f-queue" @change=${onFilter('queue')}>
              <option value="">All queues</option>
              ${Object.entries(QUEUE_LABEL).map(([v, l]) => html`<option value=${v} ?selected=${filters.queue === v}>${l}</option>`)}
            </select></div>
          <div><label for="f-state">State</label>
            <select id="f-state" @change=${onFilter('state')}>
              ${[['active', 'Open or claimed'], ['open', 'Open'], ['claimed', 'Claimed'], ['completed', 'Completed'], ['retracted', 'Retracted'], ['', 'Any']].map(([v, l]) => html`<option value=${v!} ?selected=${filters.state === v}>${l}</option>`)}
            </select></div>
          <div><label for="f-region">Region</label>
            <select id="f-region" @change=${onFilter('region')}>
              <option value="">All regions</option>
              ${regions().map((r) => html`<option value=${r} ?selected=${filters.region === r}>${r}</option>`)}
            </select></div>
          <div><label for="f-priority">Priority</label>
            <select id="f-priority" @change=${onFilter('priority')}>
              <option value="">Any priority</option>
              ${(Object.keys(PRIORITY_LABEL) as Priority[]).map((v) => html`<option value=${v} ?selected=${filters.priority === v}>${PRIORITY_LABEL[v]}</option>`)}
            </select></div>
          <div><label for="f-due">Due by</label><input id="f-due" type="date" .value=${filters.dueBy} @change=${onFilter('dueBy')} /></div>
        </form>
        ${problemView(listProblem, 'The queues could not be read')}
        <p class="count" aria-live="polite">${loading ? 'Loading…' : `${shown.length} of ${items.size} ${treaty.code} follow-ups shown`}</p>
        <ul class="tasks" aria-label="Follow-ups">${shown.map(task)}</ul>
      </section>`,
      main,
    );
  }

  void load();
  connect();
  return () => stopLive?.();
}
