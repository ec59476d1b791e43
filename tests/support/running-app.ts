import type { INestApplication } from '@nestjs/common';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import { createDemarcheApp, type Role } from '../../libs/platform/runtime/app.factory.js';
import { loadConfig } from '../../libs/platform/config/config.js';
import { ProjectorService } from '../../libs/platform/runtime/projector.module.js';
import { WorkerService } from '../../libs/platform/runtime/worker.module.js';

export interface RunningApp {
  readonly app: INestApplication;
  readonly dataDir: string;
  readonly http: () => ReturnType<typeof request>;
  /** Waits until the playbook and every projection have handled all stored events. */
  settle(): Promise<void>;
  /** Stops the app, keeping its data dir (for restart tests). */
  stop(): Promise<void>;
  /** Stops the app and deletes its data. */
  destroy(): Promise<void>;
}

export interface StartTestAppOptions {
  readonly dataDir?: string;
  /** The instant the app's clock reads at start. */
  readonly now?: string;
  readonly seedStates?: boolean;
  readonly roles?: readonly Role[];
}

/** Starts Demarche on the embedded profile in a temporary data dir, listening on a free port. */
export async function startTestApp(options: StartTestAppOptions = {}): Promise<RunningApp> {
  const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), 'demarche-test-'));
  const config = { ...loadConfig({ DEMARCHE_DATA_DIR: dataDir }), ...(options.now ? { now: options.now } : {}), seedStates: options.seedStates ?? true };
  const app = await createDemarcheApp({ config, logger: ['error', 'fatal'], ...(options.roles ? { roles: options.roles } : {}) });
  await app.listen(0, '127.0.0.1');
  const server = app.getHttpServer();
  let stopped = false;
  const running: RunningApp = {
    app,
    dataDir,
    http: () => request(server),
    async settle() {
      // Timers record events, the playbook reacts with follow-up events, the projectors read
      // them: repeat until a round fires no timer.
      const worker = app.get(WorkerService, { strict: false });
      for (;;) {
        const fired = await worker.fireDueTimers();
        await worker.caughtUp();
        await app.get(ProjectorService, { strict: false }).caughtUp();
        if (!fired) return;
      }
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      await app.close();
    },
    async destroy() {
      await running.stop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
  return running;
}
