import { spawnSync } from 'node:child_process';
import path from 'node:path';

/**
 * `npm run bench`'s command line (the compiled script, as `npm run bench` runs it): a bad option is refused with
 * exit code 2 and its reason before any benchmark starts, never taken for another option's value or read loosely as
 * a number. Only refusals are run here: a benchmark run takes minutes and is never a test.
 */
const RUN = path.join(process.env.TEST_SERVER_DIST ?? path.join(__dirname, '../../dist'), 'bench', 'run.js');

/** Every part skipped first: were a refusal missed, the run would end at once instead of benchmarking. */
const NOTHING = [
  '--skip-http',
  '--skip-inprocess',
  '--skip-sagas',
  '--skip-queue-http',
  '--skip-queue-inprocess',
  '--skip-realtime',
];

function bench(args: string[]) {
  const run = spawnSync(process.execPath, [RUN, ...NOTHING, ...args], { encoding: 'utf8', timeout: 30_000 });
  return { status: run.status, stdout: run.stdout, firstLine: run.stderr.split('\n')[0] };
}

describe('npm run bench: bad options are refused before anything runs', () => {
  it.each([
    // Taken as the value, these wrote a file named after the option and dropped the option.
    [['--json', '--skip-sagas'], '--json needs a value'],
    [['--json', '--seats', '5'], '--json needs a value'],
    [['--seats'], '--seats needs a value'],
    // Number() reads these as integers; none is written as one.
    [['--seats', '1e3'], '--seats needs a positive integer'],
    [['--seats', '0x10'], '--seats needs a positive integer'],
    [['--seats', ' 7'], '--seats needs a positive integer'],
    [['--seats', '1e21'], '--seats needs a positive integer'],
    [['--seats', '0'], '--seats needs a positive integer'],
    [['--cpu-requests', '-1'], '--cpu-requests needs an integer >= 0'],
    [['--bogus'], 'unknown option --bogus'],
  ])('%j: %s', (args, reason) => {
    expect(bench(args)).toEqual({ status: 2, stdout: '', firstLine: reason });
  });
});
