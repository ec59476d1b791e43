import { InMemoryRateLimitStorage } from './rate-limit-storage.port.js';

describe('in-memory rate-limit storage', () => {
  it('counts hits per key in a window, blocks past the limit, and starts a new window when the block ends', async () => {
    let now = 1_000_000;
    const storage = new InMemoryRateLimitStorage(() => now);
    expect(await storage.increment('token:a', 60_000, 2, 300, 'default')).toEqual({ totalHits: 1, timeToExpire: 60, isBlocked: false, timeToBlockExpire: 0 });
    expect(await storage.increment('token:a', 60_000, 2, 300, 'default')).toMatchObject({ totalHits: 2, isBlocked: false });
    expect(await storage.increment('token:a', 60_000, 2, 300, 'default')).toMatchObject({ totalHits: 3, isBlocked: true, timeToBlockExpire: 1 });
    expect(await storage.increment('token:a', 60_000, 2, 300, 'default')).toMatchObject({ isBlocked: true });
    expect(await storage.increment('token:b', 60_000, 2, 300, 'default')).toMatchObject({ totalHits: 1, isBlocked: false });
    now += 350;
    expect(await storage.increment('token:a', 60_000, 2, 300, 'default')).toMatchObject({ totalHits: 1, isBlocked: false });
  });
});
