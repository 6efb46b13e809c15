/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/tests'],
  testMatch: ['**/*.test.ts'],
  transform: {
    '^.+\\.ts$': [
      '@swc/jest',
      {
        jsc: {
          parser: { syntax: 'typescript', decorators: true },
          transform: { legacyDecorator: true, decoratorMetadata: true },
          target: 'es2022',
        },
        module: { type: 'commonjs' },
      },
    ],
  },
  // Suites share two cores with spawned servers; keep parallelism modest and timeouts generous.
  maxWorkers: 2,
  testTimeout: 60000,
  setupFiles: ['<rootDir>/tests/support/setup.ts'],
  globalSetup: '<rootDir>/tests/support/global-setup.js',
};
