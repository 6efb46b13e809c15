// `npm run test:mutation`: StrykerJS over the pure domain with the unit specs (tens of minutes on 2 cores, so it is
// not part of `npm test`). Excluded by configuration: mutants that only change the wording of an error message
// (stryker/ignore-error-messages.mjs: the message argument of fail/DomainError, and of a file's own wrappers
// around them such as `notTransferable(why)`); the error CODE and details are still mutated and asserted.
// The break threshold holds for every file, not only the total (stryker/per-file-threshold.mjs).
/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
export default {
  mutate: ['src/domain/**/*.ts'],
  testRunner: 'jest',
  jest: { configFile: 'jest.unit.config.js', enableFindRelatedTests: true },
  coverageAnalysis: 'perTest',
  plugins: [
    '@stryker-mutator/jest-runner',
    './stryker/ignore-error-messages.mjs',
    './stryker/per-file-threshold.mjs',
  ],
  ignorers: ['error-messages'],
  concurrency: 2,
  timeoutMS: 10000,
  reporters: ['clear-text', 'progress', 'html', 'json', 'per-file-threshold'],
  htmlReporter: { fileName: 'reports/mutation/index.html' },
  jsonReporter: { fileName: 'reports/mutation/mutation.json' },
  thresholds: { high: 95, low: 90, break: 90 },
  tempDirName: '.stryker-tmp',
  cleanTempDir: 'always',
};
