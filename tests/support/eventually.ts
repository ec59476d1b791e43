/** Polls `probe` until it returns a value, or fails after `timeoutMs` naming what it waited for. */
export async function eventually<T>(probe: () => Promise<T | undefined>, what = 'a condition', timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
