import { Logger, type Provider } from '@nestjs/common';
import { join } from 'node:path';
import { CommandRunner, EVENT_STORE, EventRegistry, PAYLOAD_CODEC, type EventStore, type PayloadCodec } from '../../libs/event-store/index.js';
import { MISSION_KEY_STORE, NOTES_CIPHER, type MissionKeyStore, type NotesCipher } from '../../libs/outreach/application/notes-cipher.port.js';
import { SealedNotesCodec } from '../../libs/outreach/application/sealed-notes.codec.js';
import { AesNotesCipher, parseMasterKey } from '../../libs/outreach/infrastructure/aes-notes-cipher.js';
import { ActiveReadModels, RAW_READ_MODEL_STORE, READ_MODEL_STORE, type ReadModelStore } from '../../libs/projections/index.js';
import { FollowUpWorkflow, PlaybookCatalog, TIMERS, type Timers } from '../../libs/follow-ups/index.js';
import { TreatyCatalog } from '../../libs/treaty-status/index.js';
import type { DemarcheConfig } from '../../libs/platform/config/config.js';
import { DemarcheMetrics, METRICS } from '../../libs/platform/observability/metrics.js';
import { OPERATIONS, type Operations } from '../../libs/platform/observability/operations.js';
import { SystemClock } from '../../libs/platform/runtime/clock.js';
import { demarcheEventRegistry } from './event-types.js';
import { ALL_PROJECTIONS_SHAPE } from './projection-catalog.js';
import { CLOCK, CONFIG } from '../../libs/platform/runtime/tokens.js';
import { TREATIES } from '../../libs/treaty-status/index.js';
import { PLAYBOOKS } from '../../libs/follow-ups/index.js';

/** What every profile provides the same way, whatever stores sit behind the ports. */
export function commonProviders(config: DemarcheConfig, clock: SystemClock): Provider[] {
  return [
    { provide: CONFIG, useValue: config },
    { provide: CLOCK, useValue: clock },
    { provide: EventRegistry, useFactory: demarcheEventRegistry },
    // Each profile provides MISSION_KEY_STORE (a SQLite table, a MongoDB collection).
    { provide: NOTES_CIPHER, useFactory: (keys: MissionKeyStore) => new AesNotesCipher(keys, config.masterKey ? parseMasterKey(config.masterKey) : undefined), inject: [MISSION_KEY_STORE] },
    { provide: PAYLOAD_CODEC, useFactory: (cipher: NotesCipher) => new SealedNotesCodec(cipher), inject: [NOTES_CIPHER] },
    {
      provide: CommandRunner,
      useFactory: (store: EventStore, registry: EventRegistry, codec: PayloadCodec, metrics: DemarcheMetrics) =>
        new CommandRunner(store, registry, codec, (seconds, outcome) => metrics.observeAppend(seconds, outcome)),
      inject: [EVENT_STORE, EventRegistry, PAYLOAD_CODEC, METRICS],
    },
    // Each profile provides OPERATIONS (its servers, its lags).
    { provide: METRICS, useFactory: (operations: Operations) => new DemarcheMetrics(operations, new Logger('Metrics')), inject: [OPERATIONS] },
    { provide: READ_MODEL_STORE, useFactory: (raw: ReadModelStore) => new ActiveReadModels(raw, ALL_PROJECTIONS_SHAPE), inject: [RAW_READ_MODEL_STORE] },
    { provide: TREATIES, useFactory: () => TreatyCatalog.fromDirectory(join(config.referenceDir, 'treaties')) },
    { provide: PLAYBOOKS, useFactory: () => PlaybookCatalog.fromDirectory(join(config.referenceDir, 'playbooks')) },
    // Each profile provides TIMERS (a SQLite table, BullMQ queues).
    {
      provide: FollowUpWorkflow,
      useFactory: (runner: CommandRunner, timers: Timers, playbooks: PlaybookCatalog, treaties: TreatyCatalog) =>
        new FollowUpWorkflow(runner, timers, { playbookFor: (t) => playbooks.forTreaty(t), treatyFor: (code) => treaties.get(code) }),
      inject: [CommandRunner, TIMERS, PLAYBOOKS, TREATIES],
    },
  ];
}

export const COMMON_EXPORTS = [METRICS, OPERATIONS, CONFIG, CLOCK, EventRegistry, NOTES_CIPHER, PAYLOAD_CODEC, MISSION_KEY_STORE, EVENT_STORE, READ_MODEL_STORE, RAW_READ_MODEL_STORE, CommandRunner, TREATIES, PLAYBOOKS, FollowUpWorkflow];
