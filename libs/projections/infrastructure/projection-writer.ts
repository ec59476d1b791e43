import type { Redis } from 'ioredis';
import type { RecordedEvent } from '../../kernel/index.js';
import { DocumentCache, ProjectionVersions, type Projection, type ReadModelStore } from '../index.js';
import { applyEvents, readModelCall } from '../application/read-model-unavailable.js';
import { RedisMutex } from '../../platform/distributed/redis-mutex.js';

/**
 * Counts the writes of a projection: increments the counter and returns it. A counter that
 * is missing (a fresh Redis, or one restarted without its data) starts from the server's
 * clock in microseconds, so that it never comes back to a value a writer remembers.
 */
const NEXT_WRITE = `if redis.call('exists', KEYS[1]) == 0 then local t = redis.call('time'); redis.call('set', KEYS[1], t[1] * 1000000 + t[2]) end return redis.call('incr', KEYS[1])`;

interface Remembered {
  readonly cache: DocumentCache;
  /** The write counter this process's last write took, and the version it wrote; unset while one is under way or after it failed. */
  write?: number;
  version?: number;
}

/**
 * How the distributed projector members write a projection's documents: in turns, under a
 * lock in Redis per projection (a document, a country or a campaign, is fed by streams on
 * several partitions, and the MongoDB-wire server offers no atomic read-modify-write), each
 * batch into the version of the read model active when its turn starts.
 *
 * Between two of its turns a member keeps the documents it read and wrote (`DocumentCache`),
 * as long as no other member wrote in between: every turn first increments the projection's
 * write counter in Redis, before it writes anything, so a member that gets back its own last
 * value plus one knows nobody else took a turn since, even one that crashed half-way. At its
 * first turn on a version of the read model it looks whether each collection is empty: one
 * that is needs no reads while the member keeps its cache.
 */
export class ProjectionWriter {
  private readonly mutex: RedisMutex;
  private readonly versions: ProjectionVersions;
  private readonly remembered = new Map<string, Remembered>();

  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
    readModels: ReadModelStore,
  ) {
    this.mutex = new RedisMutex(redis, prefix);
    this.versions = new ProjectionVersions(readModels);
  }

  apply(projection: Projection, events: readonly RecordedEvent[]): Promise<void> {
    return this.mutex.withLock(`projection:${projection.name}`, async () => {
      const mine = this.remembered.get(projection.name) ?? { cache: new DocumentCache() };
      this.remembered.set(projection.name, mine);
      const [{ active }, write] = await Promise.all([readModelCall('read the active version', () => this.versions.of(projection.name)), this.nextWrite(projection.name)]);
      const pinned = this.versions.pinned(active);
      const continues = mine.write !== undefined && active === mine.version;
      if (!continues || write !== mine.write! + 1) {
        mine.cache.clear();
        // Not after another member's turn (it wrote): this member is starting on the read model,
        // which may be new or reset, and then holds it whole in its cache (see DocumentCache).
        if (!continues) await this.noteEmpty(projection, pinned, mine.cache);
      }
      mine.write = undefined;
      await applyEvents(projection, mine.cache.over(pinned), events);
      mine.write = write;
      mine.version = active;
    });
  }

  private async noteEmpty(projection: Projection, store: ReadModelStore, cache: DocumentCache): Promise<void> {
    const empty = await Promise.all(projection.collections.map((c) => readModelCall('look into a collection', () => store.isEmpty(c))));
    projection.collections.forEach((c, i) => empty[i] && cache.startedEmpty(c));
  }

  private async nextWrite(projection: string): Promise<number> {
    return Number(await this.redis.eval(NEXT_WRITE, 1, `${this.prefix}:writes:${projection}`));
  }
}

