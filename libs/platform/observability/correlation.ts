import { AsyncLocalStorage } from 'node:async_hooks';

/**
 * The correlation id of the work in progress: the request that caused it, or the event a
 * background loop is handling. Log lines written anywhere below carry it.
 */
const current = new AsyncLocalStorage<string>();

/** Runs `work` (and everything it starts) under `correlationId`; without one, under the caller's. */
export function withCorrelation<T>(correlationId: string | undefined, work: () => T): T {
  return correlationId ? current.run(correlationId, work) : work();
}

export function currentCorrelationId(): string | undefined {
  return current.getStore();
}
