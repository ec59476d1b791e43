import { ConfigError, loadConfig } from './config.js';

describe('configuration from the environment', () => {
  it('keeps sent mail\'s words 30 days by default, or the days DEMARCHE_MAIL_OUTBOX_RETENTION_DAYS says', () => {
    expect(loadConfig({}).notifications.outboxRetentionMs).toBe(30 * 86_400_000);
    expect(loadConfig({ DEMARCHE_MAIL_OUTBOX_RETENTION_DAYS: '7' }).notifications.outboxRetentionMs).toBe(7 * 86_400_000);
  });

  it.each(['0', '-3', '2.5', 'thirty', '', '1e9'])('refuses DEMARCHE_MAIL_OUTBOX_RETENTION_DAYS=%j, naming it', (value) => {
    expect(() => loadConfig({ DEMARCHE_MAIL_OUTBOX_RETENTION_DAYS: value })).toThrow(ConfigError);
    expect(() => loadConfig({ DEMARCHE_MAIL_OUTBOX_RETENTION_DAYS: value })).toThrow(`DEMARCHE_MAIL_OUTBOX_RETENTION_DAYS must be a whole number from 1 to 36500, not "${value}".`);
  });
});
