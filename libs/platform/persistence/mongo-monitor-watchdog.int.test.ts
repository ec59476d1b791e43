import mongoose, { type Connection } from 'mongoose';
import { watchServerMonitors } from './mongo-monitor-watchdog.js';

// Needs a MongoDB-wire server: `npm run infra:up` (FerretDB) or `docker compose up -d --wait`.
const MONGO_URL = process.env.MONGO_URL ?? 'mongodb://127.0.0.1:27017';

type Heartbeat = 'started' | 'succeeded' | 'failed';

/** A connection that polls every 300 ms, and the heartbeats it reports from now on. */
async function polledConnection(): Promise<{ connection: Connection; beats: Heartbeat[] }> {
  const connection = await mongoose
    .createConnection(MONGO_URL, { dbName: 'demarche_test_watchdog', serverSelectionTimeoutMS: 3000, connectTimeoutMS: 3000, heartbeatFrequencyMS: 300, serverMonitoringMode: 'poll' })
    .asPromise();
  const beats: Heartbeat[] = [];
  const client = connection.getClient();
  client.on('serverHeartbeatStarted', () => beats.push('started'));
  client.on('serverHeartbeatSucceeded', () => beats.push('succeeded'));
  client.on('serverHeartbeatFailed', () => beats.push('failed'));
  return { connection, beats };
}

/**
 * What a server restart does at the worst moment: the monitor's socket is gone, but the
 * driver has not handled its 'close' yet, so the next heartbeat is written to a dead
 * socket. (Removing the listeners holds that moment open; the socket itself is really closed.)
 */
function closeMonitorSocketUnnoticed(connection: Connection): void {
  const topology = (connection.getClient() as unknown as { topology: { s: { servers: Map<string, { monitor: { connection: { socket: import('node:net').Socket } } }> } } }).topology;
  const socket = [...topology.s.servers.values()][0]!.monitor.connection.socket;
  socket.removeAllListeners('close');
  socket.destroy();
}

const until = async (condition: () => boolean, what: string, timeoutMs = 15_000) => {
  for (const deadline = Date.now() + timeoutMs; !condition(); await new Promise((r) => setTimeout(r, 50))) {
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
  }
};
const succeeded = (beats: readonly Heartbeat[]) => beats.filter((b) => b === 'succeeded').length;

describe('the MongoDB monitor watchdog', () => {
  it('the driver alone never ends a heartbeat written to a socket that closed under it', async () => {
    const { connection, beats } = await polledConnection();
    // A healthy connection on the same heartbeat is the test's clock: ten of its heartbeats
    // are several times the watchdog's stuckAfterMs below.
    const control = await polledConnection();
    try {
      await until(() => succeeded(beats) > 0, 'a first heartbeat');
      closeMonitorSocketUnnoticed(connection);
      beats.length = 0;
      control.beats.length = 0;
      await until(() => succeeded(control.beats) >= 10, 'ten heartbeats of the healthy connection');
      // One heartbeat started (or none yet), and nothing since: the monitor is stuck.
      expect(beats.filter((b) => b !== 'started')).toEqual([]);
      expect(beats.length).toBeLessThanOrEqual(1);
    } finally {
      await connection.close(true);
      await control.connection.close(true);
    }
  });

  it('fails that heartbeat, says so, and the monitor finds the server again', async () => {
    const { connection, beats } = await polledConnection();
    const warnings: string[] = [];
    const stop = watchServerMonitors(connection.getClient(), { stuckAfterMs: 1000, checkEveryMs: 100, warn: (m) => warnings.push(m) });
    try {
      await until(() => succeeded(beats) > 0, 'a first heartbeat');
      closeMonitorSocketUnnoticed(connection);
      beats.length = 0;
      await until(() => beats.includes('failed') && succeeded(beats.slice(beats.indexOf('failed'))) >= 2, 'a failed heartbeat and two good ones after it');
      expect(warnings).toHaveLength(1);
      expect(warnings[0]).toMatch(/heartbeat to .+ has waited \d+ s on a connection that had already closed/);
      expect(await connection.db!.collection('nothing').countDocuments()).toBe(0);
    } finally {
      stop();
      await connection.close(true);
    }
  });

  it('leaves a healthy monitor alone', async () => {
    const { connection, beats } = await polledConnection();
    const warnings: string[] = [];
    watchServerMonitors(connection.getClient(), { stuckAfterMs: 200, checkEveryMs: 50, warn: (m) => warnings.push(m) });
    try {
      // Five heartbeats are several times stuckAfterMs.
      await until(() => succeeded(beats) >= 5, 'five heartbeats');
      expect(beats).not.toContain('failed');
      expect(warnings).toEqual([]);
    } finally {
      // Closing the client also stops the watchdog.
      await connection.close(true);
    }
  });
});
