import { Redis } from 'ioredis';
import { asError, CHECK_TIMEOUT_MS, serviceSuite, type NeededService } from './service-suite';

/** The Redis the shared rate-limit tests use. */
export function redisUrl(): string {
  return process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
}

const redact = (url: string) => url.replace(/^(rediss?:\/\/[^:/@]*:)[^@]*@/, '$1***@');
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
    return asError(error);
  } finally {
    client.disconnect();
  }
}

const redis = (): NeededService => {
  const url = redisUrl();
  return {
    name: 'Redis',
    urlVariable: 'REDIS_URL',
    url,
    shown: redact(url),
    check: redisAvailable,
    checkScript: `
      const { Redis } = require(${JSON.stringify(require.resolve('ioredis'))});
      const c = new Redis(process.env.CHECK_URL, { lazyConnect: true, connectTimeout: ${CHECK_TIMEOUT_MS}, maxRetriesPerRequest: 0 });
      c.on('error', () => {});
      c.connect().then(() => c.ping()).then(() => { c.disconnect(); process.exit(0); },
        (e) => { process.stderr.write(String(e && e.message || e)); process.exit(1); });`,
  };
};

/** Registers `register(url)`'s tests when Redis answers (see serviceSuite). */
export function redisSuite(title: string, register: (url: string) => void): void {
  serviceSuite(redis(), title, register);
}

/** Deletes a test's keys (by prefix); the client is closed even when Redis is gone (else it keeps jest running). */
export async function deleteRedisKeys(url: string, prefix: string): Promise<void> {
  const redis = new Redis(url, { maxRetriesPerRequest: 1 });
  redis.on('error', () => undefined);
  try {
    const keys = await redis.keys(`${prefix}*`);
    if (keys.length > 0) await redis.del(...keys);
  } finally {
    redis.disconnect();
  }
}
