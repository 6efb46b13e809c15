// A Stryker reporter that holds EVERY mutated file to the break threshold, not only the total: a file of
// untested rules should not hide behind well-tested neighbours. It lists the files below the threshold and sets
// the exit code to 1 (as Stryker itself does when the total is below it). Files with no mutants are skipped.
import { PluginKind, commonTokens, declareClassPlugin } from '@stryker-mutator/api/plugin';

/** Every file of the metrics tree, with its path (directory names joined down to it). */
function files(result, path = [], found = []) {
  const here = result.name && result.name !== 'All files' ? [...path, result.name] : path;
  if (result.file) found.push({ path: here.join('/'), score: result.metrics.mutationScore });
  for (const child of result.childResults ?? []) files(child, here, found);
  return found;
}

class PerFileThresholdReporter {
  static inject = [commonTokens.options, commonTokens.logger];

  constructor(options, log) {
    this.threshold = options.thresholds.break;
    this.log = log;
  }

  onMutationTestReportReady(_report, metrics) {
    if (typeof this.threshold !== 'number') return;
    const below = files(metrics.systemUnderTestMetrics)
      .filter(({ score }) => !Number.isNaN(score) && score < this.threshold)
      .map(({ path, score }) => `${path} ${score.toFixed(2)}%`);
    if (below.length === 0) {
      this.log.info(`Every mutated file scores at least ${this.threshold}%`);
      return;
    }
    this.log.error(
      `Files under the ${this.threshold}% threshold: ${below.join(', ')}; setting exit code to 1 (failure).`,
    );
    process.exitCode = 1;
  }
}

export const strykerPlugins = [
  declareClassPlugin(PluginKind.Reporter, 'per-file-threshold', PerFileThresholdReporter),
];
