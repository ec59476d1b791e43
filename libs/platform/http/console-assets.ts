import { Logger } from '@nestjs/common';
import type { NestExpressApplication } from '@nestjs/platform-express';
import type { Express, Response } from 'express';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { projectRoot } from '../config/config.js';

/** Where `npm run build` puts the web console (apps/console, built by Vite). */
export const consoleDir = (): string => join(projectRoot(), 'dist', 'console');

/**
 * Serves the web console at `/`: `index.html` and its hashed assets, nothing else, so the
 * API (`/v1`), its description (`/docs`) and the health and metrics endpoints are never
 * shadowed. The console is static and public; everything it shows comes from /v1 with the
 * user's token. Without a build, `/` says how to make one.
 */
export function serveConsole(app: NestExpressApplication): void {
  const dir = consoleDir();
  if (!existsSync(join(dir, 'index.html'))) {
    new Logger('Console').warn(`The web console is not built (no ${join('dist', 'console', 'index.html')}); run npm run build.`);
    (app.getHttpAdapter().getInstance() as Express).get('/', (_req, res: Response) => {
      res.status(503).type('text/plain').send('The Demarche web console is not built: run `npm run build`, then restart. The API is at /v1, its description at /docs.\n');
    });
    return;
  }
  app.useStaticAssets(dir, {
    index: 'index.html',
    redirect: false,
    fallthrough: true,
    setHeaders: (res, path) => {
      // Asset names carry their content hash: cache them for good, and index.html never.
      res.setHeader('cache-control', path.includes(`${join('console', 'assets')}`) ? 'public, max-age=31536000, immutable' : 'no-cache');
      res.setHeader('x-content-type-options', 'nosniff');
      if (path.endsWith('.html')) {
        res.setHeader('content-security-policy', "default-src 'self'; img-src 'self' data: blob:; style-src 'self' 'unsafe-inline'; connect-src 'self'; frame-ancestors 'none'; base-uri 'self'");
        res.setHeader('referrer-policy', 'no-referrer');
      }
    },
  });
}
