import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parsePlaybook, PlaybookInvalid, type Playbook } from '../domain/playbook.js';

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

/** DI token of the {@link PlaybookCatalog}. */
export const PLAYBOOKS = Symbol('PlaybookCatalog');

/** One playbook per treaty, from `reference/playbooks/*.json` (or a file given at start-up). */
export class PlaybookCatalog {
  private readonly byTreaty = new Map<string, Playbook>();

  constructor(playbooks: readonly Playbook[]) {
    for (const p of playbooks) this.byTreaty.set(p.treaty, p);
  }

  static fromDirectory(dir: string): PlaybookCatalog {
    return new PlaybookCatalog(readdirSync(dir).filter((f) => f.endsWith('.json')).map((f) => readPlaybookFile(join(dir, f))));
  }

  forTreaty(treaty: string): Playbook | undefined {
    return this.byTreaty.get(treaty);
  }
}
