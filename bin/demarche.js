#!/usr/bin/env node
// The `demarche` command: runs the compiled CLI (build it first with `npm run build`).
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const cli = fileURLToPath(new URL('../dist/apps/cli/main.js', import.meta.url));
if (!existsSync(cli)) {
  console.error('Demarche is not built yet: run `npm run build` in the project folder, then try again.');
  process.exit(1);
}
await import(cli);
