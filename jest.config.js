// ESM project (NestJS 12 is ESM-only): ts-jest in ESM mode, and node must run with
// --experimental-vm-modules (the npm scripts set it).
const tsJest = ['ts-jest', { useESM: true, tsconfig: 'tsconfig.json' }];
const common = {
  extensionsToTreatAsEsm: ['.ts'],
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
  transform: { '^.+\\.ts$': tsJest },
  testEnvironment: 'node',
};
export default {
  // Generous: the distributed suite seeds real servers; a hung test still fails, and the
  // run never waits on a leaked handle (--forceExit in the npm script).
  testTimeout: 180_000,
  reporters: ['default', '<rootDir>/tests/support/summary-reporter.cjs'],
  projects: [
    { ...common, displayName: 'unit', testMatch: ['<rootDir>/libs/**/*.unit.test.ts'] },
    { ...common, displayName: 'int', testMatch: ['<rootDir>/libs/**/*.int.test.ts', '<rootDir>/tests/int/**/*.test.ts'] },
    { ...common, displayName: 'e2e', testMatch: ['<rootDir>/tests/e2e/**/*.test.ts'] },
    { ...common, displayName: 'distributed', testMatch: ['<rootDir>/tests/distributed/**/*.test.ts'] },
    // The web console in headless Chromium (Debian's chromium, driven by playwright-core).
    { ...common, displayName: 'browser', testMatch: ['<rootDir>/tests/browser/**/*.test.ts'] },
    // The behaviour suite again, on the distributed profile (MongoDB, Kafka, Redis).
    {
      ...common,
      displayName: 'e2e-distributed',
      setupFiles: ['<rootDir>/tests/support/distributed-profile.cjs'],
      testMatch: ['outreach-campaign', 'bad-input', 'restart', 'layout-upgrade', 'analysis', 'report', 'history', 'rebuild-api', 'what-if', 'sealed-notes', 'hostile-input.property', 'live-follow-ups', 'status-series', 'access', 'observability', 'bulk-outreach', 'joint-demarche-2012', 'treaties', 'notifications', 'escalation', 'calendar-feed', 'webhooks'].map((name) => `<rootDir>/tests/e2e/${name}.test.ts`),
    },
  ],
};
