import { spawnSync } from 'node:child_process';
import { Redis } from 'ioredis';

/** The Redis the shared rate-limit tests use. */
export function redisUrl(): string {
  return process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
}

const redact = (url: string) => url.replace(/^(rediss?:\/\/[^:/@]*:)[^@]*@/, '$1***@');
const CHECK_TIMEOUT_MS = 3_000;

async function redisAvailable(url: string): Promise<true | Error> {
  const client = new Redis(url, {
    lazyConnect: true,
    connectTimeout: CHECK_TIMEOUT_MS,
    maxRetriesPerRequest: 0,
  });
  client.on('error', () => undefined);
  try {
    await client.connect();
    await client.ping();
    return true;
  } catch (error) {
    return error instanceof Error ? error : new Error(String(error));
  } finally {
    client.disconnect();
  }
}

/** The same check in a child process: jest registers tests synchronously. */
function redisAvailableSync(url: string): true | Error {
  const script = `
    const { Redis } = require(${JSON.stringify(require.resolve('ioredis'))});
    const c = new Redis(process.env.CHECK_URL, { lazyConnect: true, connectTimeout: ${CHECK_TIMEOUT_MS}, maxRetriesPerRequest: 0 });
    c.on('error', () => {});
    c.connect().then(() => c.ping()).then(() => { c.disconnect(); process.exit(0); },
      (e) => { process.stderr.write(String(e && e.message || e)); process.exit(1); });`;
  const result = spawnSync(process.execPath, ['-e', script], {
    env: { ...process.env, CHECK_URL: url },
    encoding: 'utf8',
    timeout: CHECK_TIMEOUT_MS + 5_000,
  });
  if (result.status === 0) return true;
  if (result.error) return result.error;
  return new Error(result.stderr.trim() || `connection check exited with ${result.status ?? result.signal}`);
}

/**
 * Registers `register(url)`'s tests when Redis answers. Under CI=true they are registered anyway and fail in
 * beforeAll with the reason (the CI script starts Redis); elsewhere one line is printed and a skipped test naming
 * the reason stands in for them.
 */
export function redisSuite(title: string, register: (url: string) => void): void {
  const url = redisUrl();
  const shown = redact(url);
  if (process.env.CI === 'true') {
    beforeAll(async () => {
      const available = await redisAvailable(url);
      if (available !== true)
        throw new Error(
          `${title}: Redis not reachable at ${shown} (CI=true, so this fails instead of skipping): ${available.message}`,
        );
    });
    register(url);
    return;
  }
  const available = redisAvailableSync(url);
  if (available === true) {
    register(url);
    return;
  }
  console.log(
    `${title} skipped: Redis not reachable at ${shown} (${available.message}); start it or set REDIS_URL to run it`,
  );
  test.skip(`${title}: Redis not reachable at ${shown}`, () => undefined);
}
