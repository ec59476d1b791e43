import { html, render } from 'lit-html';
import { discover, session, type Abilities } from './api.js';
import { chooseTreaty, loadTreaties, problemOf, problemView, treaties } from './ui.js';
import type { Problem } from './api.js';
import { mountQueues } from './queues.js';
import { mountMission } from './mission.js';
import { mountDossier } from './dossier.js';
import { mountCampaigns } from './campaigns.js';

/** A page of the console: draws itself into `main` and returns how to stop (live streams, charts). */
export type Mount = (main: HTMLElement, params: readonly string[]) => () => void;

/** A page whose code (charts, the world map) loads only when someone opens it. */
function lazy(load: () => Promise<Mount>): Mount {
  return (main, params) => {
    let stop: (() => void) | undefined;
    let left = false;
    // Through lit-html, which owns what is inside main: changing it directly would orphan its markers.
    render(html`<p role="status">Loading…</p>`, main);
    load().then(
      (mount) => {
        if (!left) stop = mount(main, params);
      },
      () => {
        if (!left) render(html`<p role="alert">This page could not be loaded; reload to try again.</p>`, main);
      },
    );
    return () => {
      left = true;
      stop?.();
    };
  };
}

interface Page {
  readonly path: string;
  readonly title: string;
  readonly mount: Mount;
  readonly inNav: boolean;
}

const PAGES: readonly Page[] = [
  { path: 'queues', title: 'Follow-up queues', mount: mountQueues, inNav: true },
  { path: 'campaigns', title: 'Campaigns', mount: mountCampaigns, inNav: true },
  { path: 'mission', title: 'Report from a mission', mount: mountMission, inNav: true },
  { path: 'analysis', title: 'Status on any date', mount: lazy(() => import('./analysis.js').then((m) => m.mountAnalysis)), inNav: true },
  { path: 'country', title: 'Country dossier', mount: mountDossier, inNav: false },
];

const ABILITIES_KEY = 'demarche.abilities';
const app = document.getElementById('app')!;
let stopPage: (() => void) | undefined;
let loginProblem: Problem | undefined;
let signingIn = false;

function abilities(): Abilities | undefined {
  const raw = sessionStorage.getItem(ABILITIES_KEY);
  return raw ? (JSON.parse(raw) as Abilities) : undefined;
}

function roleLabel(a: Abilities | undefined): string {
  if (!a) return '';
  if (a.admin) return 'administrator';
  return a.analysis ? 'coordinator or analyst' : 'mission';
}

/** The page a hash names, `#/{page}/{params}`, and what its query says (`?treaty=ATT`: a shared link's treaty). */
function route(): { page: Page; params: string[]; treaty: string | null } {
  const [where = '', query = ''] = location.hash.replace(/^#\/?/, '').split('?');
  const [path = '', ...params] = where.split('/').map(decodeURIComponent);
  const treaty = new URLSearchParams(query).get('treaty');
  const page = PAGES.find((p) => p.path === path);
  if (page) return { page, params, treaty };
  const fallback = abilities()?.analysis === false && !abilities()?.admin ? 'mission' : 'queues';
  return { page: PAGES.find((p) => p.path === fallback)!, params: [], treaty };
}

function draw(): void {
  stopPage?.();
  stopPage = undefined;
  if (!session.token()) return drawLogin();
  const { page, params, treaty } = route();
  document.title = `${page.title} · Demarche`;
  render(
    html`<header class="topbar">
        <div class="brand"><span aria-hidden="true">◆</span> Demarche</div>
        <nav aria-label="Console">
          <ul>
            ${PAGES.filter((p) => p.inNav).map(
              (p) => html`<li><a href="#/${p.path}" aria-current=${p === page ? 'page' : 'false'}>${p.title}</a></li>`,
            )}
          </ul>
        </nav>
        <div class="who">
          <span>Signed in as ${roleLabel(abilities()) || 'token holder'}</span>
          <button type="button" class="link" @click=${signOut}>Sign out</button>
        </div>
      </header>
      <main id="main" tabindex="-1"></main>`,
    app,
  );
  const main = document.getElementById('main')!;
  // Every page offers the treaty switcher: the treaties are read once, before the first page.
  if (!treaties().length) return awaitTreaties(main);
  if (treaty) chooseTreaty(treaty);
  // Each page draws into an element of its own: a page left while a request was on its way
  // then draws into an element no longer shown, not over the page that followed it.
  const host = document.createElement('div');
  main.replaceChildren(host);
  stopPage = page.mount(host, params);
  main.focus({ preventScroll: true });
}

function awaitTreaties(main: HTMLElement): void {
  render(html`<p role="status">Loading…</p>`, main);
  loadTreaties().then(
    () => draw(),
    (error) => {
      if (main.isConnected) render(problemView(problemOf(error), 'The treaties could not be read'), main);
    },
  );
}

function drawLogin(): void {
  document.title = 'Sign in · Demarche';
  render(
    html`<main id="main" class="login" tabindex="-1">
      <h1><span aria-hidden="true">◆</span> Demarche console</h1>
      <p>Follow-up queues and campaign pages for coordinators, reports from missions, and each treaty's status on any date for analysts.</p>
      <form id="login-form" @submit=${signIn} novalidate>
        <label for="token">Access token</label>
        <input id="token" name="token" type="password" autocomplete="off" required spellcheck="false" aria-describedby="token-help" />
        <p id="token-help" class="help">The bearer token an administrator issued to you. It is kept in this browser tab only, until you sign out or close it.</p>
        <button type="submit" ?disabled=${signingIn}>${signingIn ? 'Signing in…' : 'Sign in'}</button>
      </form>
      ${problemView(loginProblem, 'Sign-in problem')}
    </main>`,
    app,
  );
}

async function signIn(event: SubmitEvent): Promise<void> {
  event.preventDefault();
  const token = (document.getElementById('token') as HTMLInputElement).value.trim();
  if (!token) {
    loginProblem = { status: 0, title: 'Enter your token', detail: 'Paste the access token you were given.' };
    return drawLogin();
  }
  signingIn = true;
  loginProblem = undefined;
  drawLogin();
  try {
    const found = await discover(token);
    session.signIn(token);
    sessionStorage.setItem(ABILITIES_KEY, JSON.stringify(found));
    signingIn = false;
    location.hash = found.admin || found.analysis ? '#/queues' : '#/mission';
    draw();
  } catch (error) {
    signingIn = false;
    loginProblem = problemOf(error);
    drawLogin();
    (document.getElementById('token') as HTMLInputElement | null)?.focus();
  }
}

function signOut(): void {
  session.signOut();
  sessionStorage.removeItem(ABILITIES_KEY);
  location.hash = '';
  draw();
}

window.addEventListener('hashchange', draw);
draw();
