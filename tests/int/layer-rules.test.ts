import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { projectRoot } from '../../libs/platform/config/config.js';

const root = projectRoot();
const cruise = (...paths: string[]) =>
  spawnSync(process.execPath, [join(root, 'node_modules/dependency-cruiser/bin/dependency-cruise.mjs'), '--config', '.dependency-cruiser.cjs', ...paths], { cwd: root, encoding: 'utf8' });
const FIXTURES = 'tests/fixtures/layers';

describe('the layer rules', () => {
  it('pass on the code base', () => {
    const run = cruise('apps', 'libs');
    expect(run.stdout).toMatch(/no dependency violations found/);
    expect(run.status).toBe(0);
  });

  describe('on fixtures that break them', () => {
    const run = cruise(FIXTURES);
    const errors = run.stdout.split('\n').map((l) => l.trim()).filter((l) => l.startsWith('error '));
    const fired = (rule: string, from: string, to: string) => errors.some((l) => l.startsWith(`error ${rule}: ${FIXTURES}/${from} → `) && l.includes(to));

    it('fail the run', () => expect(run.status).not.toBe(0));

    it('keep a domain folder free of NestJS and I/O, directly or through an index', () => {
      expect(fired('domain-is-pure', 'libs/bad/domain/imports-nest.ts', 'node_modules/@nestjs/common')).toBe(true);
      expect(fired('domain-reaches-no-io', 'libs/bad/domain/imports-through-index.ts', 'fs')).toBe(true);
    });

    it('let a context reach another only through its index', () => {
      expect(fired('contexts-meet-at-their-index', 'libs/bad/application/reaches-into-other.ts', 'libs/other/infrastructure/file-reader.ts')).toBe(true);
      expect(errors.filter((l) => l.includes('/application/through-index.ts'))).toEqual([]);
    });

    it('keep platform and kernel below every context', () => {
      expect(fired('platform-and-kernel-import-no-context', 'libs/platform/knows-a-context.ts', 'libs/other/index.ts')).toBe(true);
    });

    it('leave the role wiring to apps', () => {
      expect(fired('only-apps-import-role-wiring', 'tools/starts-a-role.ts', 'apps/runtime/role.ts')).toBe(true);
    });

    it('keep use cases off adapters', () => {
      expect(fired('application-imports-no-infrastructure', 'libs/bad/application/uses-own-adapter.ts', 'libs/bad/infrastructure/adapter.ts')).toBe(true);
    });
  });
});
