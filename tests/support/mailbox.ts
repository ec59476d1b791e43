import { execFileSync } from 'node:child_process';
import { createServer, type AddressInfo, type Socket } from 'node:net';
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

/**
 * A real SMTP server on loopback that takes a mail to its last line and then never answers:
 * the send hangs mid-conversation, as it does when the network or the server stalls. It
 * keeps the text of each mail it took (the DATA, unanswered).
 */
export async function stallingSmtpServer() {
  const received: string[] = [];
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
    let buffer = '';
    let data = false;
    socket.write('220 stall.test ESMTP\r\n');
    socket.on('data', (chunk) => {
      buffer += chunk.toString('latin1');
      for (;;) {
        if (data) {
          const end = buffer.indexOf('\r\n.\r\n');
          if (end < 0) return;
          // The end of the mail goes unanswered: the client waits for a reply that never comes.
          received.push(buffer.slice(0, end));
          buffer = '';
          return;
        }
        const eol = buffer.indexOf('\r\n');
        if (eol < 0) return;
        const verb = buffer.slice(0, 4).toUpperCase();
        buffer = buffer.slice(eol + 2);
        if (verb === 'EHLO') socket.write('250-stall.test\r\n250 8BITMIME\r\n');
        else if (verb === 'DATA') {
          data = true;
          socket.write('354 go on\r\n');
        }
        else if (verb === 'QUIT') socket.end('221 bye\r\n');
        else socket.write('250 OK\r\n');
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `smtp://127.0.0.1:${(server.address() as AddressInfo).port}`,
    received,
    close: () => {
      sockets.forEach((s) => s.destroy());
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
