// The pure unit specs only (deciders and domain helpers): what the mutation run (stryker.config.mjs) uses.
const base = require('./jest.config');

/** @type {import('jest').Config} */
module.exports = {
  ...base,
  testMatch: ['**/tests/unit/**/*.unit.test.ts'],
  globalSetup: undefined,
  testTimeout: 10000,
};
