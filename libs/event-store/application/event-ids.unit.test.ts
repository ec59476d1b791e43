import { newEventId } from './event-ids.js';

describe('newEventId', () => {
  it('is a version 7 UUID whose first 48 bits are the time in milliseconds', () => {
    const at = Date.UTC(2026, 11, 7, 9, 30, 0, 123);
    const id = newEventId(at);
    expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(parseInt(id.replace(/-/g, '').slice(0, 12), 16)).toBe(at);
  });

  it('sorts ids made in a later millisecond after earlier ones, as text', () => {
    const ids = [0, 1, 2, 255, 256, 65_536, 1_000_000].map((d) => newEventId(Date.UTC(2012, 5, 1) + d));
    expect([...ids].sort()).toEqual(ids);
  });

  it('never repeats within one millisecond', () => {
    const at = Date.now();
    const ids = new Set(Array.from({ length: 50_000 }, () => newEventId(at)));
    expect(ids.size).toBe(50_000);
  });
});
