import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { projectRoot } from '../../libs/platform/config/config.js';

const root = projectRoot();
const cruise = (...paths: string[]) =>
  spawnSync(process.execPath, [join(root, 'node_modules/dependency-cruiser/bin/dependency-cruise.mjs'), '--config', '.dependency-cruiser.cjs', ...paths], { cwd: root, encoding: 'utf8' });

describe('the layer rules', () => {
  it('pass on the code base', () => {
    const run = cruise('apps', 'libs');
    expect(run.stdout).toMatch(/no dependency violations found/);
    expect(run.status).toBe(0);
  });

  it('fail when a domain folder imports NestJS, directly or through an index', () => {
    const run = cruise('tests/fixtures/layers');
    expect(run.status).not.toBe(0);
    expect(run.stdout).toMatch(/error domain-is-pure: tests\/fixtures\/layers\/libs\/bad\/domain\/imports-nest\.ts → node_modules\/@nestjs\/common/);
    expect(run.stdout).toMatch(/error domain-reaches-no-io: tests\/fixtures\/layers\/libs\/bad\/domain\/imports-through-index\.ts/);
  });
});
