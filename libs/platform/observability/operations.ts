/** DI token for the running profile's {@link Operations}. */
export const OPERATIONS = Symbol('Operations');

/** One server the process depends on, and how to ask whether it answers. */
export interface ServerProbe {
  /** `sqlite`, `mongodb`, `kafka`, `redis`. */
  readonly name: string;
  /** Resolves when the server answers; rejects with a message that names it and says what to do. */
  check(): Promise<void>;
}

/**
 * What an operator asks of the running profile: whether its servers answer, and how far
 * behind the log the background work is. Every answer is read from the stores, so any
 * process of the deployment (an api process, say) can give it.
 */
export interface Operations {
  readonly servers: readonly ServerProbe[];
  /** Events stored but not yet acknowledged by Kafka; absent where there is no relay (embedded). */
  relayLag?(): Promise<number>;
  /** Per projection (the playbook's `follow-up-policy` and the notifications' subscriptions included): events stored that it has not applied yet. */
  projectionLags(): Promise<ReadonlyMap<string, number>>;
  /** Per follow-up queue, timers not fired yet, by state (`pending`; or BullMQ's `waiting`, `delayed`, `active`, `failed`). */
  queueDepths(): Promise<ReadonlyMap<string, Readonly<Record<string, number>>>>;
  /** Records on the dead-letter topic; absent where there is none (embedded). */
  deadLetters?(): Promise<number>;
  /** How far the read side has caught up with the log (see {@link ReadProgress}). */
  readProgress(): Promise<ReadProgress>;
}

/**
 * Positions of the log up to which everything has been applied: by the follow-up workflow,
 * and by every read model (the least of them). A read that waits for a write's position waits
 * for the workflow to pass it, then for the read models to pass what the log held then, which
 * includes the tasks the workflow opened in reaction.
 */
export interface ReadProgress {
  /** The last position of the log, read before the other two. */
  readonly head: number;
  readonly workflow: number;
  readonly readModels: number;
}

/** Rejects with `message` if `work` has not settled within `ms`. */
export async function within<T>(ms: number, message: string, work: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([work, new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(message)), ms)))]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * DI token for servers a context needs but the process can run without (the mail server):
 * /health/ready reports them, and one down does not make the process unready.
 */
export const AUXILIARY_PROBES = Symbol('AuxiliaryProbes');
