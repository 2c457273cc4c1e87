/** Type checking is done once by `tsc --noEmit` in `npm test`; ts-jest only transpiles here. */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  transform: { '^.+\\.ts$': ['ts-jest', { diagnostics: false }] },
  // strip-bom is ESM-only; jest loads CommonJS (see the shim).
  moduleNameMapper: { '^strip-bom$': '<rootDir>/test/support/strip-bom.cjs' },
  testTimeout: 60000,
  maxWorkers: 2,
};
