import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { jsonLogLines, startChildServer, type ChildServer } from '../support/child-server';
import { redisSuite } from '../support/redis';

/**
 * WORKERS=2 with REDIS_URL, Redis going away after the start: a worker that dies then cannot start again (a
 * configured backend must answer at start), but that is no crash of the service. The other worker serves on, the
 * primary starts the replacement again, less and less often, and it serves once Redis is back; nothing stops.
 * Redis is reached through a forwarder of this test's own, so "Redis going away" touches no real server.
 */
redisSuite('WORKERS=2: a backend outage while a worker restarts', (redisUrl) => {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ticketing-outage-'));
  const target = new URL(redisUrl);
  const sockets = new Set<net.Socket>();
  let forwarder: net.Server | undefined;
  let port = 0;
  let server: ChildServer;

  /** Forwards every connection on `port` to the real Redis (port 0 the first time: any free one). */
  const openForwarder = () =>
    new Promise<void>((resolve, reject) => {
      forwarder = net.createServer((client) => {
        const upstream = net.connect(Number(target.port || 6379), target.hostname);
        for (const socket of [client, upstream]) {
          sockets.add(socket);
          socket.on('close', () => sockets.delete(socket));
          socket.on('error', () => undefined);
        }
        client.pipe(upstream).pipe(client);
      });
      forwarder.once('error', reject);
      forwarder.listen(port, '127.0.0.1', () => {
        port = (forwarder!.address() as net.AddressInfo).port;
        resolve();
      });
    });
  const closeForwarder = () =>
    new Promise<void>((resolve) => {
      for (const socket of sockets) socket.destroy();
      forwarder!.close(() => resolve());
    });

  const logLines = () => jsonLogLines(server.output());
  const readyOf = (slot: number) =>
    logLines().filter((l) => l.worker === slot && /^worker \d ready/.test(String(l.msg)));
  const until = async (what: string, done: () => boolean, ms = 60_000) => {
    const deadline = Date.now() + ms;
    while (!done()) {
      if (Date.now() > deadline) throw new Error(`${what}: not within ${ms} ms\n${server.output()}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  };
  /** Which workers answer /healthz, on new connections (the primary hands them out in turn). */
  const answering = async (tries = 12) => {
    const seen = new Set<string>();
    for (let i = 0; i < tries; i += 1) {
      try {
        const res = await fetch(`${server.baseUrl}/healthz`, {
          headers: { connection: 'close' },
          signal: AbortSignal.timeout(3000),
        });
        if (res.status === 200) seen.add(res.headers.get('x-worker') ?? '?');
      } catch {
        // a connection handed to the worker as it died
      }
    }
    return seen;
  };

  beforeAll(async () => {
    await openForwarder();
    server = await startChildServer(dataDir, {
      WORKERS: '2',
      REDIS_URL: `redis://127.0.0.1:${port}`,
      RATE_LIMITS: 'on',
      RATE_LIMIT_PREFIX: `outage-${process.pid}:`,
      // A refused connection fails at once; a loaded machine (other suites starting servers) may need seconds to connect.
      BACKEND_CONNECT_TIMEOUT_MS: '5000',
    });
  }, 120_000);

  afterAll(async () => {
    if (server?.process.exitCode === null && server.process.signalCode === null) {
      server.process.kill('SIGTERM');
      await server.exited;
    }
    if (forwarder?.listening) await closeForwarder();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it('the other worker serves on, the replacement starts once Redis is back, and nothing stops', async () => {
    const [second] = readyOf(2);
    expect(second).toBeDefined();
    await closeForwarder();
    process.kill(second.pid as number, 'SIGKILL');

    await until('the replacement tried and waits for Redis', () =>
      server.output().includes('worker 2 cannot start: Redis at redis://127.0.0.1:'),
    );
    // Let it fail a few more times: more than a crash loop's five in a minute would have stopped everything.
    await until(
      'the replacement was tried again',
      () => logLines().filter((l) => /^worker 2 cannot start/.test(String(l.msg))).length >= 3,
    );
    expect(server.process.exitCode).toBeNull();
    expect(await answering()).toEqual(new Set(['1']));

    await openForwarder(); // Redis is back, on the same address
    await until('worker 2 served again', () => readyOf(2).length === 2);
    expect(readyOf(2)[1].pid).not.toBe(second.pid);
    expect(server.output()).toContain('worker 2 started again');
    expect(server.output()).not.toContain('stopping');
    expect(await answering(20)).toEqual(new Set(['1', '2']));

    server.process.kill('SIGTERM');
    expect(await server.exited).toBe(0);
  }, 180_000);
});
