import { spawnSync } from 'node:child_process';
import { printSkip } from './service-suite';

/**
 * Where the EventStoreDB and MongoDB contract suites get a server: the URL in the environment, else a container
 * that testcontainers starts when it finds a container runtime, else the suite is skipped with one printed line.
 */

/** Official images (the same as docker-compose.yml). */
export const EVENTSTOREDB_IMAGE = 'eventstore/eventstore:24.10';
export const MONGO_IMAGE = 'mongo:8.0';

let runtime: true | Error | undefined;

/**
 * Whether testcontainers finds a container runtime, decided synchronously (in a child process, bounded) because
 * jest registers tests synchronously. Cached per worker.
 */
export function containerRuntimeSync(): true | Error {
  if (runtime !== undefined) return runtime;
  const script = `
    require(${JSON.stringify(require.resolve('testcontainers'))}).getContainerRuntimeClient()
      .then(() => process.exit(0), (e) => { process.stderr.write(String(e && e.message || e)); process.exit(1); });`;
  const result = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8', timeout: 20_000 });
  runtime =
    result.status === 0
      ? true
      : (result.error ?? new Error(result.stderr.trim().split('\n')[0] || `exit ${result.status}`));
  return runtime;
}

export interface StartedServer {
  url: string;
  stop(): Promise<void>;
}

/**
 * Registers `register(url)` against the server named by `envVar`, or one started by `start` in a container, or
 * else prints one line and registers a skipped test naming the reason (never a passing placeholder).
 */
export function serverSuite(
  title: string,
  envVar: string,
  start: () => Promise<StartedServer>,
  register: (url: () => string) => void,
): void {
  const fromEnv = process.env[envVar];
  if (fromEnv) {
    register(() => fromEnv);
    return;
  }
  const available = containerRuntimeSync();
  if (available !== true) {
    printSkip(
      `${title} skipped: ${envVar} is not set and testcontainers found no container runtime (${available.message.slice(0, 120)})`,
    );
    test.skip(`${title}: no ${envVar} and no container runtime`, () => undefined);
    return;
  }
  let server: StartedServer | undefined;
  beforeAll(async () => {
    server = await start();
  }, 180_000);
  afterAll(async () => {
    await server?.stop();
  });
  register(() => {
    if (!server) throw new Error(`${title}: the container did not start`);
    return server.url;
  });
}

/** A suite against MongoDB: the server at MONGO_URL, or one testcontainers starts (see serverSuite). */
export function mongoSuite(title: string, register: (url: () => string) => void): void {
  serverSuite(
    title,
    'MONGO_URL',
    async () => {
      // Loaded only where a container is started: the suites that run against MONGO_URL never need it.
      const { MongoDBContainer } = await import('@testcontainers/mongodb');
      const container = await new MongoDBContainer(MONGO_IMAGE).start();
      return {
        url: `${container.getConnectionString()}?directConnection=true`,
        stop: async () => void (await container.stop()),
      };
    },
    register,
  );
}
