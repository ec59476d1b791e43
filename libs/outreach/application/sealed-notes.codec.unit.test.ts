import type { RecordedEvent } from '../../kernel/index.js';
import { AesNotesCipher } from '../infrastructure/aes-notes-cipher.js';
import type { MissionKeyStore, StoredMissionKey } from './notes-cipher.port.js';
import { SealedNotesCodec } from './sealed-notes.codec.js';

class MemoryKeys implements MissionKeyStore {
  readonly keys = new Map<string, StoredMissionKey>();
  async get(missionId: string) {
    return this.keys.get(missionId);
  }
  async putIfAbsent(key: StoredMissionKey) {
    if (!this.keys.has(key.missionId)) this.keys.set(key.missionId, key);
    return this.keys.get(key.missionId)!;
  }
  async delete(missionId: string) {
    return this.keys.delete(missionId);
  }
}

const MEETING = { campaignId: 'c1', treaty: 'CCM', iso3: 'KEN', missionId: 'm1', heldOn: '2026-02-20', summary: 'Said yes in private', interlocutors: ['Ms A', 'Mr B'] };

function recorded(type: string, data: unknown): RecordedEvent {
  return { id: 'e1', type, data, occurredAt: '2026-02-20', schemaVersion: 2, streamId: 's', streamVersion: 1, position: 1, recordedAt: '2026-02-20T10:00:00Z', actor: 'a', correlationId: 'c', causationId: 'c' };
}

describe('sealed notes', () => {
  const setup = (master?: Buffer) => {
    const keys = new MemoryKeys();
    const cipher = new AesNotesCipher(keys, master);
    return { keys, cipher, codec: new SealedNotesCodec(cipher) };
  };

  it('seals the confidential fields into one ciphertext and reveals them as written', async () => {
    const { codec } = setup();
    const sealed = (await codec.seal('MeetingHeld', MEETING)) as Record<string, any>;
    expect(JSON.stringify(sealed)).not.toMatch(/Said yes|Ms A/);
    expect(sealed).toMatchObject({ heldOn: '2026-02-20', missionId: 'm1', sealed: { fields: ['summary', 'interlocutors'], ciphertext: expect.stringMatching(/^v1:m1:[0-9a-f]{16}:/) } });
    const [revealed] = await codec.reveal([recorded('MeetingHeld', sealed)]);
    expect(revealed!.data).toEqual(MEETING);
    // The history keeps the ciphertext while the key lives.
    expect((await codec.redact([recorded('MeetingHeld', sealed)]))[0]!.data).toEqual(sealed);
  });

  it('leaves other events, notes-free events and version 1 events in clear untouched', async () => {
    const { codec, keys } = setup();
    expect(await codec.seal('LetterDelivered', { missionId: 'm1', deliveredOn: '2026-02-01' })).toEqual({ missionId: 'm1', deliveredOn: '2026-02-01' });
    const bare = { ...MEETING, summary: undefined, interlocutors: undefined };
    expect(await codec.seal('MeetingHeld', bare)).toBe(bare);
    expect(keys.keys.size).toBe(0);
    const legacy = recorded('MeetingHeld', { ...MEETING });
    expect(await codec.reveal([legacy])).toEqual([legacy]);
  });

  it('reads forgotten fields as null once the key is destroyed, and a new key does not open old notes', async () => {
    const { codec, cipher } = setup();
    const sealed = await codec.seal('ResponseReceived', { missionId: 'm1', group: 'II', notes: 'secret', interlocutors: ['X'] });
    expect(await cipher.destroy('m1')).toBe(true);
    expect(await cipher.destroy('m1')).toBe(false);
    await codec.seal('ResponseReceived', { missionId: 'm1', group: 'I', notes: 'new' });
    for (const view of [await codec.reveal([recorded('ResponseReceived', sealed)]), await codec.redact([recorded('ResponseReceived', sealed)])]) {
      expect(view[0]!.data).toEqual({ missionId: 'm1', group: 'II', notes: null, interlocutors: null, forgotten: true });
    }
  });

  it('binds a ciphertext to its event type', async () => {
    const { codec } = setup();
    const sealed = (await codec.seal('MeetingHeld', MEETING)) as Record<string, unknown>;
    await expect(codec.reveal([recorded('ResponseReceived', sealed)])).rejects.toThrow();
  });

  it('wraps data keys with the master key, and says so when it is missing', async () => {
    const master = Buffer.alloc(32, 7);
    const { codec, keys } = setup(master);
    const sealed = await codec.seal('MeetingHeld', MEETING);
    expect(keys.keys.get('m1')!.material).toMatch(/^wrapped:/);
    expect((await codec.reveal([recorded('MeetingHeld', sealed)]))[0]!.data).toEqual(MEETING);
    const withoutMaster = new SealedNotesCodec(new AesNotesCipher(keys));
    await expect(withoutMaster.reveal([recorded('MeetingHeld', sealed)])).rejects.toThrow(/DEMARCHE_MASTER_KEY/);
    const wrongMaster = new SealedNotesCodec(new AesNotesCipher(keys, Buffer.alloc(32, 8)));
    await expect(wrongMaster.reveal([recorded('MeetingHeld', sealed)])).rejects.toThrow();
  });
});
