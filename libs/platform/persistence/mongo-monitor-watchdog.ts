import type mongoose from 'mongoose';

type MongoClient = mongoose.mongo.MongoClient;

/** The few driver internals the watchdog reads: each may be missing in another driver version. */
interface MonitorInternals {
  readonly connection?: { readonly closed?: boolean; readonly socket?: { readonly destroyed?: boolean; emit(event: 'error', error: Error): boolean } } | null;
}
interface TopologyInternals {
  readonly s?: { readonly servers?: Map<string, { readonly monitor?: MonitorInternals | null }> };
}

export interface MonitorWatchdogOptions {
  /** A heartbeat still unanswered after this long is stuck (default 30 s: a poll waits at most connectTimeoutMS). */
  readonly stuckAfterMs?: number;
  /** How often to look (default 5 s). */
  readonly checkEveryMs?: number;
  readonly warn: (message: string) => void;
}

/**
 * Keeps the MongoDB driver's server monitor from hanging for good after a server restart:
 * a heartbeat written to a socket the server has just closed never ends, and on a server
 * without `topologyVersion` (FerretDB) nothing resets the monitor (docs/adr/0005).
 *
 * The watchdog follows the client's heartbeat events. A heartbeat unanswered after
 * `stuckAfterMs` whose connection is already closed is failed by raising an error on that
 * dead socket, which ends the wait; the monitor then reconnects as after any failed
 * heartbeat. A heartbeat on a live connection is left to the driver's own socket timeout.
 * Returns a function that stops watching (also done when the client closes).
 */
export function watchServerMonitors(client: MongoClient, options: MonitorWatchdogOptions): () => void {
  const stuckAfterMs = options.stuckAfterMs ?? 30_000;
  const started = new Map<string, number>();
  const onStarted = (event: { connectionId: string }) => started.set(event.connectionId, Date.now());
  const onEnded = (event: { connectionId: string }) => started.delete(event.connectionId);
  client.on('serverHeartbeatStarted', onStarted);
  client.on('serverHeartbeatSucceeded', onEnded);
  client.on('serverHeartbeatFailed', onEnded);
  let cannotReach = false;
  const timer = setInterval(() => {
    const now = Date.now();
    for (const [address, since] of started) {
      if (now - since < stuckAfterMs) continue;
      const servers = ((client as unknown as { topology?: TopologyInternals }).topology)?.s?.servers;
      const monitor = servers?.get(address)?.monitor;
      const connection = monitor?.connection;
      if (!servers || !monitor) {
        if (!cannotReach) options.warn(`The MongoDB driver's heartbeat to ${address} has been unanswered for ${Math.round((now - since) / 1000)} s and this driver version does not let Demarche look into it; if the database stays unreachable while it is up, restart this process.`);
        cannotReach = true;
        continue;
      }
      if (!connection || !(connection.closed || connection.socket?.destroyed)) continue;
      started.delete(address);
      options.warn(
        `The MongoDB driver's heartbeat to ${address} has waited ${Math.round((now - since) / 1000)} s on a connection that had already closed (the server restarted under it), ` +
          'so the driver would never find the server again; failing that heartbeat so that it reconnects.',
      );
      connection.socket?.emit('error', new Error(`the monitoring connection to ${address} closed under a heartbeat`));
    }
  }, options.checkEveryMs ?? 5_000);
  timer.unref();
  const stop = () => {
    clearInterval(timer);
    client.off('serverHeartbeatStarted', onStarted);
    client.off('serverHeartbeatSucceeded', onEnded);
    client.off('serverHeartbeatFailed', onEnded);
  };
  client.once('topologyClosed', stop);
  return stop;
}
