import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { checkTreaty, TreatyCatalog } from '../application/treaty-catalog.js';

/** The treaties of a directory of definitions (`reference/treaties/*.json`). */
export function readTreatyCatalog(dir: string): TreatyCatalog {
  const files = readdirSync(dir).filter((f) => f.endsWith('.json'));
  return new TreatyCatalog(files.map((f) => checkTreaty(JSON.parse(readFileSync(join(dir, f), 'utf8')), join(dir, f))));
}
