import { html, nothing, render } from 'lit-html';
import * as echarts from 'echarts/core';
import { BarChart, LineChart, MapChart } from 'echarts/charts';
import { AriaComponent, GridComponent, LegendComponent, MarkLineComponent, TooltipComponent, VisualMapComponent } from 'echarts/components';
import { CanvasRenderer } from 'echarts/renderers';
import { api, type Problem } from './api.js';
import { chosenTreaty, problemOf, problemView, statusLabel, today, treatyName, treatySwitcher, type Treaty } from './ui.js';
import { worldByIso3 } from './world.js';

echarts.use([LineChart, BarChart, MapChart, GridComponent, TooltipComponent, LegendComponent, MarkLineComponent, VisualMapComponent, AriaComponent, CanvasRenderer]);

const DAY_MS = 86_400_000;
const yearBefore = (date: string) => `${Number(date.slice(0, 4)) - 1}${date.slice(4)}`.replace(/-02-29$/, '-02-28');

/** Colours with enough contrast against white and against each other (also for colour-blind readers). */
const COLOURS = { statesParties: '#1a5e9a', signatories: '#c77c02', nonSignatories: '#8a8f98', withdrawn: '#8b1e3f' };
const STATUS_VALUE: Record<string, number> = { 'state-party': 0, signatory: 1, 'non-signatory': 2, withdrawn: 3 };

interface Tally { statesParties: number; signatories: number; nonSignatories: number }
interface Picture extends Tally { asOf: string; inForce: number; withdrawn: number; states: number; byRegion: Record<string, Tally> }
interface StateOnDay { iso3: string; name: string; region: string; subregion: string; treatyStatus: string; group: string | null }
interface SeriesPoint extends Tally { asOf: string }
interface Matrix { treaties: string[]; totals: Record<string, Tally & { withdrawn: number; inForce: number }>; items: { iso3: string; treatyStatus: Record<string, string> }[] }

let worldRegistered = false;

/** The analysts' page: the picture on any date, over time, by region and group, on a map, and the report. */
export function mountAnalysis(main: HTMLElement): () => void {
  let treaty: Treaty = chosenTreaty();
  /** The slider starts on the day the treaty opened for signature. */
  let firstDay: string = treaty.opened;
  const dayIndex = (date: string) => Math.round((Date.parse(`${date}T00:00:00Z`) - Date.parse(`${firstDay}T00:00:00Z`)) / DAY_MS);
  const dateAt = (index: number) => new Date(Date.parse(`${firstDay}T00:00:00Z`) + index * DAY_MS).toISOString().slice(0, 10);
  const last = today();
  let maxIndex = dayIndex(last);
  let matrix: Matrix | undefined;
  let asOf = last;
  let since = yearBefore(last);
  /** Until the user picks a day, the report covers the year before the slider's date. */
  let sinceChosen = false;
  let picture: Picture | undefined;
  let states: StateOnDay[] = [];
  let series: SeriesPoint[] = [];
  let report = '';
  let problem: Problem | undefined;
  let reportProblem: Problem | undefined;
  let loading = false;
  let pending: number | undefined;
  let request = 0;
  const charts: echarts.ECharts[] = [];
  let timeline: echarts.ECharts | undefined;
  let regions: echarts.ECharts | undefined;
  let groups: echarts.ECharts | undefined;
  let map: echarts.ECharts | undefined;

  async function loadDay(): Promise<void> {
    const mine = ++request;
    loading = true;
    draw();
    try {
      const [p, s, m] = await Promise.all([
        api<Picture>(`/v1/status?treaty=${treaty.code}&asOf=${asOf}`),
        api<{ items: StateOnDay[] }>(`/v1/status/states?treaty=${treaty.code}&asOf=${asOf}`),
        api<Matrix>(`/v1/status/matrix?asOf=${asOf}`),
      ]);
      if (mine !== request) return; // a later date or treaty was asked for meanwhile
      picture = p;
      states = s.items;
      matrix = m;
      problem = undefined;
    } catch (error) {
      if (mine !== request) return;
      problem = problemOf(error);
    }
    loading = false;
    draw();
    updateCharts();
  }

  async function loadSeries(): Promise<void> {
    try {
      series = (await api<{ items: SeriesPoint[] }>(`/v1/status/series?treaty=${treaty.code}&from=${firstDay}&to=${last}`)).items;
      updateCharts();
    } catch (error) {
      problem ??= problemOf(error);
      draw();
    }
  }

  async function loadReport(): Promise<void> {
    try {
      report = await api<string>(`/v1/reports/universalization?treaty=${treaty.code}&asOf=${asOf}&since=${since}&format=markdown`, { accept: 'text/markdown' });
      reportProblem = undefined;
    } catch (error) {
      reportProblem = problemOf(error);
    }
    draw();
  }

  /** Moves the picture to a day: the figures follow at once, the charts after a pause in sliding. */
  function moveTo(date: string, immediately = false): void {
    asOf = date < firstDay ? firstDay : date > last ? last : date;
    if (!sinceChosen || since > asOf) since = yearBefore(asOf) < firstDay ? firstDay : yearBefore(asOf);
    draw();
    if (pending) clearTimeout(pending);
    pending = window.setTimeout(() => void loadDay(), immediately ? 0 : 150);
  }

  /** Another treaty: its own first day, counts, series and report, on the same date where it can be. */
  const onTreaty = (next: Treaty) => {
    treaty = next;
    firstDay = next.opened;
    maxIndex = dayIndex(last);
    picture = undefined;
    series = [];
    report = '';
    moveTo(asOf, true);
    void loadSeries();
  };

  /** For each other treaty, how many of this treaty's non-parties are its parties: the cross-treaty view. */
  function acrossTreaties() {
    if (!matrix) return nothing;
    const others = matrix.treaties.filter((t) => t !== treaty.code);
    const nonParties = matrix.items.filter((r) => r.treatyStatus[treaty.code] !== 'state-party');
    return html`<table class="tally" id="across-treaties-table">
      <caption>Across treaties on ${asOf}</caption>
      <thead><tr><th scope="col">Treaty</th><th scope="col">States Parties</th><th scope="col">Signatories</th><th scope="col">Not signed</th><th scope="col">Withdrawn</th><th scope="col">Parties to it among the ${nonParties.length} non-parties to the ${treaty.code}</th></tr></thead>
      <tbody>${matrix.treaties.map((code) => {
        const t = matrix!.totals[code]!;
        const overlap = others.includes(code) ? String(nonParties.filter((r) => r.treatyStatus[code] === 'state-party').length) : '—';
        return html`<tr><th scope="row" title=${treatyName(code)}>${code}</th><td>${t.statesParties}</td><td>${t.signatories}</td><td>${t.nonSignatories}</td><td>${t.withdrawn}</td><td>${overlap}</td></tr>`;
      })}</tbody>
    </table>`;
  }

  const onSlide = (e: Event) => moveTo(dateAt(Number((e.target as HTMLInputElement).value)));
  const onSliderKey = (e: KeyboardEvent) => {
    // PageUp/PageDown move a month, as a reader of a monthly chart expects.
    if (e.key !== 'PageUp' && e.key !== 'PageDown') return;
    e.preventDefault();
    moveTo(dateAt(dayIndex(asOf) + (e.key === 'PageUp' ? 30 : -30)));
  };
  const onDate = (e: Event) => {
    const value = (e.target as HTMLInputElement).value;
    if (/^\d{4}-\d{2}-\d{2}$/.test(value)) moveTo(value, true);
  };

  function byGroup(): { group: string; tally: Tally }[] {
    const rows = new Map<string, Tally>(['I', 'II', 'III', 'none'].map((g) => [g, { statesParties: 0, signatories: 0, nonSignatories: 0 }]));
    for (const s of states) {
      const t = rows.get(s.group ?? 'none')!;
      if (s.treatyStatus === 'state-party') t.statesParties++;
      else if (s.treatyStatus === 'signatory') t.signatories++;
      else if (s.treatyStatus === 'non-signatory') t.nonSignatories++;
    }
    return [...rows].map(([group, tally]) => ({ group, tally }));
  }
  const groupName = (g: string) => (g === 'none' ? 'No response yet' : `Group ${g}`);

  function tallyTable(caption: string, rows: { label: string; tally: Tally }[], id: string) {
    return html`<table class="tally" id=${id}>
      <caption>${caption}</caption>
      <thead><tr><th scope="col">${id === 'by-region-table' ? 'Region' : 'Response group'}</th><th scope="col">States Parties</th><th scope="col">Signatories</th><th scope="col">Not signed</th></tr></thead>
      <tbody>${rows.map((r) => html`<tr><th scope="row">${r.label}</th><td>${r.tally.statesParties}</td><td>${r.tally.signatories}</td><td>${r.tally.nonSignatories}</td></tr>`)}</tbody>
    </table>`;
  }

  function draw(): void {
    const index = dayIndex(asOf);
    render(
      html`<section aria-labelledby="analysis-title" class="analysis">
        <h1 id="analysis-title">The ${treaty.name} on any date</h1>
        ${treatySwitcher(onTreaty)}
        <div class="slider-panel">
          <div class="slider-field">
            <label for="as-of-slider">Date of the picture</label>
            <input id="as-of-slider" type="range" min="0" max=${maxIndex} step="1" .value=${String(index)}
              aria-valuetext=${asOf} aria-describedby="slider-help" @input=${onSlide} @keydown=${onSliderKey} />
            <p id="slider-help" class="help">Arrow keys move a day, Page Up and Page Down a month, Home and End to the first and last day.</p>
          </div>
          <div class="date-field">
            <label for="as-of-date">Exact date</label>
            <input id="as-of-date" type="date" min=${firstDay} max=${last} .value=${asOf} @change=${onDate} />
          </div>
        </div>
        ${problemView(problem, 'The figures could not be read')}
        <div class="figures" aria-live="polite" aria-busy=${loading ? 'true' : 'false'}>
          <p class="as-of">On <strong id="as-of-shown">${picture?.asOf ?? asOf}</strong>${loading ? html` <span class="muted">(updating…)</span>` : nothing}</p>
          <dl>
            <div class="figure parties"><dt>States Parties</dt><dd><output id="count-states-parties">${picture?.statesParties ?? '…'}</output></dd></div>
            <div class="figure signatories"><dt>Signatories</dt><dd><output id="count-signatories">${picture?.signatories ?? '…'}</output></dd></div>
            <div class="figure nonsignatories"><dt>Not signed</dt><dd><output id="count-non-signatories">${picture?.nonSignatories ?? '…'}</output></dd></div>
          </dl>
          ${picture ? html`<p class="muted">${picture.states} states counted; the ${treaty.code} in force for ${picture.inForce}${picture.withdrawn ? html`; ${picture.withdrawn} withdrawn` : nothing}.</p>` : nothing}
        </div>
        <div class="table-wrap" tabindex="0" role="region" aria-label="Across treaties">${acrossTreaties()}</div>
        <div class="panels">
          <figure class="panel wide">
            <figcaption>States Parties, signatories and states that have not signed, at every month end (replayed from the recorded history)</figcaption>
            <div class="chart" id="timeline-chart" role="img" aria-label="Line chart of States Parties, signatories and non-signatories over time"></div>
          </figure>
          <figure class="panel wide">
            <figcaption>The world on ${asOf}, coloured by treaty status</figcaption>
            <div class="chart map" id="world-map" role="img" aria-label="World map coloured by treaty status on ${asOf}"></div>
          </figure>
          <figure class="panel">
            <figcaption>By region on ${asOf}</figcaption>
            <div class="chart" id="region-chart" role="img" aria-label="Bar chart of treaty status by region"></div>
            ${picture ? tallyTable(`Treaty status by region on ${asOf}`, Object.entries(picture.byRegion).map(([label, tally]) => ({ label, tally })), 'by-region-table') : nothing}
          </figure>
          <figure class="panel">
            <figcaption>By response group on ${asOf}</figcaption>
            <div class="chart" id="group-chart" role="img" aria-label="Bar chart of treaty status by response group"></div>
            ${states.length ? tallyTable(`Treaty status by response group on ${asOf}`, byGroup().map((g) => ({ label: groupName(g.group), tally: g.tally })), 'by-group-table') : nothing}
          </figure>
        </div>
        <section class="report" aria-labelledby="report-title">
          <h2 id="report-title">Universalization report</h2>
          <form class="report-form" @submit=${(e: Event) => { e.preventDefault(); void loadReport(); }}>
            <div><label for="report-since">Changes since</label><input id="report-since" type="date" .value=${since} max=${asOf} @change=${(e: Event) => { since = (e.target as HTMLInputElement).value; sinceChosen = true; }} /></div>
            <p class="muted">As of ${asOf} (the slider's date).</p>
            <button type="submit">Show the report</button>
            ${report ? html`<button type="button" @click=${download}>Download Markdown</button>` : nothing}
          </form>
          ${problemView(reportProblem, 'The report could not be read')}
          ${report ? html`<pre class="markdown" tabindex="0" aria-label="Universalization report in Markdown">${report}</pre>` : nothing}
        </section>
      </section>`,
      main,
    );
  }

  function download(): void {
    const url = URL.createObjectURL(new Blob([report], { type: 'text/markdown' }));
    const a = Object.assign(document.createElement('a'), { href: url, download: `${treaty.code.toLowerCase()}-universalization-${asOf}.md` });
    a.click();
    URL.revokeObjectURL(url);
  }

  function chartIn(id: string): echarts.ECharts | undefined {
    const el = document.getElementById(id);
    if (!el) return undefined;
    const existing = echarts.getInstanceByDom(el);
    if (existing) return existing;
    const chart = echarts.init(el, undefined, { renderer: 'canvas' });
    // Readers who asked for less motion get the charts without their entry animations.
    if (window.matchMedia('(prefers-reduced-motion: reduce)').matches) chart.setOption({ animation: false });
    charts.push(chart);
    return chart;
  }

  const tallySeries = (rows: { label: string; tally: Tally }[]) => [
    { name: 'States Parties', type: 'bar' as const, stack: 'all', data: rows.map((r) => r.tally.statesParties), itemStyle: { color: COLOURS.statesParties } },
    { name: 'Signatories', type: 'bar' as const, stack: 'all', data: rows.map((r) => r.tally.signatories), itemStyle: { color: COLOURS.signatories } },
    { name: 'Not signed', type: 'bar' as const, stack: 'all', data: rows.map((r) => r.tally.nonSignatories), itemStyle: { color: COLOURS.nonSignatories } },
  ];

  function updateCharts(): void {
    timeline = chartIn('timeline-chart');
    if (timeline && series.length) {
      const line = (name: string, key: keyof Tally, color: string) => ({ name, type: 'line' as const, showSymbol: false, data: series.map((p) => [p.asOf, p[key]]), lineStyle: { color, width: 2 }, itemStyle: { color } });
      timeline.setOption({
        aria: { enabled: true },
        tooltip: { trigger: 'axis' },
        legend: { top: 0 },
        grid: { left: 40, right: 16, top: 36, bottom: 28 },
        xAxis: { type: 'time' },
        yAxis: { type: 'value', minInterval: 1 },
        series: [
          { ...line('States Parties', 'statesParties', COLOURS.statesParties), markLine: { symbol: 'none', silent: true, label: { formatter: asOf }, lineStyle: { color: '#222', type: 'dashed' }, data: [{ xAxis: asOf }] } },
          line('Signatories', 'signatories', COLOURS.signatories),
          line('Not signed', 'nonSignatories', COLOURS.nonSignatories),
        ],
      });
    }
    if (picture) {
      const rows = Object.entries(picture.byRegion).map(([label, tally]) => ({ label, tally }));
      regions = chartIn('region-chart');
      regions?.setOption({ aria: { enabled: true }, tooltip: { trigger: 'axis' }, legend: { top: 0 }, grid: { left: 70, right: 16, top: 36, bottom: 24 }, xAxis: { type: 'value' }, yAxis: { type: 'category', data: rows.map((r) => r.label) }, series: tallySeries(rows) });
    }
    if (states.length) {
      const rows = byGroup().map((g) => ({ label: groupName(g.group), tally: g.tally }));
      groups = chartIn('group-chart');
      groups?.setOption({ aria: { enabled: true }, tooltip: { trigger: 'axis' }, legend: { top: 0 }, grid: { left: 100, right: 16, top: 36, bottom: 24 }, xAxis: { type: 'value' }, yAxis: { type: 'category', data: rows.map((r) => r.label) }, series: tallySeries(rows) });
      if (!worldRegistered) {
        echarts.registerMap('world', worldByIso3() as any);
        worldRegistered = true;
      }
      map = chartIn('world-map');
      const names = new Map(states.map((s) => [s.iso3, s]));
      map?.setOption({
        aria: { enabled: true },
        tooltip: { trigger: 'item', formatter: (p: any) => { const s = names.get(p.name); return s ? `${s.name}: ${statusLabel[s.treatyStatus] ?? s.treatyStatus}${s.group ? ` (group ${s.group})` : ''}` : p.name; } },
        visualMap: {
          type: 'piecewise', left: 8, bottom: 8, orient: 'vertical',
          pieces: [
            { value: 0, label: 'State Party', color: COLOURS.statesParties },
            { value: 1, label: 'Signatory', color: COLOURS.signatories },
            { value: 2, label: 'Not signed', color: COLOURS.nonSignatories },
            { value: 3, label: 'Withdrawn', color: COLOURS.withdrawn },
          ],
        },
        series: [{ type: 'map', map: 'world', roam: true, nameProperty: 'name', emphasis: { label: { show: false } }, itemStyle: { areaColor: '#e6e8eb', borderColor: '#fff', borderWidth: 0.5 }, data: states.map((s) => ({ name: s.iso3, value: STATUS_VALUE[s.treatyStatus] ?? 2 })) }],
      });
    }
  }

  const resize = new ResizeObserver(() => charts.forEach((c) => c.resize()));
  resize.observe(main);
  draw();
  void loadDay();
  void loadSeries();
  return () => {
    resize.disconnect();
    if (pending) clearTimeout(pending);
    charts.forEach((c) => c.dispose());
  };
}
