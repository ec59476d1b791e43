import { html, nothing, render, type TemplateResult } from 'lit-html';
import { api, writtenUpTo, type Country, type FollowUp, type Problem } from './api.js';
import { status, toCsv, type Row, type Status } from './campaign-csv.js';
import { importPanel } from './imports.js';
import { announce, chooseTreaty, counted, GROUPS, humanKind, longDate, OBSTACLES, problemOf, problemView, today, treatyName, treatySwitcher } from './ui.js';
import type { Week, WeeklyChart } from './weekly-chart.js';

interface Named { readonly iso3: string; readonly name: string }

interface Counts {
  readonly countries: number;
  readonly letters: { readonly delivered: number; readonly states: number; readonly residentMissions: number; readonly nonResidentContacts: number; readonly cosignedBy: readonly string[]; readonly firstOn: string | null; readonly lastOn: string | null };
  readonly responded: number;
  readonly noResponse: number;
  readonly groups: {
    readonly I: { readonly count: number; readonly countries: readonly Named[]; readonly ratificationUnderWay: readonly Named[]; readonly wishesToSign: readonly Named[] };
    readonly II: { readonly count: number; readonly countries: readonly Named[] };
    readonly III: { readonly count: number; readonly countries: readonly Named[] };
  };
  readonly expectedSoon: readonly Named[];
  readonly joinedSince: readonly (Named & { readonly depositedOn: string })[];
  readonly obstacles: Readonly<Record<string, number>>;
  readonly regionalInitiatives: readonly { readonly id: string; readonly subregion: string | null; readonly countries: readonly string[]; readonly dueOn: string; readonly state: string }[];
  readonly followUps: Readonly<Record<FollowUp['queue'], { readonly open: number; readonly done: number; readonly retracted: number }>>;
  readonly byTreatyStatus: Readonly<Partial<Record<Status, number>>>;
  readonly byRegion: Readonly<Record<string, number>>;
}

interface Picture {
  readonly campaignId: string;
  readonly treaty: string;
  readonly title: string;
  readonly coordinators: readonly string[];
  readonly startsOn: string;
  readonly asOf: string;
  readonly counts: Counts;
  readonly rows: readonly Row[];
  readonly weekly: readonly Week[];
}

type Direction = 'ascending' | 'descending';
type SortValue = string | number | null;

/** A column of the table: its header, what it sorts by (null sorts last either way), and its cell. */
interface Column {
  readonly key: string;
  readonly label: string;
  readonly sortBy: (r: Row) => SortValue;
  readonly cell: (r: Row) => unknown;
}

const STATUS_ORDER: Record<Status, number> = { 'state-party': 0, signatory: 1, 'non-signatory': 2, withdrawn: 3 };
/** A status as counted in a sentence: "1 State Party", "3 signatories", "4 not signed". */
const STATUS_COUNTED: Record<Status, [string, string]> = { 'state-party': ['State Party', 'States Parties'], signatory: ['signatory', 'signatories'], 'non-signatory': ['not signed', 'not signed'], withdrawn: ['withdrawn', 'withdrawn'] };
const QUEUE_WORDS: Record<FollowUp['queue'], string> = { bilateral: 'bilateral', regional: 'regional initiative', 'high-level': 'high-level' };
const dash = html`<span class="muted">—</span>`;

/** What a response says beyond its group: the sub-cases of Group I. */
function subCases(r: NonNullable<Row['response']>): string[] {
  return [r.ratificationUnderWay ? 'ratification under way' : '', r.wishesToSign ? 'wishes to sign' : '', r.depositAnnounced ? 'deposit announced' : ''].filter(Boolean);
}
const obstacleWords = (codes: readonly string[]) => codes.map((o) => OBSTACLES[o] ?? o);

const COLUMNS: readonly Column[] = [
  { key: 'country', label: 'Country', sortBy: (r) => r.name, cell: (r) => html`<a href="#/country/${r.iso3}">${r.name}</a> <span class="code">${r.iso3}</span>` },
  { key: 'region', label: 'Region', sortBy: (r) => `${r.region} ${r.subregion}`, cell: (r) => html`${r.region}<span class="sub">${r.subregion}</span>` },
  { key: 'mission', label: 'Mission', sortBy: (r) => r.mission?.missionId ?? null, cell: (r) => (r.mission ? html`${r.mission.missionId}${r.mission.kind ? html`<span class="sub">${r.mission.kind}</span>` : nothing}` : dash) },
  { key: 'letter', label: 'Letter', sortBy: (r) => r.letterOn, cell: (r) => (r.letterOn ? html`<time datetime=${r.letterOn}>${r.letterOn}</time>${r.letters > 1 ? html`<span class="sub">${r.letters} letters</span>` : nothing}` : dash) },
  { key: 'meetings', label: 'Meetings', sortBy: (r) => r.meetings, cell: (r) => r.meetings },
  {
    key: 'response',
    label: 'Response',
    // 'I' < 'II' < 'III' as text, then by the day it came.
    sortBy: (r) => (r.response ? `${r.response.group} ${r.response.receivedOn}` : null),
    cell: (r) =>
      r.response
        ? html`<span class="group">Group ${r.response.group}</span>, <time datetime=${r.response.receivedOn}>${r.response.receivedOn}</time>${subCases(r.response).length ? html`<span class="sub">${subCases(r.response).join('; ')}</span>` : nothing}`
        : html`<span class="muted">No response yet</span>`,
  },
  { key: 'obstacles', label: 'Obstacles', sortBy: (r) => (r.response?.obstacles.length ? obstacleWords(r.response.obstacles).join(', ') : null), cell: (r) => (r.response?.obstacles.length ? obstacleWords(r.response.obstacles).join('; ') : dash) },
  { key: 'start', label: 'Status at start', sortBy: (r) => STATUS_ORDER[r.statusAtStart], cell: (r) => status(r.statusAtStart) },
  { key: 'status', label: 'Status today', sortBy: (r) => STATUS_ORDER[r.status], cell: (r) => html`<span class="status status-${r.status}">${status(r.status)}</span>` },
  {
    key: 'follow-ups',
    label: 'Open follow-ups',
    sortBy: (r) => r.openFollowUps[0]?.dueOn ?? null,
    cell: (r) =>
      r.openFollowUps.length
        ? html`<ul class="plain">${r.openFollowUps.map((f) => html`<li>${humanKind(f.kind)}, due ${f.dueOn}${f.overdue ? html` <span class="badge priority-overdue">overdue</span>` : nothing}</li>`)}</ul>`
        : dash,
  },
];

/** "Japan", "Japan and Portugal", "Japan, Portugal and Norway". */
function inWords(items: readonly string[]): string {
  return items.length < 2 ? (items[0] ?? '') : `${items.slice(0, -1).join(', ')} and ${items.at(-1)}`;
}

let stateNames: Promise<Map<string, string>> | undefined;
/** Every state's name, read once: the counts name coordinators and countries outside the rows. */
function namesOfStates(): Promise<Map<string, string>> {
  stateNames ??= api<{ items: Country[] }>('/v1/countries').then(
    (r) => new Map(r.items.map((c) => [c.iso3, c.name])),
    () => {
      stateNames = undefined;
      return new Map();
    },
  );
  return stateNames;
}

let chartCode: Promise<typeof import('./weekly-chart.js')> | undefined;

/** One campaign: its counts read out, its weekly activity, every country it covers, uploads and the export. */
export function mountCampaign(main: HTMLElement, campaignId: string): () => void {
  let picture: Picture | undefined;
  let names = new Map<string, string>();
  let problem: Problem | undefined;
  let loading = false;
  let left = false;
  let request = 0;
  let chart: WeeklyChart | undefined;
  const filters = { region: '', group: '', status: '' };
  let sort: { key: string; direction: Direction } = { key: 'country', direction: 'ascending' };
  const uploads = importPanel(campaignId, draw, (position) => void load(position));

  const nameOf = (iso3: string) => names.get(iso3) ?? picture?.rows.find((r) => r.iso3 === iso3)?.name ?? iso3;

  /** Reads the campaign as of today; after a write of this tab, as it stands once the read models have it. */
  async function load(minPosition = writtenUpTo()): Promise<void> {
    const mine = ++request;
    loading = true;
    draw();
    try {
      const [p, n] = await Promise.all([api<Picture>(`/v1/campaigns/${encodeURIComponent(campaignId)}/countries?asOf=${today()}`, { minPosition }), namesOfStates()]);
      if (mine !== request || left) return;
      picture = p;
      names = n;
      problem = undefined;
      // A campaign is for one treaty: the tab follows it, so the pages opened next show that treaty too.
      chooseTreaty(p.treaty);
      document.title = `${p.title} · Demarche`;
    } catch (error) {
      if (mine !== request || left) return;
      problem = problemOf(error);
    }
    loading = false;
    draw();
    if (picture && !problem) announce(`${picture.title}: ${counted(picture.rows.length, 'country', 'countries')} on ${picture.asOf}.`);
    void showChart();
  }

  async function showChart(): Promise<void> {
    const el = document.getElementById('weekly-chart');
    if (chart && chart.el !== el) {
      chart.dispose();
      chart = undefined;
    }
    if (!el || !picture?.weekly.length) return;
    const weeks = picture.weekly;
    const code = await (chartCode ??= import('./weekly-chart.js'));
    if (left || !el.isConnected) return;
    if (chart?.el !== el) chart = code.weeklyChart(el);
    chart.show(weeks);
  }

  function visible(): Row[] {
    const column = COLUMNS.find((c) => c.key === sort.key)!;
    const flip = sort.direction === 'ascending' ? 1 : -1;
    const compare = (a: Row, b: Row): number => {
      const x = column.sortBy(a);
      const y = column.sortBy(b);
      if (x === null || y === null) return x === y ? a.name.localeCompare(b.name) : x === null ? 1 : -1;
      const c = typeof x === 'number' && typeof y === 'number' ? x - y : String(x).localeCompare(String(y));
      return c ? c * flip : a.name.localeCompare(b.name);
    };
    return (picture?.rows ?? [])
      .filter((r) => !filters.region || r.region === filters.region)
      .filter((r) => !filters.group || (filters.group === 'none' ? !r.response : r.response?.group === filters.group))
      .filter((r) => !filters.status || r.status === filters.status)
      .sort(compare);
  }

  function sortBy(column: Column): void {
    sort = { key: column.key, direction: sort.key === column.key && sort.direction === 'ascending' ? 'descending' : 'ascending' };
    draw();
    announce(`Sorted by ${column.label.toLowerCase()}, ${sort.direction}.`);
  }

  const onFilter = (key: keyof typeof filters) => (e: Event) => {
    filters[key] = (e.target as HTMLSelectElement).value;
    draw();
  };

  function download(): void {
    const url = URL.createObjectURL(new Blob([toCsv(visible())], { type: 'text/csv;charset=utf-8' }));
    const a = Object.assign(document.createElement('a'), { href: url, download: `${campaignId}-countries-${picture?.asOf ?? today()}.csv` });
    document.body.append(a);
    a.click();
    a.remove();
    // Revoked once the browser has started the download it was clicked for.
    setTimeout(() => URL.revokeObjectURL(url), 10_000);
    announce('The table was downloaded as CSV.');
  }

  const namedList = (list: readonly Named[]) => (list.length ? `: ${list.map((c) => c.name).join(', ')}` : '');

  /** The counts as a coordinator reads them out at a meeting. */
  function readOut(p: Picture): TemplateResult {
    const c = p.counts;
    const l = c.letters;
    const g = c.groups;
    const statusWords = (Object.keys(STATUS_ORDER) as Status[]).filter((s) => c.byTreatyStatus[s]).map((s) => counted(c.byTreatyStatus[s]!, ...STATUS_COUNTED[s]));
    const obstacles = Object.entries(c.obstacles);
    return html`<dl class="read-out">
      <div><dt>Letters</dt><dd>${l.delivered
        ? `Through ${counted(l.residentMissions, 'resident mission')} and ${counted(l.nonResidentContacts, 'non-resident point of contact', 'non-resident points of contact')}, ${counted(l.delivered, 'joint letter')}${l.cosignedBy.length ? ` co-signed by ${inWords(l.cosignedBy.map(nameOf))}` : ''} ${l.delivered === 1 ? 'was' : 'were'} delivered to ${counted(l.states, 'state')}, ${l.firstOn === l.lastOn ? `on ${longDate(l.firstOn!)}` : `from ${longDate(l.firstOn!)} to ${longDate(l.lastOn!)}`}.`
        : 'No letter has been delivered yet.'}</dd></div>
      <div><dt>Responses</dt><dd>${counted(c.responded, 'state')} responded; ${c.noResponse === 1 ? '1 state that received a letter has' : `${c.noResponse} states that received a letter have`} not responded yet.</dd></div>
      <div><dt>Group I</dt><dd>${counted(g.I.count, 'state')} ${g.I.count === 1 ? 'has' : 'have'} an earnest interest in joining soon${namedList(g.I.countries)}.${g.I.ratificationUnderWay.length ? ` Ratification or accession is under way in ${inWords(g.I.ratificationUnderWay.map((x) => x.name))}.` : ''}${g.I.wishesToSign.length ? ` ${inWords(g.I.wishesToSign.map((x) => x.name))} ${g.I.wishesToSign.length === 1 ? 'wishes' : 'wish'} to sign.` : ''}</dd></div>
      <div><dt>Group II</dt><dd>${counted(g.II.count, 'state')} ${g.II.count === 1 ? 'shares' : 'share'} the goal and ${g.II.count === 1 ? 'names' : 'name'} obstacles${namedList(g.II.countries)}.</dd></div>
      <div><dt>Group III</dt><dd>${counted(g.III.count, 'state')} ${g.III.count === 1 ? 'needs' : 'need'} a major change first${namedList(g.III.countries)}.</dd></div>
      <div><dt>Expected soon</dt><dd>${c.expectedSoon.length ? `${counted(c.expectedSoon.length, 'state')} announced ${c.expectedSoon.length === 1 ? 'its' : 'their'} deposit${namedList(c.expectedSoon)}.` : 'No state has announced its deposit.'}</dd></div>
      <div><dt>Joined since</dt><dd>${c.joinedSince.length ? `${counted(c.joinedSince.length, 'state')} joined after responding: ${c.joinedSince.map((x) => `${x.name} (${longDate(x.depositedOn)})`).join(', ')}.` : 'No state has joined since it responded.'}</dd></div>
      <div><dt>Obstacles</dt><dd>${obstacles.length ? `Named by the states not yet party: ${obstacles.map(([o, n]) => `${OBSTACLES[o] ?? o} (${n})`).join('; ')}.` : 'No obstacle named.'}</dd></div>
      <div><dt>Regional initiatives</dt><dd>${c.regionalInitiatives.length
        ? html`<ul class="plain">${c.regionalInitiatives.map((r) => html`<li>${r.subregion ?? 'Across sub-regions'}: ${inWords(r.countries.map(nameOf))}, ${r.state}, due ${longDate(r.dueOn)}</li>`)}</ul>`
        : 'None under way.'}</dd></div>
      <div><dt>Follow-ups</dt><dd>${(Object.keys(c.followUps) as FollowUp['queue'][]).map((q) => `${QUEUE_WORDS[q]}: ${c.followUps[q].open} open, ${c.followUps[q].done} done, ${c.followUps[q].retracted} retracted`).join('; ')}.</dd></div>
      <div><dt>Status today</dt><dd>${statusWords.length ? `Of the ${counted(c.countries, 'country', 'countries')} covered, ${inWords(statusWords)}. By region: ${Object.entries(c.byRegion).sort(([a], [b]) => a.localeCompare(b)).map(([r, n]) => `${r} ${n}`).join(', ')}.` : 'The campaign covers no country yet.'}</dd></div>
    </dl>`;
  }

  function header(column: Column): TemplateResult {
    const sorted = sort.key === column.key;
    return html`<th scope="col" aria-sort=${sorted ? sort.direction : 'none'}>
      <button type="button" class="sort" data-col=${column.key} @click=${() => sortBy(column)}>${column.label}<span class="arrow" aria-hidden="true">${sorted ? (sort.direction === 'ascending' ? '▲' : '▼') : '↕'}</span></button>
    </th>`;
  }

  function table(p: Picture): TemplateResult {
    const shown = visible();
    const regions = [...new Set(p.rows.map((r) => r.region))].sort();
    return html`<section aria-labelledby="countries-title">
      <h2 id="countries-title">Countries</h2>
      <form class="filters" aria-label="Filter the countries" @submit=${(e: Event) => e.preventDefault()}>
        <div><label for="f-region">Region</label>
          <select id="f-region" @change=${onFilter('region')}>
            <option value="">All regions</option>
            ${regions.map((r) => html`<option value=${r} ?selected=${filters.region === r}>${r}</option>`)}
          </select></div>
        <div><label for="f-group">Response group</label>
          <select id="f-group" @change=${onFilter('group')}>
            <option value="">Any response, or none</option>
            ${Object.entries(GROUPS).map(([g, words]) => html`<option value=${g} ?selected=${filters.group === g}>Group ${g}: ${words}</option>`)}
            <option value="none" ?selected=${filters.group === 'none'}>No response yet</option>
          </select></div>
        <div><label for="f-status">Status today</label>
          <select id="f-status" @change=${onFilter('status')}>
            <option value="">Any status</option>
            ${(Object.keys(STATUS_ORDER) as Status[]).map((s) => html`<option value=${s} ?selected=${filters.status === s}>${status(s)}</option>`)}
          </select></div>
      </form>
      <div class="table-actions">
        <p class="count" aria-live="polite">${shown.length} of ${counted(p.rows.length, 'country', 'countries')} shown</p>
        <button type="button" @click=${download} ?disabled=${!shown.length}>Download these rows (CSV)</button>
      </div>
      <div class="table-wrap" tabindex="0" role="region" aria-labelledby="countries-title">
        <table class="campaign-table">
          <caption>Every country the campaign covers, on ${p.asOf}. Choose a column's header to sort by it.</caption>
          <thead><tr>${COLUMNS.map(header)}</tr></thead>
          <tbody>
            ${shown.map((r) => html`<tr data-iso3=${r.iso3}>${COLUMNS.map((c, i) => (i === 0 ? html`<th scope="row" data-col=${c.key}>${c.cell(r)}</th>` : html`<td data-col=${c.key}>${c.cell(r)}</td>`))}</tr>`)}
          </tbody>
        </table>
      </div>
      ${shown.length ? nothing : html`<p class="muted">${p.rows.length ? 'No country matches these filters.' : 'The campaign covers no country yet: register its missions, or upload its letters, meetings and responses below.'}</p>`}
    </section>`;
  }

  function weekly(p: Picture): TemplateResult {
    const l = p.weekly.reduce((n, w) => n + w.letters, 0);
    const r = p.weekly.reduce((n, w) => n + w.responses, 0);
    return html`<figure class="panel wide">
      <figcaption>Letters delivered and responses received, week by week (weeks start on Monday)</figcaption>
      ${p.weekly.length
        ? html`<div class="chart" id="weekly-chart" role="img" aria-label="Bar chart over ${counted(p.weekly.length, 'week')} from ${longDate(p.weekly[0]!.week)}: ${counted(l, 'letter')} delivered and ${counted(r, 'response')} received"></div>
            <details>
              <summary>The weeks as a table</summary>
              <table class="tally">
                <thead><tr><th scope="col">Week of</th><th scope="col">Letters delivered</th><th scope="col">Responses received</th></tr></thead>
                <tbody>${p.weekly.map((w) => html`<tr><th scope="row">${w.week}</th><td>${w.letters}</td><td>${w.responses}</td></tr>`)}</tbody>
              </table>
            </details>`
        : html`<p class="muted">No letter delivered and no response received yet.</p>`}
    </figure>`;
  }

  function draw(): void {
    if (left) return;
    const p = picture;
    render(
      html`<section aria-labelledby="campaign-title" class="campaign">
        <p><a href="#/campaigns">← All campaigns</a></p>
        <div class="page-head">
          <h1 id="campaign-title">${p?.title ?? campaignId} <span class="code">${campaignId}</span></h1>
          <button type="button" class="link" @click=${() => void load()}>Read again</button>
        </div>
        ${p ? treatySwitcher(() => (location.hash = '#/campaigns'), `A campaign is for one treaty: this one is for the ${treatyName(p.treaty)}. Choose another to list its campaigns.`) : nothing}
        ${p
          ? html`<p class="muted">${p.treaty} campaign coordinated by ${inWords(p.coordinators.map((c) => `${nameOf(c)} (${c})`))}, started on ${longDate(p.startsOn)}. As of <strong>${longDate(p.asOf)}</strong>${loading ? html` <span>(updating…)</span>` : nothing}.</p>`
          : html`<p role="status">${loading ? 'Loading…' : ''}</p>`}
        ${problemView(problem, 'The campaign could not be read')}
        ${p
          ? html`<div class="figures">
                <dl>
                  <div class="figure parties"><dt>Countries covered</dt><dd>${p.counts.countries}</dd></div>
                  <div class="figure parties"><dt>Letters delivered</dt><dd>${p.counts.letters.delivered}</dd></div>
                  <div class="figure signatories"><dt>Responded</dt><dd>${p.counts.responded}</dd></div>
                  <div class="figure nonsignatories"><dt>No response yet</dt><dd>${p.counts.noResponse}</dd></div>
                </dl>
              </div>
              <section aria-labelledby="counts-title">
                <h2 id="counts-title">The campaign in words</h2>
                ${readOut(p)}
              </section>
              <div class="panels">${weekly(p)}</div>
              ${table(p)}`
          : nothing}
        ${uploads.view()}
      </section>`,
      main,
    );
  }

  draw();
  void load();
  return () => {
    left = true;
    chart?.dispose();
  };
}
