import type { RecordedEvent } from '../../kernel/index.js';

type Upcaster = (data: any) => unknown;

interface EventTypeEntry {
  readonly schemaVersion: number;
  /** `upcasters[v]` turns data of schema version v into version v + 1. */
  readonly upcasters: Readonly<Record<number, Upcaster>>;
}

/**
 * The explicit list of event types Demarche writes, with their current schema version.
 * Stored events keep the version they were written with and are upcast on read, so an old
 * history replays through today's code.
 */
export class EventRegistry {
  private readonly entries = new Map<string, EventTypeEntry>();

  register(type: string, schemaVersion = 1, upcasters: Record<number, Upcaster> = {}): this {
    if (this.entries.has(type)) throw new Error(`Event type ${type} is registered twice.`);
    this.entries.set(type, { schemaVersion, upcasters });
    return this;
  }

  schemaVersionOf(type: string): number {
    const entry = this.entries.get(type);
    if (!entry) throw new Error(`Event type ${type} is not registered; add it to the event registry before writing it.`);
    return entry.schemaVersion;
  }

  has(type: string): boolean {
    return this.entries.has(type);
  }

  upcast(event: RecordedEvent): RecordedEvent {
    const entry = this.entries.get(event.type);
    if (!entry || event.schemaVersion >= entry.schemaVersion) return event;
    let data = event.data;
    for (let v = event.schemaVersion; v < entry.schemaVersion; v++) {
      const up = entry.upcasters[v];
      if (!up) throw new Error(`No upcaster for ${event.type} from schema version ${v}.`);
      data = up(data);
    }
    return { ...event, data, schemaVersion: entry.schemaVersion };
  }
}
