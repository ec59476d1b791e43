import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parsePlaybook, PlaybookInvalid, type Playbook } from '../domain/playbook.js';
import { PlaybookCatalog } from '../application/playbook-catalog.js';

/** Reads and validates a playbook file, naming the file in any error. */
export function readPlaybookFile(file: string): Playbook {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new Error(`Cannot read playbook ${file}: ${(error as Error).message}`);
  }
  try {
    return parsePlaybook(raw);
  } catch (error) {
    if (error instanceof PlaybookInvalid) throw new Error(`Playbook ${file} is not valid:\n- ${error.problems.join('\n- ')}`);
    throw error;
  }
}

/** The playbooks of a directory (`reference/playbooks/*.json`), one per treaty. */
export function readPlaybookCatalog(dir: string): PlaybookCatalog {
  return new PlaybookCatalog(readdirSync(dir).filter((f) => f.endsWith('.json')).map((f) => readPlaybookFile(join(dir, f))));
}
