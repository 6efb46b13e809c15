import net from 'node:net';

/**
 * The external backends a profile may use, how start-up connects to them (a configured but unreachable backend
 * is a clear error within a bounded time, never a hang) and how /readyz checks them.
 */

export type BackendName = 'event_store' | 'read_store' | 'bus' | 'redis';

export interface BackendStatus {
  /** What serves it: `sqlite`, `eventstoredb`, `memory`, `mongodb`, `in-process`, `rabbitmq`, `redis`. */
  kind: string;
  status: 'up' | 'down';
  /** Why it is down (no credentials: URLs are shown without their password). */
  error?: string;
}

export interface BackendProbe {
  name: BackendName;
  kind: string;
  /** false: reported by /readyz, but its being down does not make the instance unready (Redis: fail-open). */
  required?: boolean;
  /** Resolves if the backend answers; rejects with the reason otherwise. */
  check(): Promise<void>;
}

/** A configured backend did not answer at start-up. */
export class BackendUnavailableError extends Error {
  /** Without its password: this error is printed. */
  readonly url: string;

  constructor(
    readonly backend: string,
    url: string,
    cause: unknown,
  ) {
    const reason = cause instanceof Error ? cause.message : String(cause);
    super(`${backend} at ${redactUrl(url)} is not reachable: ${redactUrl(reason)}`, { cause });
    this.name = 'BackendUnavailableError';
    this.url = redactUrl(url);
  }
}

/** The URL without its password (`scheme://user:***@host`), for errors, logs and /readyz. */
export function redactUrl(url: string): string {
  return url.replace(/([a-z][a-z0-9+.-]*:\/\/[^:/@\s]*:)[^@\s]*@/gi, '$1***@');
}

/** Rejects with `onTimeout()` unless `work` settles within `ms`. */
export async function within<T>(ms: number, work: Promise<T>, onTimeout: () => Error): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      work,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(onTimeout()), ms);
      }),
    ]);
  } finally {
    if (timer) clearTimeout(timer);
  }
}

/**
 * Connects to a backend at start-up: `connect` opens it, `probe` proves it answers (a client that connects
 * lazily, like EventStoreDB's, says nothing until its first call). Either failing or taking longer than
 * `timeoutMs` closes what was opened and throws a BackendUnavailableError naming the backend and the URL.
 */
export async function connectBackend<T extends { close(): Promise<void> }>(
  backend: string,
  url: string,
  timeoutMs: number,
  connect: () => Promise<T> | T,
  probe: (resource: T) => Promise<unknown> = async () => undefined,
): Promise<T> {
  let opened: T | undefined;
  try {
    return await within(
      timeoutMs,
      (async () => {
        opened = await connect();
        await probe(opened);
        return opened;
      })(),
      () => new Error(`no answer within ${timeoutMs} ms`),
    );
  } catch (error) {
    // The late connect may still finish: close whatever it opens.
    const resource = opened;
    if (resource) void resource.close().catch(() => undefined);
    throw new BackendUnavailableError(backend, url, error);
  }
}

/** Reachability of a TCP service named by a URL (`redis://host:6379`, `amqp://host`), for /readyz. */
export function tcpProbe(url: string, defaultPort: number, timeoutMs = 2_000): () => Promise<void> {
  const parsed = new URL(url);
  const host = parsed.hostname.replace(/^\[|\]$/g, '') || 'localhost';
  const port = parsed.port ? Number(parsed.port) : defaultPort;
  return () =>
    new Promise<void>((resolve, reject) => {
      const socket = net.connect({ host, port });
      const done = (error?: Error) => {
        socket.destroy();
        if (error) reject(error);
        else resolve();
      };
      socket.setTimeout(timeoutMs, () =>
        done(new Error(`no answer from ${host}:${port} within ${timeoutMs} ms`)),
      );
      socket.once('connect', () => done());
      socket.once('error', (error) => done(error));
    });
}

/** Runs every probe (each bounded by `timeoutMs`) and reports each backend by name. */
export async function checkBackends(
  probes: readonly BackendProbe[],
  timeoutMs = 2_000,
): Promise<Partial<Record<BackendName, BackendStatus>>> {
  const results = await Promise.all(
    probes.map(async (probe): Promise<[BackendName, BackendStatus]> => {
      try {
        await within(timeoutMs, probe.check(), () => new Error(`no answer within ${timeoutMs} ms`));
        return [probe.name, { kind: probe.kind, status: 'up' }];
      } catch (error) {
        const message = error instanceof Error ? error.message : String(error);
        return [probe.name, { kind: probe.kind, status: 'down', error: redactUrl(message).slice(0, 200) }];
      }
    }),
  );
  return Object.fromEntries(results);
}
