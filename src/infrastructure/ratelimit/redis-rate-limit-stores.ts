import type { ClientRateLimitInfo, IncrementResponse, Options, Store } from 'express-rate-limit';
import { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { RedisStore, type RedisReply } from 'rate-limit-redis';

/**
 * Rate-limit counters in Redis (REDIS_URL), so every API process draws on one budget per class and key. One
 * ioredis connection serves every limiter; each limiter gets its own rate-limit-redis store with a prefix of its
 * own (`{RATE_LIMIT_PREFIX}{class}:`), which counts atomically in a Lua script.
 *
 * Tuned to fail fast rather than wait, because the limiters let a request through when their store fails (see
 * src/api/http/rate-limits.ts): no offline queue (a command while disconnected fails at once), no re-sending of a
 * command whose connection dropped, and a command timeout, so a Redis that hangs costs a request at most
 * COMMAND_TIMEOUT_MS. The client reconnects by itself (exponential backoff up to 5 s) and the limits hold again as
 * soon as Redis answers.
 */

/** How long a rate-limit check may wait for Redis before the request goes through unlimited. */
const COMMAND_TIMEOUT_MS = 500;
const WARN_EVERY_MS = 10_000;

export interface RedisRateLimitOptions {
  /** Prepended to every class's prefix (RATE_LIMIT_PREFIX). */
  prefix: string;
  connectTimeoutMs: number;
  logger?: Logger;
}

export class RedisRateLimitStores {
  private constructor(
    private readonly client: Redis,
    private readonly prefix: string,
  ) {}

  /** Connects and proves Redis answers; the caller bounds the wait (connectBackend) and reports a failure. */
  static async connect(url: string, options: RedisRateLimitOptions): Promise<RedisRateLimitStores> {
    const client = new Redis(url, {
      lazyConnect: true,
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      commandTimeout: COMMAND_TIMEOUT_MS,
      connectTimeout: options.connectTimeoutMs,
      connectionName: `ticketing-rate-limits-${process.pid}`,
    });
    // Connection errors are reported here (throttled), never thrown: ioredis would print unhandled ones itself.
    let lastWarning = 0;
    let lastError: Error | undefined;
    client.on('error', (err: Error) => {
      lastError = err;
      if (Date.now() - lastWarning < WARN_EVERY_MS) return;
      lastWarning = Date.now();
      options.logger?.warn({ err }, 'Redis (rate limits) connection error; reconnecting');
    });
    try {
      await client.connect();
      await client.ping();
    } catch (error) {
      client.disconnect(); // stops the reconnection attempts
      // "Connection is closed" says less than the socket's own error (ECONNREFUSED, ENOTFOUND, a bad password).
      throw lastError ?? error;
    }
    return new RedisRateLimitStores(client, options.prefix);
  }

  /**
   * A new store for one limiter (express-rate-limit refuses a store shared by two limiters). A bound function:
   * the composition hands it on as the rate-limit store factory.
   */
  readonly storeFor = (name: string): Store => {
    const client = this.client;
    const redis = new RedisStore({
      prefix: `${this.prefix}${name}:`,
      sendCommand: (command: string, ...args: string[]) =>
        client.call(command, ...args) as Promise<RedisReply>,
    });
    return new ReconnectingStore(redis);
  };

  /** For /readyz: resolves when Redis answers a PING; else says the client's state, not its queue's wording. */
  async ping(): Promise<void> {
    // Without an offline queue, ioredis refuses a command while it reconnects ("Stream isn't writeable..."), which
    // tells an operator nothing: say that Redis is not connected.
    if (this.client.status !== 'ready')
      throw new Error(`not connected (the client is ${this.client.status}; requests go through unlimited)`);
    await this.client.ping();
  }

  async close(): Promise<void> {
    try {
      await this.client.quit();
    } catch {
      this.client.disconnect(); // not connected: nothing to say goodbye to
    }
  }
}

/**
 * rate-limit-redis loads its Lua scripts once, in init; a load that failed (Redis was down at that moment, or
 * went away while reloading after a restart) would leave the store failing for good. This wrapper loads them
 * again on the first call after any failure: one SCRIPT LOAD round trip, and only after an error.
 */
class ReconnectingStore implements Store {
  readonly localKeys = false;
  readonly prefix: string;
  private options?: Options;
  private ready?: Promise<void>;

  constructor(private readonly inner: RedisStore) {
    this.prefix = inner.prefix;
  }

  init(options: Options): void {
    this.options = options;
    // A failure here is retried by the first request (and reported by it, as a store error).
    this.loaded().catch(() => undefined);
  }

  async increment(key: string): Promise<IncrementResponse> {
    return this.run(() => this.inner.increment(key));
  }

  async get(key: string): Promise<ClientRateLimitInfo | undefined> {
    return this.run(() => this.inner.get(key));
  }

  async decrement(key: string): Promise<void> {
    return this.run(() => this.inner.decrement(key));
  }

  async resetKey(key: string): Promise<void> {
    return this.run(() => this.inner.resetKey(key));
  }

  private loaded(): Promise<void> {
    if (!this.ready) {
      if (!this.options) return Promise.reject(new Error('rate-limit store used before init'));
      const attempt = this.inner.init(this.options);
      this.ready = attempt;
      attempt.catch(() => {
        if (this.ready === attempt) this.ready = undefined;
      });
    }
    return this.ready;
  }

  private async run<T>(call: () => Promise<T>): Promise<T> {
    await this.loaded();
    try {
      return await call();
    } catch (error) {
      this.ready = undefined; // the scripts may be gone with the connection: load them again next time
      throw error;
    }
  }
}
