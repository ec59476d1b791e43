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
  reporters: ['default', '<rootDir>/tests/support/summary-reporter.cjs'],
  projects: [
    { ...common, displayName: 'unit', testMatch: ['<rootDir>/libs/**/*.unit.test.ts'] },
    { ...common, displayName: 'int', testMatch: ['<rootDir>/libs/**/*.int.test.ts', '<rootDir>/tests/int/**/*.test.ts'] },
    { ...common, displayName: 'e2e', testMatch: ['<rootDir>/tests/e2e/**/*.test.ts'] },
  ],
};
