import amqp from 'amqplib';
import type {
  ChannelModel,
  ConfirmChannel,
  ConsumeMessage,
  Message,
  MessagePropertyHeaders,
  Options,
} from 'amqplib';
import {
  BusMessage,
  ConsumeOptions,
  MessageBus,
  MessageHandler,
  Subscription,
  resolveConsumeOptions,
  retryDelayMs,
} from '../../../application/ports/message-bus';

/** Structured logger; a pino logger fits. */
export interface BusLogger {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

export interface RabbitMqBusOptions {
  /** Durable topic exchange everything is published to; default 'ticketing.events'. */
  exchange?: string;
  /** Defaults to warnings and errors on the console. */
  logger?: BusLogger;
  /** Shown by `rabbitmqctl list_connections client_properties` and the management UI. */
  connectionName?: string;
  /** How long publish / consume / deadLetters wait for a (re)connection before rejecting; default 30 s. */
  reconnectWaitMs?: number;
  /** First delay before reconnecting after the connection dropped, doubled per failure up to maxReconnectDelayMs. */
  initialReconnectDelayMs?: number;
  maxReconnectDelayMs?: number;
  /** How long `Subscription.close()` waits for handler calls in flight before closing the channel; default 10 s. */
  drainTimeoutMs?: number;
  /** TCP connect timeout per connection attempt; default 10 s. */
  connectTimeoutMs?: number;
}

/** Headers the bus itself (or the broker's dead-lettering) sets; they are not part of a message's metadata. */
const TRANSPORT_HEADERS = new Set([
  'x-attempt',
  'x-last-error',
  'x-dead-lettered-at',
  'x-death',
  'x-delivery-count',
  'x-first-death-exchange',
  'x-first-death-queue',
  'x-first-death-reason',
  'x-last-death-exchange',
  'x-last-death-queue',
  'x-last-death-reason',
]);

/** AMQP reply codes of channel-level errors: the request itself is wrong, retrying on a new connection won't help. */
const CHANNEL_ERROR_CODES = new Set([403, 404, 405, 406]);

const consoleLogger: BusLogger = {
  info: () => undefined,
  warn: (obj, msg) => console.warn(`[rabbitmq-bus] ${msg ?? ''}`, obj),
  error: (obj, msg) => console.error(`[rabbitmq-bus] ${msg ?? ''}`, obj),
};

interface Link {
  conn: ChannelModel;
  /** Publishing channel, opened lazily again if it closes while the connection stays up. */
  publisher: Promise<ConfirmChannel> | null;
}

interface LinkWaiter {
  resolve(link: Link): void;
  reject(error: Error): void;
}

/**
 * MessageBus on RabbitMQ (amqplib).
 *
 * Topology: one durable topic exchange; per consumed queue `q` a durable queue `q` bound to the consumer's patterns
 * (its broker-side dead-letter target is `q.dlq`, used for messages that cannot even be decoded), a durable
 * `q.dlq`, and per retry delay d a durable `q.retry.d` with x-message-ttl = d that dead-letters back into `q` through
 * the default exchange.
 *
 * Messages: body = JSON of `data`, messageId = id, type = type, headers = metadata, persistent, published with
 * publisher confirms. Consumers ack only after the handler resolved; on rejection the message is republished (and
 * confirmed) to the retry queue with `x-attempt` incremented, or to `q.dlq` after maxRetries, and only then acked.
 *
 * The connection is re-established with backoff when it drops (broker restart, forced close) and so are the
 * exchange, queues and consumers; publish / consume / deadLetters wait for it (reconnectWaitMs). Unacked messages
 * of a lost connection are redelivered by the broker with `redelivered: true`.
 */
export class RabbitMqBus implements MessageBus {
  private link: Link | null = null;
  private waiters: LinkWaiter[] = [];
  private reconnectTimer: NodeJS.Timeout | null = null;
  private closed = false;
  private readonly consumers = new Set<RabbitConsumer>();
  readonly exchange: string;
  readonly logger: BusLogger;
  private readonly connectionName: string;
  private readonly reconnectWaitMs: number;
  private readonly initialReconnectDelayMs: number;
  private readonly maxReconnectDelayMs: number;
  private readonly connectTimeoutMs: number;
  readonly drainTimeoutMs: number;

  private constructor(
    private readonly url: string,
    options: RabbitMqBusOptions,
  ) {
    this.exchange = options.exchange ?? 'ticketing.events';
    this.logger = options.logger ?? consoleLogger;
    this.connectionName = options.connectionName ?? `ticketing-bus-${process.pid}`;
    this.reconnectWaitMs = options.reconnectWaitMs ?? 30_000;
    this.initialReconnectDelayMs = options.initialReconnectDelayMs ?? 250;
    this.maxReconnectDelayMs = options.maxReconnectDelayMs ?? 5_000;
    this.drainTimeoutMs = options.drainTimeoutMs ?? 10_000;
    this.connectTimeoutMs = options.connectTimeoutMs ?? 10_000;
  }

  /** Connects (once, failing fast if the broker is unreachable) and declares the exchange. */
  static async connect(url: string, options: RabbitMqBusOptions = {}): Promise<RabbitMqBus> {
    const bus = new RabbitMqBus(url, options);
    await bus.establish();
    return bus;
  }

  async publish(message: BusMessage, routingKey: string = message.type): Promise<void> {
    this.assertOpen();
    const content = encodeBody(message);
    const properties = publishProperties(message);
    await this.withLink('publish', async (link) => {
      const publisher = await this.publisherFor(link);
      await confirmPublish(publisher, this.exchange, routingKey, content, properties);
    });
  }

  async consume(
    queue: string,
    patterns: string[],
    handler: MessageHandler,
    options?: ConsumeOptions,
  ): Promise<Subscription> {
    this.assertOpen();
    if (!queue) throw new TypeError('queue name must not be empty');
    const consumer = new RabbitConsumer(
      this,
      queue,
      [...new Set(patterns)],
      handler,
      resolveConsumeOptions(options),
    );
    this.consumers.add(consumer);
    try {
      await this.withLink('consume', (link) => consumer.attach(link.conn));
    } catch (error) {
      this.consumers.delete(consumer);
      await consumer.close();
      throw error;
    }
    return { close: () => consumer.close() };
  }

  async deadLetters(queue: string): Promise<BusMessage[]> {
    this.assertOpen();
    const dlq = deadLetterQueue(queue);
    return this.withLink('deadLetters', async (link) => {
      // Take every message without acking, then close the channel: the broker puts them all back, in order.
      const channel = await link.conn.createChannel();
      channel.on('error', () => undefined);
      try {
        try {
          await channel.checkQueue(dlq);
        } catch (error) {
          if (errorCode(error) === 404) return [];
          throw error;
        }
        const messages: BusMessage[] = [];
        for (;;) {
          const message = await channel.get(dlq, { noAck: false });
          if (message === false) return messages;
          messages.push(decodeMessage(message, false));
        }
      } finally {
        await quietly(() => channel.close());
      }
    });
  }

  /** Closes the connection at once, without reconnecting; unacked messages go back to their queues. Idempotent. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.reconnectTimer) clearTimeout(this.reconnectTimer);
    this.reconnectTimer = null;
    const waiters = this.waiters;
    this.waiters = [];
    for (const waiter of waiters) waiter.reject(new Error('RabbitMqBus is closed'));
    for (const consumer of this.consumers) consumer.abort();
    this.consumers.clear();
    const link = this.link;
    this.link = null;
    if (link) await closeConnection(link.conn);
  }

  /**
   * Test hook: kills the TCP socket under the current connection without an AMQP close, as a crashed broker or
   * network would. The bus then reconnects like after any unexpected connection loss.
   */
  destroySocketForTesting(): void {
    if (this.link) socketOf(this.link.conn)?.destroy(new Error('socket destroyed by test hook'));
  }

  /** The live connection, if any (consumers use it to recover their channel). */
  currentLink(): Link | null {
    return this.closed ? null : this.link;
  }

  isClosed(): boolean {
    return this.closed;
  }

  forget(consumer: RabbitConsumer): void {
    this.consumers.delete(consumer);
  }

  /**
   * Runs `operation` on a live connection; if it fails because the connection (or channel) went away, waits for the
   * reconnection and runs it again, until reconnectWaitMs passed. Broker refusals (nack, channel errors) fail at once.
   */
  private async withLink<T>(what: string, operation: (link: Link) => Promise<T>): Promise<T> {
    const deadline = Date.now() + this.reconnectWaitMs;
    for (;;) {
      const link = await this.waitForLink(deadline, what);
      try {
        return await withTimeout(operation(link), deadline - Date.now(), `${what} timed out`);
      } catch (error) {
        if (this.closed) throw new Error('RabbitMqBus is closed', { cause: error });
        if (!isConnectionLoss(error) || Date.now() >= deadline) throw error;
        this.logger.warn(
          { err: error, operation: what },
          'rabbitmq operation interrupted; retrying after reconnect',
        );
        if (this.link === link) {
          // The connection may not have reported its close yet; give it a moment (publisher channels reopen lazily).
          await sleep(50);
        }
      }
    }
  }

  private waitForLink(deadline: number, what: string): Promise<Link> {
    if (this.closed) return Promise.reject(new Error('RabbitMqBus is closed'));
    if (this.link) return Promise.resolve(this.link);
    return new Promise<Link>((resolve, reject) => {
      const waiter: LinkWaiter = {
        resolve: (link) => {
          clearTimeout(timer);
          resolve(link);
        },
        reject: (error) => {
          clearTimeout(timer);
          reject(error);
        },
      };
      const timer = setTimeout(
        () => {
          this.waiters = this.waiters.filter((w) => w !== waiter);
          reject(new Error(`${what}: RabbitMQ still not reconnected after ${this.reconnectWaitMs} ms`));
        },
        Math.max(0, deadline - Date.now()),
      );
      this.waiters.push(waiter);
    });
  }

  private publisherFor(link: Link): Promise<ConfirmChannel> {
    if (!link.publisher) {
      const opening = this.openPublisher(link.conn).catch((error: unknown) => {
        if (link.publisher === opening) link.publisher = null;
        throw error;
      });
      link.publisher = opening;
      void opening.then(
        (channel) =>
          channel.once('close', () => {
            if (link.publisher === opening) link.publisher = null;
          }),
        () => undefined,
      );
    }
    return link.publisher;
  }

  private async openPublisher(conn: ChannelModel): Promise<ConfirmChannel> {
    const channel = await conn.createConfirmChannel();
    channel.on('error', (error: unknown) =>
      this.logger.warn({ err: error }, 'rabbitmq publish channel error'),
    );
    try {
      await channel.assertExchange(this.exchange, 'topic', { durable: true });
    } catch (error) {
      await quietly(() => channel.close());
      throw error;
    }
    return channel;
  }

  /** Opens a connection, declares the exchange and (re)attaches every consumer. */
  private async establish(): Promise<void> {
    const conn = await amqp.connect(this.url, {
      clientProperties: { connection_name: this.connectionName },
      timeout: this.connectTimeoutMs,
    });
    let lost = false;
    const link: Link = { conn, publisher: null };
    conn.on('error', (error: unknown) => this.logger.warn({ err: error }, 'rabbitmq connection error'));
    conn.on('close', (error: unknown) => {
      lost = true;
      this.onConnectionClosed(conn, error);
    });
    conn.on('blocked', (reason: unknown) =>
      this.logger.warn({ reason }, 'rabbitmq connection blocked by broker'),
    );
    conn.on('unblocked', () => this.logger.info({}, 'rabbitmq connection unblocked'));
    try {
      if (this.closed) throw new Error('RabbitMqBus is closed');
      await this.publisherFor(link);
      for (const consumer of this.consumers) {
        try {
          await consumer.attach(conn);
        } catch (error) {
          if (lost) throw error;
          this.logger.error(
            { err: error, queue: consumer.queue },
            'rabbitmq consumer could not be re-established',
          );
          consumer.scheduleRecovery();
        }
      }
      if (lost) throw new Error('connection closed while it was being set up');
      if (this.closed) throw new Error('RabbitMqBus is closed');
      this.link = link;
    } catch (error) {
      await closeConnection(conn);
      throw error;
    }
    const waiters = this.waiters;
    this.waiters = [];
    for (const waiter of waiters) waiter.resolve(link);
  }

  private onConnectionClosed(conn: ChannelModel, error: unknown): void {
    if (this.link?.conn !== conn) return; // a connection being set up or already replaced
    this.link = null;
    if (this.closed) return;
    this.logger.warn({ err: error }, 'rabbitmq connection lost; reconnecting');
    this.scheduleReconnect(this.initialReconnectDelayMs);
  }

  private scheduleReconnect(delayMs: number): void {
    if (this.closed || this.reconnectTimer) return;
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = null;
      if (this.closed) return;
      this.establish().then(
        () => this.logger.info({}, 'rabbitmq reconnected'),
        (error: unknown) => {
          if (this.closed) return;
          const next = Math.min(delayMs * 2, this.maxReconnectDelayMs);
          this.logger.warn({ err: error, retryInMs: next }, 'rabbitmq reconnect failed');
          this.scheduleReconnect(next);
        },
      );
    }, delayMs);
  }

  private assertOpen(): void {
    if (this.closed) throw new Error('RabbitMqBus is closed');
  }
}

/** One `consume` call: its own confirm channel (so prefetch applies per consumer), re-created after a loss. */
class RabbitConsumer {
  private channel: ConfirmChannel | null = null;
  private conn: ChannelModel | null = null;
  private consumerTag: string | null = null;
  private lock: Promise<unknown> = Promise.resolve();
  private closed = false;
  private closing: Promise<void> | undefined;
  private readonly inFlight = new Set<Promise<void>>();
  private recoveryTimer: NodeJS.Timeout | null = null;
  private recoveryDelayMs = 250;
  private readonly dlq: string;

  constructor(
    private readonly bus: RabbitMqBus,
    readonly queue: string,
    private readonly patterns: string[],
    private readonly handler: MessageHandler,
    private readonly options: Required<ConsumeOptions>,
  ) {
    this.dlq = deadLetterQueue(queue);
  }

  /** Declares the topology on `conn` and starts consuming there, unless already doing so. Serialized. */
  attach(conn: ChannelModel): Promise<void> {
    const run = this.lock.then(() => this.attachNow(conn));
    this.lock = run.catch(() => undefined);
    return run;
  }

  /** Graceful: stop deliveries, let handlers in flight finish (bounded), then close the channel. */
  close(): Promise<void> {
    this.closing ??= this.shutdown();
    return this.closing;
  }

  /** The bus is closing the connection: stop recovering, outcomes of running handlers are dropped. */
  abort(): void {
    this.closed = true;
    this.clearRecovery();
    this.closing ??= Promise.resolve(); // the connection is closing: nothing left to drain
  }

  scheduleRecovery(): void {
    if (this.closed || this.bus.isClosed() || this.recoveryTimer) return;
    const delay = this.recoveryDelayMs;
    this.recoveryTimer = setTimeout(() => {
      this.recoveryTimer = null;
      const link = this.bus.currentLink();
      if (!link || this.closed) return; // the bus re-attaches every consumer once it has reconnected
      this.attach(link.conn).then(
        () => {
          this.recoveryDelayMs = 250;
        },
        (error: unknown) => {
          this.recoveryDelayMs = Math.min(delay * 2, 5_000);
          this.bus.logger.warn({ err: error, queue: this.queue }, 'rabbitmq consumer recovery failed');
          this.scheduleRecovery();
        },
      );
    }, delay);
  }

  private async attachNow(conn: ChannelModel): Promise<void> {
    if (this.closed || (this.conn === conn && this.channel)) return;
    const channel = await conn.createConfirmChannel();
    channel.on('error', (error: unknown) =>
      this.bus.logger.warn({ err: error, queue: this.queue }, 'rabbitmq consumer channel error'),
    );
    channel.on('close', () => this.onChannelClosed(channel));
    try {
      await channel.prefetch(this.options.prefetch);
      await channel.assertExchange(this.bus.exchange, 'topic', { durable: true });
      await channel.assertQueue(this.dlq, { durable: true });
      await channel.assertQueue(this.queue, {
        durable: true,
        arguments: { 'x-dead-letter-exchange': '', 'x-dead-letter-routing-key': this.dlq },
      });
      for (const pattern of this.patterns) await channel.bindQueue(this.queue, this.bus.exchange, pattern);
      this.channel = channel;
      this.conn = conn;
      const { consumerTag } = await channel.consume(
        this.queue,
        (message) => this.onMessage(channel, message),
        {
          noAck: false,
        },
      );
      this.consumerTag = consumerTag;
    } catch (error) {
      if (this.channel === channel) {
        this.channel = null;
        this.conn = null;
      }
      await quietly(() => channel.close());
      throw error;
    }
  }

  private onChannelClosed(channel: ConfirmChannel): void {
    if (this.channel !== channel) return;
    this.channel = null;
    this.conn = null;
    this.consumerTag = null;
    this.scheduleRecovery();
  }

  private onMessage(channel: ConfirmChannel, message: ConsumeMessage | null): void {
    if (message === null) {
      // Cancelled by the broker (queue deleted, node down): drop the channel and declare everything again.
      this.bus.logger.warn({ queue: this.queue }, 'rabbitmq consumer cancelled by the broker');
      void quietly(() => channel.close());
      return;
    }
    const task = this.handle(channel, message);
    this.inFlight.add(task);
    void task.finally(() => this.inFlight.delete(task));
  }

  private async handle(channel: ConfirmChannel, raw: ConsumeMessage): Promise<void> {
    let message: BusMessage;
    try {
      message = decodeMessage(raw, true);
    } catch (error) {
      // Not ours to retry: the queue's dead-letter arguments send it to the dlq.
      this.bus.logger.error({ err: error, queue: this.queue }, 'undecodable message dead-lettered');
      settle(channel, () => channel.nack(raw, false, false));
      return;
    }
    const attempt = readAttempt(raw.properties.headers);
    try {
      await this.handler(message, { attempt, redelivered: raw.fields.redelivered });
    } catch (error) {
      await this.retryOrDeadLetter(channel, raw, attempt, error);
      return;
    }
    settle(channel, () => channel.ack(raw));
  }

  private async retryOrDeadLetter(
    channel: ConfirmChannel,
    raw: ConsumeMessage,
    attempt: number,
    failure: unknown,
  ): Promise<void> {
    if (this.closed && this.bus.isClosed()) return; // the connection is going away; the broker requeues it
    const headers = transportFreeHeaders(raw.properties.headers);
    let target: string;
    try {
      if (attempt <= this.options.maxRetries) {
        const delay = retryDelayMs(this.options.retryDelayMs, attempt);
        target = `${this.queue}.retry.${delay}`;
        await channel.assertQueue(target, {
          durable: true,
          arguments: {
            'x-message-ttl': delay,
            'x-dead-letter-exchange': '',
            'x-dead-letter-routing-key': this.queue,
          },
        });
        headers['x-attempt'] = attempt + 1;
      } else {
        target = this.dlq;
        await channel.assertQueue(this.dlq, { durable: true });
        headers['x-attempt'] = attempt;
        headers['x-last-error'] = errorText(failure);
        headers['x-dead-lettered-at'] = new Date().toISOString();
        this.bus.logger.warn(
          { err: failure, queue: this.queue, messageId: raw.properties.messageId, attempts: attempt },
          'message dead-lettered after its last retry',
        );
      }
      await confirmPublish(channel, '', target, raw.content, { ...republishProperties(raw), headers });
    } catch (error) {
      // Could not park it: leave it unacked. A lost channel makes the broker redeliver it; otherwise give it back
      // after the base delay so a persistent problem does not spin.
      this.bus.logger.warn({ err: error, queue: this.queue }, 'could not schedule retry; message requeued');
      if (this.channel === channel) {
        setTimeout(() => settle(channel, () => channel.nack(raw, false, true)), this.options.retryDelayMs);
      }
      return;
    }
    settle(channel, () => channel.ack(raw));
  }

  private async shutdown(): Promise<void> {
    this.closed = true;
    this.clearRecovery();
    await this.lock;
    const channel = this.channel;
    const tag = this.consumerTag;
    const bound = (operation: () => Promise<unknown>) =>
      quietly(() => withTimeout(operation(), this.bus.drainTimeoutMs, 'subscription close'));
    if (channel && tag) await bound(() => channel.cancel(tag));
    await withTimeout(Promise.all([...this.inFlight]), this.bus.drainTimeoutMs, 'drain').catch(
      () => undefined,
    );
    this.channel = null;
    this.conn = null;
    if (channel) await bound(() => channel.close()); // whatever is still unacked goes back to the queue
    this.bus.forget(this);
  }

  private clearRecovery(): void {
    if (this.recoveryTimer) clearTimeout(this.recoveryTimer);
    this.recoveryTimer = null;
  }
}

function deadLetterQueue(queue: string): string {
  return `${queue}.dlq`;
}

function encodeBody(message: BusMessage): Buffer {
  if (typeof message.id !== 'string' || message.id === '') {
    throw new TypeError('message.id must be a non-empty string');
  }
  if (typeof message.type !== 'string' || message.type === '') {
    throw new TypeError('message.type must be a non-empty string');
  }
  return Buffer.from(JSON.stringify(message.data ?? null), 'utf8');
}

function publishProperties(message: BusMessage): Options.Publish {
  // JSON round trip: the same values a JSON consumer would see (dates become strings, undefined disappears).
  const metadata = JSON.parse(JSON.stringify(message.metadata ?? {})) as Record<string, unknown>;
  for (const key of Object.keys(metadata)) {
    if (TRANSPORT_HEADERS.has(key)) throw new TypeError(`metadata key '${key}' is reserved for the bus`);
  }
  return {
    persistent: true,
    messageId: message.id,
    type: message.type,
    contentType: 'application/json',
    timestamp: Math.floor(Date.now() / 1000),
    headers: metadata,
  };
}

function republishProperties(raw: Message): Options.Publish {
  const p = raw.properties;
  return {
    persistent: true,
    messageId: p.messageId as string | undefined,
    type: p.type as string | undefined,
    contentType: p.contentType as string | undefined,
    contentEncoding: p.contentEncoding as string | undefined,
    timestamp: p.timestamp as number | undefined,
    correlationId: p.correlationId as string | undefined,
    appId: p.appId as string | undefined,
  };
}

/** strict: the message must look like one we published (consumers); otherwise best effort (dead-letter listing). */
function decodeMessage(raw: Message, strict: boolean): BusMessage {
  const { messageId, type, contentType } = raw.properties as {
    messageId?: unknown;
    type?: unknown;
    contentType?: unknown;
  };
  const metadata = transportFreeHeaders(raw.properties.headers);
  const text = raw.content.toString('utf8');
  if (strict) {
    if (typeof messageId !== 'string' || messageId === '') throw new Error('message has no messageId');
    if (typeof type !== 'string' || type === '') throw new Error('message has no type');
    if (contentType !== undefined && contentType !== 'application/json') {
      throw new Error(`unsupported content type ${String(contentType)}`);
    }
    return { id: messageId, type, data: JSON.parse(text) as unknown, metadata };
  }
  let data: unknown = text;
  try {
    data = JSON.parse(text) as unknown;
  } catch {
    // keep the raw text
  }
  return {
    id: typeof messageId === 'string' ? messageId : '',
    type: typeof type === 'string' ? type : raw.fields.routingKey,
    data,
    metadata,
  };
}

function transportFreeHeaders(headers: MessagePropertyHeaders | undefined): Record<string, unknown> {
  const result: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(headers ?? {})) {
    if (!TRANSPORT_HEADERS.has(key)) result[key] = value;
  }
  return result;
}

function readAttempt(headers: MessagePropertyHeaders | undefined): number {
  const value: unknown = headers?.['x-attempt'];
  return typeof value === 'number' && Number.isInteger(value) && value >= 1 ? value : 1;
}

/** Publishes and resolves when the broker confirmed it (rejects on nack or channel loss). */
function confirmPublish(
  channel: ConfirmChannel,
  exchange: string,
  routingKey: string,
  content: Buffer,
  options: Options.Publish,
): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    try {
      channel.publish(exchange, routingKey, content, options, (error: unknown) => {
        if (error) reject(error instanceof Error ? error : new Error(String(error)));
        else resolve();
      });
    } catch (error) {
      reject(error instanceof Error ? error : new Error(String(error)));
    }
  });
}

/** Ack/nack on the channel the message came from; if that channel is gone the broker redelivers anyway. */
function settle(channel: ConfirmChannel, operation: () => void): void {
  try {
    operation();
  } catch {
    // channel closed: nothing to do
  }
}

function isConnectionLoss(error: unknown): boolean {
  const code = errorCode(error);
  if (code !== undefined && CHANNEL_ERROR_CODES.has(code)) return false;
  const message = error instanceof Error ? error.message : String(error);
  if (/nacked/i.test(message)) return false;
  return (
    (error instanceof Error && error.name === 'IllegalOperationError') ||
    /closed|connection|socket|ECONNRESET|EPIPE/i.test(message)
  );
}

function errorCode(error: unknown): number | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'number' ? code : undefined;
}

function errorText(error: unknown): string {
  const text = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  return text.length > 1000 ? `${text.slice(0, 1000)}…` : text;
}

/**
 * AMQP close, bounded: on a dead socket the broker's CloseOk never comes, so after the socket closed (or 2 s) the
 * socket is destroyed instead.
 */
async function closeConnection(conn: ChannelModel): Promise<void> {
  let onClose: (() => void) | undefined;
  const closed = new Promise<void>((resolve) => {
    onClose = resolve;
    conn.once('close', resolve);
  });
  try {
    await withTimeout(Promise.race([quietly(() => conn.close()), closed]), 2_000, 'close');
  } catch {
    socketOf(conn)?.destroy();
  } finally {
    if (onClose) conn.removeListener('close', onClose);
  }
}

function socketOf(conn: ChannelModel): { destroy(error?: Error): void } | undefined {
  return (conn.connection as unknown as { stream?: { destroy(error?: Error): void } }).stream;
}

async function quietly(operation: () => Promise<unknown>): Promise<void> {
  try {
    await operation();
  } catch {
    // already closed or going away
  }
}

function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} (${ms} ms)`)), Math.max(0, ms));
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
