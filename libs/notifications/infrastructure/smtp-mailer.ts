import nodemailer, { type Transporter } from 'nodemailer';
import type { Mailer, OutgoingMail } from '../application/notification.ports.js';
import { redactUrl } from '../../platform/observability/redact-url.js';

/**
 * Mail through an SMTP server (`SMTP_URL`) with nodemailer: a text and an HTML part, the
 * outbox key as Message-ID, and RFC 8058 one-click unsubscribe headers.
 */
export class SmtpMailer implements Mailer {
  private readonly transport: Transporter;

  constructor(
    private readonly url: string,
    private readonly from: string,
  ) {
    this.transport = nodemailer.createTransport(url, { connectionTimeout: 5000, greetingTimeout: 5000, socketTimeout: 15000 } as never);
  }

  /** An aborted `signal` closes the connection, wherever the conversation is. */
  async send(mail: OutgoingMail, signal?: AbortSignal): Promise<void> {
    await this.transport.sendMail({
      from: this.from,
      to: { name: mail.to.name, address: mail.to.address },
      subject: mail.subject,
      text: mail.text,
      html: mail.html,
      messageId: mail.messageId,
      list: { unsubscribe: { url: mail.unsubscribeUrl, comment: 'Stop these mails' } },
      headers: { 'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click' },
      ...(signal ? { signal } : {}),
    });
  }

  async check(): Promise<void> {
    try {
      await this.transport.verify();
    } catch (error) {
      throw new Error(`The mail server ${redactUrl(this.url)} does not answer (${(error as Error).message}); mails wait in the outbox until it does. Start it (npm run infra:up starts Mailpit) or set SMTP_URL.`, { cause: error });
    }
  }

  close(): void {
    this.transport.close();
  }
}
