import type { DigestContent } from './digest.js';

/** A task as a mail names it. */
export interface MailTask {
  readonly id: string;
  readonly kind: string;
  readonly queue: string;
  readonly countries: readonly string[];
  readonly dueOn: string;
  readonly campaignId: string;
}

/** A mail's words, in its two parts; the envelope (addresses, headers) is the sender's. */
export interface MailBody {
  readonly subject: string;
  readonly text: string;
  readonly html: string;
}

/** Links a mail carries: to the console, and to stop these mails. */
export interface MailLinks {
  readonly taskUrl: (taskId: string) => string;
  readonly unsubscribeUrl: string;
}

const escape = (s: string) => s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
const describe = (t: MailTask) => `${t.kind} (${t.queue}) for ${t.countries.join(', ')}, due ${t.dueOn}, campaign ${t.campaignId}`;

export function assignmentMail(name: string, task: MailTask, by: string, links: MailLinks): MailBody {
  const url = links.taskUrl(task.id);
  return {
    subject: `Demarche: ${task.kind} for ${task.countries.join(', ')} is yours`,
    text: `Dear ${name},\n\n${by} handed you a follow-up: ${describe(task)}.\n\nOpen it: ${url}\n\nTo stop these mails: ${links.unsubscribeUrl}\n`,
    html: `<p>Dear ${escape(name)},</p><p>${escape(by)} handed you a follow-up: <a href="${escape(url)}">${escape(describe(task))}</a>.</p><p><a href="${escape(links.unsubscribeUrl)}">Stop these mails</a></p>`,
  };
}

export function escalationMail(name: string, task: MailTask, reason: string, links: MailLinks): MailBody {
  const url = links.taskUrl(task.id);
  return {
    subject: `Demarche: ${task.kind} for ${task.countries.join(', ')} escalated to ${task.queue}`,
    text: `Dear ${name},\n\nA follow-up of your campaign moved queue: ${describe(task)}.\nWhy: ${reason}.\n\nOpen it: ${url}\n\nTo stop these mails: ${links.unsubscribeUrl}\n`,
    html: `<p>Dear ${escape(name)},</p><p>A follow-up of your campaign moved queue: <a href="${escape(url)}">${escape(describe(task))}</a>.</p><p>Why: ${escape(reason)}.</p><p><a href="${escape(links.unsubscribeUrl)}">Stop these mails</a></p>`,
  };
}

const SECTIONS: readonly [keyof DigestContent, string][] = [
  ['overdue', 'Overdue'],
  ['dueSoon', 'Due within 7 days'],
  ['opened', 'New since the last digest'],
  ['grown', 'Regional initiatives that grew'],
];

export function digestMail(name: string, day: string, content: DigestContent, tasks: ReadonlyMap<string, MailTask>, links: MailLinks): MailBody {
  const sections = SECTIONS.map(([key, title]) => ({ title, items: content[key].map((id) => tasks.get(id)).filter((t): t is MailTask => t !== undefined) }));
  const text = sections.map((s) => `${s.title} (${s.items.length}):\n${s.items.map((t) => `- ${describe(t)}: ${links.taskUrl(t.id)}`).join('\n') || '- none'}`).join('\n\n');
  const html = sections
    .map((s) => `<h2>${escape(s.title)} (${s.items.length})</h2><ul>${s.items.map((t) => `<li><a href="${escape(links.taskUrl(t.id))}">${escape(describe(t))}</a></li>`).join('') || '<li>none</li>'}</ul>`)
    .join('');
  return {
    subject: `Demarche digest for ${day}: ${content.overdue.length} overdue, ${content.dueSoon.length} due soon`,
    text: `Dear ${name},\n\nYour follow-ups on ${day}.\n\n${text}\n\nTo stop these mails: ${links.unsubscribeUrl}\n`,
    html: `<p>Dear ${escape(name)},</p><p>Your follow-ups on ${escape(day)}.</p>${html}<p><a href="${escape(links.unsubscribeUrl)}">Stop these mails</a></p>`,
  };
}
