import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { Redis } from 'ioredis';
import { redisSuite } from '../support/redis';
import { startTestApp, type TestApp } from '../support/test-app';

/**
 * Rate limits shared on Redis (REDIS_URL): two API instances draw on one budget per class and key, so a client
 * cannot double its allowance by alternating between processes; and a Redis that goes away lets requests through
 * (fail-open, reported by /readyz) until it answers again. Each run counts under a prefix of its own
 * (RATE_LIMIT_PREFIX), so parallel runs on one Redis do not share counters.
 */
redisSuite('rate limits on Redis', (url) => {
  const prefix = `rl-test-${randomUUID()}:`;
  let redis: Redis;
  beforeAll(() => {
    redis = new Redis(url, { maxRetriesPerRequest: 1 });
  });
  afterAll(async () => {
    try {
      const keys = await redis.keys(`${prefix}*`);
      if (keys.length > 0) await redis.del(...keys);
    } finally {
      redis.disconnect(); // also when Redis is gone: a client left reconnecting keeps jest from exiting
    }
  });

  const reserve = (instance: TestApp, token: string) =>
    instance.call('POST', '/v1/seats/reserve', {
      token,
      body: { event_id: 'no-such-event', seat_ids: ['s1:A:1'] },
    });

  describe('two instances', () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ticketing-redis-'));
    let a: TestApp;
    let b: TestApp;
    beforeAll(async () => {
      const env = { RATE_LIMITS: 'on', REDIS_URL: url, RATE_LIMIT_PREFIX: prefix };
      a = await startTestApp({ dataDir, env });
      b = await startTestApp({ dataDir, env });
    });
    afterAll(async () => {
      await a.close();
      await b.close();
      fs.rmSync(dataDir, { recursive: true, force: true });
    });

    it('share one budget: 10 reserves split across both pass, the 11th on either is 429', async () => {
      const token = a.mintToken(`split-fan-${randomUUID()}`);
      const answers = [];
      for (let i = 0; i < 10; i += 1) answers.push(await reserve(i % 2 === 0 ? a : b, token));
      expect(answers.map((r) => r.status)).toEqual(Array(10).fill(404));
      // One counter: each answer, whichever instance gave it, has one fewer left than the one before.
      expect(answers.map((r) => Number(r.headers.get('x-ratelimit-remaining')))).toEqual([
        9, 8, 7, 6, 5, 4, 3, 2, 1, 0,
      ]);
      const resets = new Set(answers.map((r) => Number(r.headers.get('x-ratelimit-reset'))));
      expect(Math.max(...resets) - Math.min(...resets)).toBeLessThanOrEqual(1);
      expect(Math.min(...resets)).toBeGreaterThan(Date.now() / 1000);

      for (const instance of [a, b]) {
        const refused = await reserve(instance, token);
        expect(refused.status).toBe(429);
        expect(refused.body.error).toMatchObject({ code: 'RATE_LIMIT_EXCEEDED', details: { limit: 10 } });
        expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
      }
      // Another user's budget is untouched, on either instance.
      expect((await reserve(b, b.mintToken(`other-fan-${randomUUID()}`))).status).toBe(404);
    });

    it('counts in Redis under the run prefix and the class: one key per class and user', async () => {
      const user = `counted-fan-${randomUUID()}`;
      await reserve(a, a.mintToken(user));
      await reserve(b, b.mintToken(user));
      expect(await redis.get(`${prefix}reserve:user:${user}`)).toBe('2');
      expect(await redis.get(`${prefix}authenticated:user:${user}`)).toBe('2');
      expect(Number(await redis.pttl(`${prefix}reserve:user:${user}`))).toBeGreaterThan(0);
    });

    it('/readyz reports Redis', async () => {
      const res = await a.call('GET', '/readyz');
      expect(res.status).toBe(200);
      expect(res.body.backends.redis).toEqual({ kind: 'redis', status: 'up' });
    });
  });

  describe('Redis going away after start', () => {
    /** A TCP relay in front of Redis, so this test can cut Redis off without stopping it for anyone else. */
    async function relay(port = 0) {
      const target = new URL(url);
      const sockets = new Set<net.Socket>();
      const server = net.createServer((client) => {
        const upstream = net.connect(Number(target.port || 6379), target.hostname);
        for (const s of [client, upstream]) {
          sockets.add(s);
          s.on('error', () => undefined);
          s.on('close', () => sockets.delete(s));
        }
        client.pipe(upstream).pipe(client);
      });
      await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
      return {
        port: (server.address() as net.AddressInfo).port,
        cut: () =>
          new Promise<void>((resolve) => {
            server.close(() => resolve());
            for (const s of sockets) s.destroy();
          }),
      };
    }

    it('lets requests through while Redis is unreachable (reported by /readyz), and limits again once it answers', async () => {
      let link = await relay();
      const t = await startTestApp({
        env: {
          RATE_LIMITS: 'on',
          REDIS_URL: `redis://127.0.0.1:${link.port}`,
          RATE_LIMIT_PREFIX: prefix,
        },
      });
      try {
        const token = t.mintToken(`outage-fan-${randomUUID()}`);
        for (let i = 0; i < 10; i += 1) expect((await reserve(t, token)).status).toBe(404);
        expect((await reserve(t, token)).status).toBe(429);

        await link.cut();
        const unlimited = await reserve(t, token);
        expect(unlimited.status).toBe(404);
        expect(unlimited.headers.get('x-ratelimit-limit')).toBeNull();
        const ready = await t.call('GET', '/readyz');
        expect(ready.status).toBe(200);
        expect(ready.body.status).toBe('ready');
        expect(ready.body.backends.redis).toMatchObject({ kind: 'redis', status: 'down' });
        // In an operator's words, not the client library's ("Stream isn't writeable...").
        expect(ready.body.backends.redis.error).toMatch(
          /^not connected \(the client is \w+; requests go through unlimited\)$/,
        );

        // Back on the same address: the client reconnects by itself and the spent budget holds again.
        link = await relay(link.port);
        let status = 0;
        for (let i = 0; i < 150 && status !== 429; i += 1) {
          await new Promise((resolve) => setTimeout(resolve, 100));
          status = (await reserve(t, token)).status;
        }
        expect(status).toBe(429);
        expect((await t.call('GET', '/readyz')).body.backends.redis.status).toBe('up');
      } finally {
        await t.close();
        await link.cut();
      }
    });
  });
});
