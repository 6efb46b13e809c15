import { spawnSync } from 'node:child_process';

/** How long a reachability check waits for the service. */
export const CHECK_TIMEOUT_MS = 3_000;

/** A service some suites need (RabbitMQ, Redis): how to tell whether it answers, now and at collection time. */
export interface NeededService {
  /** Its name in messages: "RabbitMQ". */
  name: string;
  /** The variable that points the suites at another one: "AMQP_URL". */
  urlVariable: string;
  url: string;
  /** The URL as shown in messages, without its password. */
  shown: string;
  /** true when it answers, else why not. */
  check(url: string): Promise<true | Error>;
  /**
   * The same check as a node script run in a child process (it reads the URL from CHECK_URL, exits 0 when the
   * service answers, else writes why to stderr and exits 1): jest registers tests synchronously, so an async check
   * cannot decide which tests to register.
   */
  checkScript: string;
}

function checkInChildProcess(service: NeededService): true | Error {
  const result = spawnSync(process.execPath, ['-e', service.checkScript], {
    env: { ...process.env, CHECK_URL: service.url },
    encoding: 'utf8',
    timeout: CHECK_TIMEOUT_MS + 5_000,
  });
  if (result.status === 0) return true;
  if (result.error) return result.error;
  return new Error(result.stderr.trim() || `connection check exited with ${result.status ?? result.signal}`);
}

/**
 * Registers `register(url)`'s tests when the service answers. Under CI=true they are registered anyway and fail in
 * beforeAll with the reason (the CI script starts the service); elsewhere one line is printed and a skipped test
 * naming the reason (not a passing placeholder: the report shows that nothing ran) stands in for them.
 */
export function serviceSuite(service: NeededService, title: string, register: (url: string) => void): void {
  const unreachable = `${service.name} not reachable at ${service.shown}`;
  if (process.env.CI === 'true') {
    beforeAll(async () => {
      const available = await service.check(service.url);
      if (available !== true)
        throw new Error(
          `${title}: ${unreachable} (CI=true, so this fails instead of skipping): ${available.message}`,
        );
    });
    register(service.url);
    return;
  }
  const available = checkInChildProcess(service);
  if (available === true) {
    register(service.url);
    return;
  }
  printSkip(
    `${title} skipped: ${unreachable} (${available.message}); start it or set ${service.urlVariable} to run it`,
  );
  test.skip(`${title}: ${unreachable}`, () => undefined);
}

/**
 * Why a suite is skipped, as one line on stderr: jest drops the console output of a suite whose tests are all
 * skipped when it runs several files, so console.log would never show it.
 */
export function printSkip(line: string): void {
  process.stderr.write(`${line}\n`);
}

/** An error as an Error (a check's catch gets anything). */
export const asError = (error: unknown): Error => (error instanceof Error ? error : new Error(String(error)));
