/** The events a webhook may subscribe to, and the task events each stands for. */
export const WEBHOOK_EVENTS = {
  'follow-up.opened': ['FollowUpScheduled', 'FollowUpReinstated'],
  'follow-up.assigned': ['FollowUpClaimed', 'FollowUpReassigned'],
  'follow-up.overdue': ['FollowUpFellDue'],
  'follow-up.escalated': ['FollowUpEscalated'],
  'follow-up.completed': ['FollowUpCompleted'],
  'follow-up.retracted': ['FollowUpRetracted'],
  'follow-up.widened': ['FollowUpWidened', 'FollowUpNarrowed'],
} as const;
export type WebhookEventName = keyof typeof WEBHOOK_EVENTS;
export const WEBHOOK_EVENT_NAMES = Object.keys(WEBHOOK_EVENTS) as WebhookEventName[];

/** The webhook event name of a task event, if one stands for it. */
export function webhookEventOf(type: string): WebhookEventName | undefined {
  return WEBHOOK_EVENT_NAMES.find((name) => (WEBHOOK_EVENTS[name] as readonly string[]).includes(type));
}

/**
 * Whether an IP address (v4 or v6, as text) is one a webhook must not reach unless private
 * targets are allowed: loopback, private ranges, link-local, unspecified, CGNAT, multicast.
 */
export function isPrivateAddress(ip: string): boolean {
  const v4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(ip.replace(/^::ffff:/i, ''));
  if (v4) {
    const [a, b] = [Number(v4[1]), Number(v4[2])];
    return a === 0 || a === 10 || a === 127 || (a === 100 && b >= 64 && b <= 127) || (a === 169 && b === 254) || (a === 172 && b >= 16 && b <= 31) || (a === 192 && b === 168) || a >= 224;
  }
  const v6 = ip.toLowerCase().replace(/^\[|\]$/g, '');
  return v6 === '::' || v6 === '::1' || /^f[cd]/.test(v6) || /^fe[89ab]/.test(v6) || /^ff/.test(v6);
}

/** The retry after the n-th failed try (1-based): doubling from `baseMs`, at most an hour apart. */
export function webhookBackoffMs(failedTries: number, baseMs: number): number {
  return Math.min(3600_000, baseMs * 2 ** (failedTries - 1));
}
