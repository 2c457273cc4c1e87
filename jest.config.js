/** Type checking is done once by `tsc --noEmit` in `npm test`; ts-jest only transpiles here. */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  transform: { '^.+\\.ts$': ['ts-jest', { diagnostics: false }] },
  // strip-bom is ESM-only; jest loads CommonJS (see the shim).
  moduleNameMapper: { '^strip-bom$': '<rootDir>/test/support/strip-bom.cjs' },
  // Time limits catch hangs; TEST_TIME_SCALE stretches them on a slow machine (test/support/time-scale.ts, .ci/run).
  testTimeout: 60000 * Math.min(Math.max(Number(process.env.TEST_TIME_SCALE) || 1, 1), 50),
  maxWorkers: 2,
};
