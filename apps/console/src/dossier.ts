import { html, nothing, render } from 'lit-html';
import { api, type Problem } from './api.js';
import { followLive } from './live.js';
import { chosenTreaty, humanKind, problemOf, problemView, statusLabel, today, treatySwitcher } from './ui.js';

interface Provenance { eventId: string; type: string; actor: string; source?: string; occurredAt: string; recordedAt: string }
interface Sourced { value: unknown; provenance: Provenance | null }
interface Standing {
  treaty: string; title: string; treatyStatus: string; inForce: boolean; signedOn: string | null; depositedOn: string | null; entryIntoForceOn: string | null;
  withdrawalEffectiveOn: string | null; declarations: { declaration: string; on: string }[]; provenance: Provenance[];
}
interface RecordedEvent { id: string; type: string; streamId: string; position: number; occurredAt: string; recordedAt: string; actor: string; data: Record<string, unknown> }

const FIELDS: [string, string][] = [
  ['name', 'Name'], ['region', 'Region'], ['subregion', 'Sub-region'], ['treatyStatus', 'Treaty status'], ['inForce', 'In force'],
  ['signedOn', 'Signed on'], ['depositedOn', 'Deposited on'], ['depositType', 'Instrument'], ['entryIntoForceOn', 'Entry into force'],
  ['withdrawalNotifiedOn', 'Withdrawal notified'], ['withdrawalEffectiveOn', 'Withdrawal effective'], ['group', 'Response group'],
  ['ratificationUnderWay', 'Ratification under way'], ['wishesToSign', 'Wishes to sign'], ['obstacles', 'Obstacles'], ['campaign', 'Campaign'],
];

const show = (value: unknown): string => {
  if (value === null || value === undefined || value === '') return '—';
  if (typeof value === 'boolean') return value ? 'yes' : 'no';
  if (Array.isArray(value)) return value.length ? value.join(', ') : '—';
  return statusLabel[String(value)] ?? String(value);
};

/** What an event says, in a line: its data without the ids everyone already sees. */
function gist(e: RecordedEvent): string {
  const skip = new Set(['iso3', 'countries', 'eventId', 'triggeredBy']);
  return Object.entries(e.data)
    .filter(([k, v]) => !skip.has(k) && v !== undefined && v !== null && (typeof v !== 'object' || (Array.isArray(v) && v.length > 0)))
    .map(([k, v]) => `${k}: ${Array.isArray(v) ? v.join(', ') : v}`)
    .join(' · ');
}

/** One country: every field with the fact it rests on, and the full timeline of events. */
export function mountDossier(main: HTMLElement, params: readonly string[]): () => void {
  const iso3 = (params[0] ?? '').toUpperCase();
  let dossier: Record<string, Sourced> | undefined;
  let current: { openFollowUps?: { id: string; kind: string; dueOn: string; queue: string }[] } | undefined;
  let events: RecordedEvent[] = [];
  let problem: Problem | undefined;
  let timelineProblem: Problem | undefined;
  let standings: Standing[] = [];

  let request = 0;

  async function load(): Promise<void> {
    const mine = ++request;
    const treaty = chosenTreaty().code;
    const [d, c, h, t] = await Promise.allSettled([
      api(`/v1/countries/${iso3}?treaty=${treaty}&asOf=${today()}`),
      api(`/v1/countries/${iso3}?treaty=${treaty}`),
      api<{ items: RecordedEvent[] }>(`/v1/events?country=${iso3}&limit=500`),
      api<{ treaties: Standing[] }>(`/v1/countries/${iso3}/treaties?asOf=${today()}`),
    ]);
    if (mine !== request) return; // read again meanwhile (another treaty, a new fact)
    standings = t.status === 'fulfilled' ? t.value.treaties : [];
    problem = d.status === 'rejected' ? problemOf(d.reason) : undefined;
    dossier = d.status === 'fulfilled' ? d.value : undefined;
    current = c.status === 'fulfilled' ? c.value : undefined;
    timelineProblem = h.status === 'rejected' ? problemOf(h.reason) : undefined;
    events = h.status === 'fulfilled' ? [...h.value.items].reverse() : [];
    draw();
  }

  /** Another treaty: its record, once read (the standings across treaties and the timeline stay). */
  const onTreaty = () => {
    dossier = undefined;
    current = undefined;
    draw();
    void load();
  };

  function draw(): void {
    const name = dossier ? show(dossier.name?.value) : iso3;
    render(
      html`<section aria-labelledby="dossier-title" class="dossier">
        <p><a href="#/queues">← Back to the queues</a></p>
        <h1 id="dossier-title">${name} <span class="code">${iso3}</span></h1>
        ${treatySwitcher(onTreaty)}
        ${problemView(problem, 'The dossier could not be read')}
        ${standings.length
          ? html`<h2>Across treaties today</h2>
              <div class="table-wrap" tabindex="0" role="region" aria-label="Standing in each treaty">
              <table class="provenance" id="across-treaties">
                <thead><tr><th scope="col">Treaty</th><th scope="col">Status</th><th scope="col">In force</th><th scope="col">Signed</th><th scope="col">Deposited</th><th scope="col">Entry into force</th><th scope="col">Declarations</th><th scope="col">Last recorded by</th></tr></thead>
                <tbody>${standings.map((s) => {
                  const p = s.provenance[s.provenance.length - 1];
                  return html`<tr><th scope="row" title=${s.title}>${s.treaty}</th><td>${show(s.treatyStatus)}${s.withdrawalEffectiveOn ? ` (withdrawal effective ${s.withdrawalEffectiveOn})` : ''}</td><td>${show(s.inForce)}</td><td>${show(s.signedOn)}</td><td>${show(s.depositedOn)}</td><td>${show(s.entryIntoForceOn)}</td><td>${s.declarations.length ? s.declarations.map((d) => `${humanKind(d.declaration)} (${d.on})`).join('; ') : '—'}</td><td>${p ? p.source ?? p.actor : '—'}</td></tr>`;
                })}</tbody>
              </table></div>`
          : nothing}
        ${current?.openFollowUps?.length
          ? html`<h2>Open follow-ups</h2><ul>${current.openFollowUps.map((f) => html`<li>${humanKind(f.kind)} (${f.queue}), due ${f.dueOn}</li>`)}</ul>`
          : nothing}
        ${dossier
          ? html`<h2>Today's ${chosenTreaty().code} record, and where each field comes from</h2>
              <div class="table-wrap" tabindex="0" role="region" aria-label="Fields and their provenance">
              <table class="provenance">
                <thead><tr><th scope="col">Field</th><th scope="col">Value</th><th scope="col">Recorded by event</th><th scope="col">Who or what said it</th><th scope="col">Happened</th><th scope="col">Learned</th></tr></thead>
                <tbody>
                  ${FIELDS.filter(([k]) => dossier![k]).map(([k, label]) => {
                    const f = dossier![k]!;
                    const p = f.provenance;
                    return html`<tr><th scope="row">${label}</th><td>${show(f.value)}</td><td>${p ? html`${p.type} <span class="code">${p.eventId.slice(0, 8)}</span>` : '—'}</td><td>${p ? p.source ?? p.actor : '—'}</td><td>${p?.occurredAt.slice(0, 10) ?? '—'}</td><td>${p?.recordedAt.replace('T', ' ').slice(0, 16) ?? '—'}</td></tr>`;
                  })}
                </tbody>
              </table></div>`
          : nothing}
        <h2>Timeline</h2>
        ${problemView(timelineProblem, 'The timeline could not be read')}
        <ol class="timeline" aria-label="Events about ${name}, newest first">
          ${events.map(
            (e) => html`<li>
              <p><strong>${humanKind(e.type.replace(/([a-z])([A-Z])/g, '$1-$2').toLowerCase())}</strong> <span class="muted">by ${e.actor}</span></p>
              <p class="when">Happened <time datetime=${e.occurredAt}>${e.occurredAt.slice(0, 10)}</time>; learned <time datetime=${e.recordedAt}>${e.recordedAt.replace('T', ' ').slice(0, 16)}</time></p>
              ${gist(e) ? html`<p class="gist">${gist(e)}</p>` : nothing}
            </li>`,
          )}
        </ol>
      </section>`,
      main,
    );
  }

  draw();
  void load();
  // A new fact about this country: read the dossier again.
  const stop = followLive('', (event, data) => {
    if (event === 'recorded' && (data.countries as string[]).includes(iso3)) void load();
  }, () => undefined);
  return stop;
}
