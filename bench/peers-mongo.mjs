// The distributed profile's peers on the same MongoDB-protocol server: Emmett's MongoDB event
// store (one document per stream, its events in an array), and the driver writing one document
// per event into a collection with a unique index on (stream, version) as the limit.
import { MongoEventStore } from '../dist/libs/event-store/infrastructure/mongo-event-store.js';
import { rawEventDoc } from './lib.mjs';
import { compareStores, demarcheSide, loadPeer } from './peers.mjs';

const demarche = (bench) => demarcheSide('Demarche `MongoEventStore`', (rep) => MongoEventStore.connect(bench.mongoUrl, bench.db(`peer_d${rep}`)));

function raw(bench) {
  return {
    name: 'raw',
    label: 'driver, one document per event, unique (stream, version)',
    tag: 'r',
    open: async (rep) => {
      const events = bench.client.db(bench.db(`peer_r${rep}`)).collection('events');
      await events.createIndex({ streamId: 1, streamVersion: 1 }, { unique: true });
      return { events, position: 0 };
    },
    append: async (h, stream, expected, events) => {
      const recordedAt = new Date().toISOString();
      const docs = events.map((e, i) => rawEventDoc(e, stream, expected + i + 1, ++h.position, recordedAt));
      await (docs.length === 1 ? h.events.insertOne(docs[0]) : h.events.insertMany(docs, { ordered: true }));
    },
    readStream: async (h, stream) => (await h.events.find({ streamId: stream }, { sort: { streamVersion: 1 } }).toArray()).map((d) => JSON.parse(d.data)).length,
    readAll: async (h) => {
      let n = 0;
      for await (const doc of h.events.find({}, { batchSize: 1000 })) {
        JSON.parse(doc.data);
        n++;
      }
      return n;
    },
    close: async () => undefined,
  };
}

function emmett(peer, bench, version) {
  const streamName = (stream) => `outreach:${stream}`;
  return {
    name: 'emmett',
    label: 'Emmett MongoDB (`getMongoDBEventStore`)',
    version,
    tag: 'e',
    open: (rep) =>
      peer.getMongoDBEventStore({ connectionString: bench.mongoUrl, storage: { type: 'COLLECTION_PER_STREAM_TYPE', databaseName: bench.db(`peer_e${rep}`) } }),
    append: (store, stream, expected, events) =>
      store.appendToStream(streamName(stream), events.map((e) => ({ type: e.type, data: e.data, metadata: { ...e.metadata, schemaVersion: e.schemaVersion, occurredAt: e.occurredAt } })), { expectedStreamVersion: BigInt(expected) }),
    readStream: async (store, stream) => (await store.readStream(streamName(stream))).events.length,
    close: (store) => store.close(),
    cannot:
      'it keeps each stream in one document, so it has no order across streams: no read of the whole log (the fourth figure), no global position for projections, and a stream is bounded by the 16 MB document limit.',
  };
}

/**
 * The distributed peers figure. Emmett's MongoDB store is taken at 0.35.0-alpha.2: the only
 * release whose own `@event-driven-io/emmett` is served by the registry here (0.42.4 needs
 * 0.42.4 of the core, which is not).
 */
export async function mongoPeers({ bench, reps, warmup, sizes, log }) {
  const peer = loadPeer('emmett-mongodb', '@event-driven-io/emmett-mongodb', log);
  const sides = [demarche(bench)];
  if (peer.module) sides.push(emmett(peer.module, bench, peer.version));
  sides.push(raw(bench));
  const result = await compareStores({ sides, reps, warmup, sizes, log, title: 'peers, distributed (MongoDB wire protocol)' });
  return { ...result, ...(peer.unavailable ? { unavailable: { 'emmett-mongodb': peer.unavailable } } : {}) };
}
