/**
 * The console's only way to Demarche: the public HTTP API v1, with the user's bearer token.
 * A refusal comes back as an RFC 9457 problem, shown to the user as the API words it.
 */

export interface FieldProblem {
  readonly field: string;
  readonly message: string;
  /** Where a refused spreadsheet is wrong: its line, and the column when one is to blame. */
  readonly line?: number;
  readonly column?: string;
}

export interface Problem {
  readonly status: number;
  readonly title: string;
  readonly detail: string;
  readonly code?: string;
  readonly errors?: readonly FieldProblem[];
}

/** A refused or failed request, carrying the problem body. */
export class ApiProblem extends Error {
  constructor(readonly problem: Problem) {
    super(problem.detail || problem.title);
    this.name = 'ApiProblem';
  }
}

const TOKEN_KEY = 'demarche.token';

export const session = {
  token: (): string | null => sessionStorage.getItem(TOKEN_KEY),
  signIn: (token: string) => sessionStorage.setItem(TOKEN_KEY, token),
  signOut: () => sessionStorage.removeItem(TOKEN_KEY),
};

/** How long a read that names a log position waits for the read models to reach it. */
const WAIT_S = 30;

/**
 * Calls the API with the session's token; resolves to the JSON body, or rejects with an {@link ApiProblem}.
 * A read given `minPosition` (a position a write answered) sees at least what that write recorded.
 */
export async function api<T = any>(path: string, init: { method?: string; body?: unknown; accept?: string; token?: string; minPosition?: number } = {}): Promise<T> {
  const token = init.token ?? session.token();
  const headers: Record<string, string> = { accept: init.accept ?? 'application/json' };
  if (token) headers.authorization = `Bearer ${token}`;
  if (init.body !== undefined) headers['content-type'] = 'application/json';
  if (init.minPosition) {
    path += `${path.includes('?') ? '&' : '?'}minPosition=${init.minPosition}`;
    headers.prefer = `wait=${WAIT_S}`;
  }
  let res: Response;
  try {
    res = await fetch(path, { method: init.method ?? 'GET', headers, ...(init.body !== undefined ? { body: JSON.stringify(init.body) } : {}) });
  } catch {
    throw new ApiProblem({ status: 0, title: 'Demarche cannot be reached', detail: 'The request did not reach the server; check the connection and try again.' });
  }
  const type = res.headers.get('content-type') ?? '';
  if (!res.ok) {
    const body = type.includes('json') ? await res.json().catch(() => null) : null;
    throw new ApiProblem(body && typeof body === 'object' ? { status: res.status, title: body.title ?? res.statusText, detail: body.detail ?? '', code: body.code, errors: body.errors } : { status: res.status, title: res.statusText, detail: await res.text().catch(() => '') });
  }
  return (type.includes('json') ? res.json() : res.text()) as Promise<T>;
}

let lastWritten = 0;

/** Sends a write; remembers the log position it reached, so that later reads can wait for it. */
export async function post<T = any>(path: string, body: unknown): Promise<T> {
  const result = await api<T>(path, { method: 'POST', body });
  const position = (result as { position?: unknown } | null)?.position;
  if (typeof position === 'number' && position > lastWritten) lastWritten = position;
  return result;
}

/** The furthest log position this tab's writes reached since the console was loaded (0: none). */
export const writtenUpTo = (): number => lastWritten;

/** What a token may do, found by asking: the API has no "who am I", so the console tries one read of each kind. */
export interface Abilities {
  readonly admin: boolean;
  /** Reads the analysis endpoints: coordinators and analysts (and admins). */
  readonly analysis: boolean;
}

export async function discover(token: string): Promise<Abilities> {
  await api('/v1/follow-ups?state=open', { token }); // any valid token reads the queues; a bad one is refused here (401)
  const may = (path: string) => api(path, { token }).then(() => true, (e) => (e instanceof ApiProblem && e.problem.status === 403 ? false : Promise.reject(e)));
  const [admin, analysis] = await Promise.all([may('/v1/tokens'), may('/v1/status')]);
  return { admin, analysis };
}

export interface FollowUp {
  readonly id: string;
  readonly queue: 'bilateral' | 'regional' | 'high-level';
  readonly kind: string;
  readonly countries: readonly string[];
  readonly state: 'open' | 'claimed' | 'completed' | 'retracted';
  readonly dueOn: string;
  readonly overdue: boolean;
  readonly assignee: string | null;
  readonly campaignId: string;
  /** The treaty of its campaign. */
  readonly treaty: string;
  readonly subregion: string | null;
  readonly occurrence: number;
  readonly outcome: string | null;
}

export interface Country {
  readonly iso3: string;
  readonly name: string;
  readonly region: string;
  readonly subregion: string;
  readonly treatyStatus: string;
  readonly group?: string | null;
}
