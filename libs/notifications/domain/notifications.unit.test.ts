import { digestOf } from './digest.js';
import { digestDue, isTimeZone, localTime } from './person.js';
import { isPrivateAddress, webhookBackoffMs, webhookEventOf } from './webhook.js';

describe('people: their hour in their time zone', () => {
  it('reads the local day and hour, across the date line', () => {
    expect(localTime(new Date('2026-03-10T18:30:00Z'), 'Pacific/Auckland')).toEqual({ day: '2026-03-11', hour: 7, weekday: 3 });
    expect(localTime(new Date('2026-03-10T18:30:00Z'), 'America/New_York')).toMatchObject({ day: '2026-03-10', hour: 14 });
  });

  it('is due once the hour has come that day; weekly on Mondays only', () => {
    const at = new Date('2026-03-09T06:59:00Z');
    expect(digestDue({ digest: 'daily', digestHour: 7, timeZone: 'UTC' }, at)).toBeUndefined();
    expect(digestDue({ digest: 'daily', digestHour: 7, timeZone: 'UTC' }, new Date('2026-03-09T07:00:00Z'))).toEqual({ period: '2026-03-09', day: '2026-03-09' });
    expect(digestDue({ digest: 'weekly', digestHour: 7, timeZone: 'UTC' }, new Date('2026-03-09T08:00:00Z'))).toEqual({ period: 'week-of-2026-03-09', day: '2026-03-09' });
    expect(digestDue({ digest: 'weekly', digestHour: 7, timeZone: 'UTC' }, new Date('2026-03-10T08:00:00Z'))).toBeUndefined();
    expect(digestDue({ digest: 'off', digestHour: 0, timeZone: 'UTC' }, at)).toBeUndefined();
  });

  it('knows IANA zones and refuses others', () => {
    expect(['UTC', 'Europe/Oslo', 'America/Argentina/Buenos_Aires'].every(isTimeZone)).toBe(true);
    expect(['Mars/Olympus_Mons', '', 'Europe/Oslo; DROP'].some(isTimeZone)).toBe(false);
  });
});

describe('a digest', () => {
  it('sorts open tasks into overdue, due within 7 days, new and grown', () => {
    const task = (id: string, dueOn: string, openedOn = '2026-01-01', state = 'open', widenedOn: string[] = []) => ({ id, state, dueOn, openedOn, widenedOn });
    const content = digestOf(
      [task('late', '2026-03-10'), task('today', '2026-03-11', '2026-03-10'), task('week', '2026-03-18'), task('later', '2026-03-19', '2026-01-01', 'open', ['2026-03-10']), task('done', '2026-03-01', '2026-03-10', 'completed')],
      '2026-03-11',
      '2026-03-09',
    );
    expect(content).toEqual({ overdue: ['late'], dueSoon: ['today', 'week'], opened: ['today'], grown: ['later'] });
  });
});

describe('webhooks', () => {
  it('names the task events, and tells private addresses from public ones', () => {
    expect(webhookEventOf('FollowUpScheduled')).toBe('follow-up.opened');
    expect(webhookEventOf('TimerElapsed')).toBeUndefined();
    expect(['127.0.0.1', '10.0.0.1', '172.16.5.4', '192.168.1.1', '169.254.1.1', '100.64.0.1', '0.0.0.0', '::1', 'fd00::1', 'fe80::1', '::ffff:127.0.0.1'].every(isPrivateAddress)).toBe(true);
    expect(['93.184.216.34', '172.32.0.1', '2001:db8::1', '8.8.8.8'].some(isPrivateAddress)).toBe(false);
    expect([1, 2, 3].map((n) => webhookBackoffMs(n, 1000))).toEqual([1000, 2000, 4000]);
  });
});
