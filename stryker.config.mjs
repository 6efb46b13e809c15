// `npm run test:mutation`: StrykerJS over the pure domain with the unit specs (tens of minutes on 2 cores, so it is
// not part of `npm test`). Excluded by configuration: mutants that only change the wording of an error message
// (stryker/ignore-error-messages.mjs); the error CODE and details are still mutated and asserted.
/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
export default {
  mutate: ['src/domain/**/*.ts'],
  testRunner: 'jest',
  jest: { configFile: 'jest.unit.config.js', enableFindRelatedTests: true },
  coverageAnalysis: 'perTest',
  plugins: ['@stryker-mutator/jest-runner', './stryker/ignore-error-messages.mjs'],
  ignorers: ['error-messages'],
  concurrency: 2,
  timeoutMS: 10000,
  reporters: ['clear-text', 'progress', 'html', 'json'],
  htmlReporter: { fileName: 'reports/mutation/index.html' },
  jsonReporter: { fileName: 'reports/mutation/mutation.json' },
  thresholds: { high: 95, low: 90, break: 90 },
  tempDirName: '.stryker-tmp',
  cleanTempDir: 'always',
};
