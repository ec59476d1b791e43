import { Global, Module, type DynamicModule } from '@nestjs/common';
import type { Connection } from 'mongoose';
import { PAYLOAD_CODEC } from '../event-store/index.js';
import { type SqliteDatabase } from '../platform/persistence/sqlite-database.js';
import { MONGO_CONNECTION, SQLITE } from '../platform/persistence/handles.js';
import { perProfile, type ContextOptions } from '../platform/runtime/context-module.js';
import { CampaignOutreachController } from './api/campaign-outreach.controller.js';
import { ImportsController } from './api/imports.controller.js';
import { OutreachImport } from './api/outreach-import.js';
import { OutreachController } from './api/outreach.controller.js';
import { ForgetMissionNotesHandler } from './application/forget-mission-notes.handler.js';
import { LaunchCampaignHandler } from './application/launch-campaign.handler.js';
import { MISSION_KEY_STORE, NOTES_CIPHER, type MissionKeyStore, type NotesCipher } from './application/notes-cipher.port.js';
import { OutreachRecordQuery } from './application/outreach-record.query.js';
import { RecordOutreachBatchHandler } from './application/record-outreach-batch.handler.js';
import { RecordOutreachHandler } from './application/record-outreach.handler.js';
import { RegisterMissionHandler } from './application/register-mission.handler.js';
import { RegisterMissionsHandler } from './application/register-missions.handler.js';
import { SealedNotesCodec } from './application/sealed-notes.codec.js';
import { AesNotesCipher, parseMasterKey } from './infrastructure/aes-notes-cipher.js';
import { MongoMissionKeys } from './infrastructure/mongo-mission-keys.js';
import { SqliteMissionKeys } from './infrastructure/sqlite-mission-keys.js';

/**
 * Missions, campaigns, letters, meetings and responses. The notes missions hear in confidence
 * are sealed with each mission's key on their way into the log: this module gives the log its
 * payload codec.
 */
@Global()
@Module({})
export class OutreachModule {
  static register({ config, api }: ContextOptions): DynamicModule {
    const masterKey = config.masterKey ? parseMasterKey(config.masterKey) : undefined;
    const handlers = [RegisterMissionHandler, RegisterMissionsHandler, ForgetMissionNotesHandler, LaunchCampaignHandler, RecordOutreachHandler, RecordOutreachBatchHandler];
    return {
      module: OutreachModule,
      controllers: api ? [OutreachController, CampaignOutreachController, ImportsController] : [],
      providers: [
        perProfile(MISSION_KEY_STORE, config, {
          embedded: { useFactory: (db: SqliteDatabase) => new SqliteMissionKeys(db), inject: [SQLITE] },
          distributed: { useFactory: (connection: Connection) => new MongoMissionKeys(connection), inject: [MONGO_CONNECTION] },
        }),
        { provide: NOTES_CIPHER, useFactory: (keys: MissionKeyStore) => new AesNotesCipher(keys, masterKey), inject: [MISSION_KEY_STORE] },
        { provide: PAYLOAD_CODEC, useFactory: (cipher: NotesCipher) => new SealedNotesCodec(cipher), inject: [NOTES_CIPHER] },
        ...handlers,
        OutreachRecordQuery,
        { provide: OutreachImport, useFactory: (batch: RecordOutreachBatchHandler, missions: RegisterMissionsHandler) => new OutreachImport(batch, missions), inject: [RecordOutreachBatchHandler, RegisterMissionsHandler] },
      ],
      exports: [MISSION_KEY_STORE, NOTES_CIPHER, PAYLOAD_CODEC, OutreachImport],
    };
  }
}
