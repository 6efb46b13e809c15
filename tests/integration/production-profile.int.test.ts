import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createApplication } from '../../src/composition';
import { BackendUnavailableError, redactUrl } from '../../src/composition/backends';
import { selectProfile } from '../../src/composition/profiles';
import { ConfigError, loadConfig } from '../../src/infrastructure/config/config';
import { createLogger } from '../../src/infrastructure/logging/logger';
import { startTestApp } from '../support/test-app';
import { closedPort } from '../support/closed-port';

/**
 * The production profile's selection and start-up, without the servers: which adapter each variable picks,
 * what a configured but unreachable backend does at start (a clear error, bounded by
 * BACKEND_CONNECT_TIMEOUT_MS, not a hang), and what /readyz reports.
 */

let dataDir: string;
beforeEach(() => {
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'profile-'));
});
afterEach(() => {
  fs.rmSync(dataDir, { recursive: true, force: true });
});

const config = (env: Record<string, string>) =>
  loadConfig({ DATA_DIR: dataDir, LOG_LEVEL: 'silent', ...env });

describe('profile selection by environment', () => {
  test('no variables: embedded everything', () => {
    expect(selectProfile(config({}))).toEqual({
      eventStore: 'sqlite',
      readStore: 'memory',
      sideStores: 'sqlite',
      bus: 'in-process',
      rateLimits: 'memory',
    });
  });

  test('each variable switches its own backend, in any mix', () => {
    expect(selectProfile(config({ EVENTSTORE_URL: 'esdb://es:2113?tls=false' }))).toMatchObject({
      eventStore: 'eventstoredb',
      readStore: 'memory',
      sideStores: 'sqlite',
    });
    expect(selectProfile(config({ MONGO_URL: 'mongodb://mongo:27017/ticketing' }))).toMatchObject({
      eventStore: 'sqlite',
      readStore: 'mongodb',
      sideStores: 'mongodb',
    });
    expect(
      selectProfile(
        config({
          EVENTSTORE_URL: 'esdb+discover://es:2113',
          MONGO_URL: 'mongodb+srv://cluster.example',
          AMQP_URL: 'amqp://guest:guest@rabbit:5672',
          REDIS_URL: 'redis://redis:6379',
        }),
      ),
    ).toEqual({
      eventStore: 'eventstoredb',
      readStore: 'mongodb',
      sideStores: 'mongodb',
      bus: 'rabbitmq',
      rateLimits: 'redis',
    });
  });

  test('a URL of the wrong kind is a configuration error that does not echo the URL (it may hold a password)', () => {
    const swapped = () => config({ MONGO_URL: 'amqp://user:s3cret@rabbit:5672' });
    expect(swapped).toThrow(ConfigError);
    expect(swapped).toThrow(/MONGO_URL must be a mongodb:\/\/ or mongodb\+srv:\/\/ URL/);
    expect(swapped).not.toThrow(/s3cret/);
    expect(() => config({ EVENTSTORE_URL: 'http://es:2113' })).toThrow(/EVENTSTORE_URL/);
    expect(() => config({ REDIS_URL: 'localhost:6379' })).toThrow(/REDIS_URL/);
    expect(() => config({ BACKEND_CONNECT_TIMEOUT_MS: '5' })).toThrow(/BACKEND_CONNECT_TIMEOUT_MS/);
    expect(config({}).backendConnectTimeoutMs).toBe(10_000);
  });

  test('redactUrl hides passwords wherever a URL appears', () => {
    expect(redactUrl('mongodb://app:pw@db:27017/x')).toBe('mongodb://app:***@db:27017/x');
    expect(redactUrl('failed: amqp://guest:guest@rabbit:5672 (refused)')).toBe(
      'failed: amqp://guest:***@rabbit:5672 (refused)',
    );
    expect(redactUrl('esdb://es:2113?tls=false')).toBe('esdb://es:2113?tls=false');
  });
});

describe('start-up with a configured but unreachable backend', () => {
  // The bound is BACKEND_CONNECT_TIMEOUT_MS (1.5 s here); jest's own timeout catches a hang.
  const start = (env: Record<string, string>) =>
    createApplication(config({ BACKEND_CONNECT_TIMEOUT_MS: '1500', ...env }), createLogger('silent'));

  test('EventStoreDB: a clear error naming the backend and the URL', async () => {
    const port = await closedPort();
    const error = await start({ EVENTSTORE_URL: `esdb://127.0.0.1:${port}?tls=false` }).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(BackendUnavailableError);
    expect((error as Error).message).toMatch(
      new RegExp(`^EventStoreDB at esdb://127\\.0\\.0\\.1:${port}\\?tls=false is not reachable: `),
    );
  }, 20_000);

  test('MongoDB: a clear error, without the password', async () => {
    const port = await closedPort();
    const error = await start({ MONGO_URL: `mongodb://app:s3cret@127.0.0.1:${port}/ticketing` }).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(BackendUnavailableError);
    expect((error as Error).message).toMatch(
      new RegExp(`^MongoDB at mongodb://app:\\*\\*\\*@127\\.0\\.0\\.1:${port}/ticketing is not reachable: `),
    );
    expect((error as Error).message).not.toContain('s3cret');
  }, 20_000);

  test('RabbitMQ: a clear error, without the password', async () => {
    const port = await closedPort();
    const error = await start({ AMQP_URL: `amqp://guest:s3cret@127.0.0.1:${port}` }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BackendUnavailableError);
    expect((error as Error).message).toMatch(
      new RegExp(`^RabbitMQ at amqp://guest:\\*\\*\\*@127\\.0\\.0\\.1:${port} is not reachable: `),
    );
    expect((error as Error).message).not.toContain('s3cret');
  }, 20_000);

  // Once running, a Redis outage lets requests through unlimited and /readyz reports it without turning the
  // instance unready (tests/integration/rate-limits-redis.int.test.ts); at start, a wrong REDIS_URL is a mistake.
  test('Redis: a clear error, without the password', async () => {
    const port = await closedPort();
    const error = await start({ REDIS_URL: `redis://:s3cret@127.0.0.1:${port}` }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BackendUnavailableError);
    expect((error as Error).message).toMatch(
      new RegExp(`^Redis at redis://:\\*\\*\\*@127\\.0\\.0\\.1:${port} is not reachable: `),
    );
    expect((error as Error).message).not.toContain('s3cret');
  }, 20_000);
});

describe('/readyz reports each backend', () => {
  test('embedded profile: every backend up, and the kinds that serve them', async () => {
    const t = await startTestApp();
    try {
      const res = await t.call('GET', '/readyz');
      expect(res.status).toBe(200);
      expect(res.body).toEqual({
        status: 'ready',
        projection_lag: 0,
        backends: {
          event_store: { kind: 'sqlite', status: 'up' },
          read_store: { kind: 'memory', status: 'up' },
          bus: { kind: 'in-process', status: 'up' },
        },
      });
    } finally {
      await t.close();
    }
  });
});
