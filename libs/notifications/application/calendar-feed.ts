import { createHash, randomBytes } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import ical from 'ical-generator';
import type { Clock } from '../../kernel/index.js';
import { CLOCK } from '../../platform/runtime/tokens.js';
import { CALENDAR_FEEDS, type CalendarFeedStore } from './notification.ports.js';
import { MAIL_SETTINGS, type MailSettings } from './notifications.worker.js';
import { TasksInReach } from './tasks-in-reach.js';

const hashOf = (secret: string) => createHash('sha256').update(secret).digest('hex');

/**
 * A person's follow-ups as an iCalendar feed: one all-day event per open or claimed task on
 * its due date, its UID the task's id, so a calendar program updates the same event as the
 * task moves and drops it once the task is done. The feed's secret is the credential.
 */
@Injectable()
export class CalendarFeed {
  constructor(
    @Inject(CALENDAR_FEEDS) private readonly feeds: CalendarFeedStore,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(MAIL_SETTINGS) private readonly settings: MailSettings,
    private readonly reach: TasksInReach,
  ) {}

  /** A new secret for the token (the previous one stops working); shown this once. */
  async issue(tokenId: string): Promise<{ secret: string; url: string }> {
    const secret = `cal_${randomBytes(24).toString('base64url')}`;
    await this.feeds.issue(tokenId, hashOf(secret), this.clock.now().toISOString());
    return { secret, url: `${this.base()}/v1/follow-ups/calendar.ics?feed=${secret}` };
  }

  revoke(tokenId: string): Promise<boolean> {
    return this.feeds.revoke(tokenId);
  }

  /** The feed's text, or undefined for a secret unknown, revoked, or of a token no longer valid. */
  async render(secret: string): Promise<string | undefined> {
    if (!/^cal_[A-Za-z0-9_-]{32}$/.test(secret)) return undefined;
    const tokenId = await this.feeds.tokenOf(hashOf(secret));
    const tasks = tokenId && (await this.reach.of(tokenId));
    if (!tasks) return undefined;
    const calendar = ical({ name: 'Demarche follow-ups', prodId: { company: 'demarche', product: 'follow-ups' } });
    for (const t of tasks.filter((t) => t.state === 'open' || t.state === 'claimed').sort((a, b) => a.id.localeCompare(b.id))) {
      const [y, m, d] = t.dueOn.split('-').map(Number) as [number, number, number];
      calendar.createEvent({
        id: `${t.id}@demarche`,
        // The due day as a calendar date, whatever the server's time zone.
        start: new Date(y, m - 1, d),
        allDay: true,
        sequence: t.history?.length ?? 0,
        stamp: new Date(t.updatedAt),
        summary: `${t.kind}: ${t.countries.join(', ')}${t.overdue ? ' (overdue)' : ''}`,
        description: `Queue ${t.queue}, campaign ${t.campaignId}, ${t.state}${t.assignee ? ` by ${t.assignee}` : ''}.`,
        url: `${this.base()}/#/follow-ups?task=${encodeURIComponent(t.id)}`,
      });
    }
    return calendar.toString();
  }

  private base(): string {
    return this.settings.publicUrl.replace(/\/+$/, '');
  }
}
