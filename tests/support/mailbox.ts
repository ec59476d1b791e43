import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { projectRoot } from '../../libs/platform/config/config.js';

/** Mailpit's HTTP API (started by `infra.sh up`): the mail the SMTP server took, read back. */
const API = `http://127.0.0.1:${process.env.MAILPIT_HTTP_PORT ?? 8025}/api/v1`;

export interface ReceivedMail {
  readonly ID: string;
  readonly MessageID: string;
  readonly Subject: string;
  readonly To: readonly { readonly Address: string; readonly Name: string }[];
}

/** The mails addressed to `address`, newest first. */
export async function mailsTo(address: string): Promise<ReceivedMail[]> {
  const res = await fetch(`${API}/search?query=${encodeURIComponent(`to:"${address}"`)}&limit=100`);
  if (!res.ok) throw new Error(`Mailpit answered ${res.status}: is it running (bash deploy/infra/infra.sh up)?`);
  return ((await res.json()) as { messages: ReceivedMail[] }).messages;
}

export async function mailBody(id: string): Promise<{ Text: string; HTML: string; MessageID: string }> {
  return (await fetch(`${API}/message/${id}`)).json() as never;
}

export async function mailHeaders(id: string): Promise<Record<string, string[]>> {
  return (await fetch(`${API}/message/${id}/headers`)).json() as never;
}

/** Stops or starts the mail server as a fault test does (it keeps no mail across a restart). */
export function mailServer(action: 'stop' | 'start'): void {
  execFileSync('bash', [join(projectRoot(), 'deploy/infra/infra.sh'), action, 'mail'], { stdio: 'ignore' });
}
