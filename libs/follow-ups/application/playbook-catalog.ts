import type { Playbook } from '../domain/playbook.js';

/** DI token of the {@link PlaybookCatalog}. */
export const PLAYBOOKS = Symbol('PlaybookCatalog');

/** One playbook per treaty (the module reads them from `reference/playbooks/*.json`). */
export class PlaybookCatalog {
  private readonly byTreaty = new Map<string, Playbook>();

  constructor(playbooks: readonly Playbook[]) {
    for (const p of playbooks) this.byTreaty.set(p.treaty, p);
  }

  forTreaty(treaty: string): Playbook | undefined {
    return this.byTreaty.get(treaty);
  }
}
