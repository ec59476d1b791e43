// The lag figure's probe of the projector's turns, through Redis.
import { Redis } from 'ioredis';
import { now } from './lib.mjs';

/**
 * When to look at a read model for the lag figure, without loading the server it is on. A
 * read of the campaign summaries costs FerretDB tens of milliseconds of CPU (documents with a
 * key per country and per stream, decoded in Go), so reading them every 5 ms took a large
 * share of the CPU the projector itself needed. The projector members write a projection in
 * turns, each counted in Redis (`<prefix>:writes:<projection>`) and held under a lock
 * (`<prefix>:lock:projection:<projection>`): Redis, asked every 5 ms, tells when a turn has
 * ended, and the read model is read only then (and every 250 ms whatever Redis says, so a
 * renamed key makes the figure coarser, never better).
 */
export class ProjectorTurns {
  constructor(redisUrl, prefix, projection) {
    this.redis = new Redis(redisUrl);
    this.keys = [`${prefix}:writes:${projection}`, `${prefix}:lock:projection:${projection}`];
    this.looked = -1;
    this.lookedAt = 0;
    /** Reads of the read model so far (what the probe cost FerretDB). */
    this.reads = 0;
  }

  /** Turns ended so far (one less while one is under way), read atomically. */
  async ended() {
    const [[, count], [, busy]] = await this.redis.multi().get(this.keys[0]).exists(this.keys[1]).exec();
    return { ended: Number(count ?? 0) - (busy ? 1 : 0), busy: busy === 1 };
  }

  /**
   * Reads the read model if a turn ended since the last read: `at` is when what it read was
   * there, the start of the read if no turn ran meanwhile, else its end.
   */
  async look(read) {
    const before = await this.ended();
    if (before.ended === this.looked && now() - this.lookedAt < 250) return undefined;
    const start = now();
    this.reads++;
    const seen = await read();
    const after = await this.ended();
    this.looked = before.ended;
    this.lookedAt = start;
    const quiet = !before.busy && !after.busy && after.ended === before.ended;
    return { seen, at: quiet ? start : now() };
  }

  close() {
    this.redis.disconnect();
  }
}
