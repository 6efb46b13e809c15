import { once } from 'node:events';
import amqp, { type AmqpConnectionManager, type ChannelWrapper } from 'amqp-connection-manager';
import type { ChannelModel, ConfirmChannel } from 'amqplib';
import {
  ConstantBackoff,
  ExponentialBackoff,
  TaskCancelledError,
  handleWhen,
  noJitterGenerator,
  retry,
} from 'cockatiel';
import type { IBackoff } from 'cockatiel';
import {
  BusMessage,
  ConsumeOptions,
  MessageBus,
  MessageHandler,
  Subscription,
  resolveConsumeOptions,
} from '../../../application/ports/message-bus';
import { BusLogger, ConsumerHost, RabbitConsumer } from './rabbitmq-consumer';
import * as wire from './rabbitmq-wire';

export type { BusLogger } from './rabbitmq-consumer';

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

type Settings = Required<Omit<RabbitMqBusOptions, 'exchange' | 'logger' | 'connectionName'>>;

const consoleLogger: BusLogger = {
  info: () => undefined,
  warn: (obj, msg) => console.warn(`[rabbitmq-bus] ${msg ?? ''}`, obj),
  error: (obj, msg) => console.error(`[rabbitmq-bus] ${msg ?? ''}`, obj),
};

/** How long `close` waits for the broker's goodbye before cutting the socket (a dead broker never answers). */
const CLOSE_TIMEOUT_MS = 2_000;

/**
 * MessageBus on RabbitMQ. amqp-connection-manager keeps the connection: it reconnects, re-runs every channel's setup
 * (declarations) and re-attaches consumers; cockatiel gives the backoff, the bounded waits and the retry of an
 * operation a connection loss cut.
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
 * `connect` fails fast when the broker is unreachable. After a connection loss (broker restart, forced close)
 * publish waits for the reconnection (a publish the loss cut is sent again), and so do consume and deadLetters, each
 * at most reconnectWaitMs. Unacked messages of a lost connection are redelivered by the broker, `redelivered: true`.
 */
export class RabbitMqBus implements MessageBus {
  private closed = false;
  private readonly consumers = new Set<RabbitConsumer>();
  private readonly publisher: ChannelWrapper;
  private readonly host: ConsumerHost;
  /** Where the reconnect delays are after failed attempts; restarts at the initial delay once connected. */
  private backoff: IBackoff<unknown> | undefined;
  private bounceTimer: NodeJS.Timeout | undefined;

  private constructor(
    private readonly manager: AmqpConnectionManager,
    private readonly exchange: string,
    private readonly logger: BusLogger,
    private readonly settings: Settings,
  ) {
    const { initialReconnectDelayMs: initialDelay, maxReconnectDelayMs: maxDelay } = settings;
    const reconnects = new ExponentialBackoff({ generator: noJitterGenerator, initialDelay, maxDelay });
    wire.batchSocketWrites(manager.connection); // the first connection was made before this constructor ran
    manager.on('connect', ({ connection }: { connection: ChannelModel }) => {
      wire.batchSocketWrites(connection);
      this.backoff = undefined;
      manager.reconnectTimeInSeconds = seconds(initialDelay);
      logger.info({}, 'rabbitmq reconnected');
    });
    manager.on('disconnect', ({ err }: { err: Error }) => {
      if (!this.closed) logger.warn({ err }, 'rabbitmq connection lost; reconnecting');
    });
    manager.on('connectFailed', ({ err }: { err: Error }) => {
      if (this.closed) return;
      // The manager reads reconnectTimeInSeconds before every wait: give it the backoff's next delay.
      this.backoff = (this.backoff ?? reconnects.next()).next(undefined);
      manager.reconnectTimeInSeconds = seconds(this.backoff.duration);
      logger.warn({ err, retryInMs: this.backoff.duration }, 'rabbitmq reconnect failed');
    });
    manager.on('blocked', ({ reason }: { reason: string }) =>
      logger.warn({ reason }, 'rabbitmq connection blocked'),
    );
    manager.on('unblocked', () => logger.info({}, 'rabbitmq connection unblocked'));

    this.publisher = manager.createChannel({
      name: 'publisher',
      confirm: true,
      setup: async (channel: ConfirmChannel) => {
        channel.on('error', (error: unknown) => this.onChannelError(error, 'publisher'));
        await wire.declareExchange(channel, exchange);
      },
    });
    this.publisher.on('error', (err: Error) => logger.warn({ err }, 'rabbitmq publish channel setup failed'));
    this.host = {
      manager,
      exchange,
      logger,
      drainTimeoutMs: settings.drainTimeoutMs,
      onChannelError: (error, where) => this.onChannelError(error, where),
      forget: (consumer) => this.consumers.delete(consumer),
    };
  }

  /** Connects (once, failing fast if the broker is unreachable) and declares the exchange. */
  static async connect(url: string, options: RabbitMqBusOptions = {}): Promise<RabbitMqBus> {
    const settings: Settings = {
      reconnectWaitMs: options.reconnectWaitMs ?? 30_000,
      initialReconnectDelayMs: options.initialReconnectDelayMs ?? 250,
      maxReconnectDelayMs: options.maxReconnectDelayMs ?? 5_000,
      drainTimeoutMs: options.drainTimeoutMs ?? 10_000,
      connectTimeoutMs: options.connectTimeoutMs ?? 10_000,
    };
    const manager = amqp.connect([url], {
      // 0: the broker's heartbeat (60 s), as before; the library's 5 s drops connections when the loop stalls.
      heartbeatIntervalInSeconds: 0,
      reconnectTimeInSeconds: seconds(settings.initialReconnectDelayMs),
      connectionOptions: {
        clientProperties: { connection_name: options.connectionName ?? `ticketing-bus-${process.pid}` },
        timeout: settings.connectTimeoutMs,
      },
    });
    // The manager would retry forever; here the first attempt decides.
    const failure = await new Promise<Error | undefined>((resolve) => {
      manager.once('connect', () => resolve(undefined));
      manager.once('connectFailed', ({ err }: { err: Error }) => resolve(err));
    });
    if (failure) {
      await wire.quietly(() => manager.close());
      throw failure;
    }
    const bus = new RabbitMqBus(
      manager,
      options.exchange ?? 'ticketing.events',
      options.logger ?? consoleLogger,
      settings,
    );
    try {
      await wire.firstSetup(bus.publisher, settings.connectTimeoutMs, 'connect');
    } catch (error) {
      await bus.close();
      throw error;
    }
    return bus;
  }

  async publish(message: BusMessage, routingKey: string = message.type): Promise<void> {
    this.assertOpen();
    const { content, properties } = wire.encodeMessage(message);
    // The wrapper holds the message while disconnected and resolves on the broker's confirm.
    await this.untilReconnectDeadline('publish', (timeout) =>
      this.publisher.publish(this.exchange, routingKey, content, { ...properties, timeout }),
    );
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
      this.host,
      queue,
      [...new Set(patterns)],
      handler,
      resolveConsumeOptions(options),
    );
    this.consumers.add(consumer);
    try {
      await this.untilReconnectDeadline('consume', (remainingMs) => consumer.start(remainingMs));
    } catch (error) {
      await consumer.close();
      throw error;
    }
    return { close: () => consumer.close() };
  }

  async deadLetters(queue: string): Promise<BusMessage[]> {
    this.assertOpen();
    return this.untilReconnectDeadline('deadLetters', (remainingMs) =>
      wire.within(remainingMs, 'deadLetters', async (signal) => {
        const connection = this.manager.connection ?? (await nextConnection(this.manager, signal));
        return wire.readDeadLetters(connection, wire.deadLetterQueue(queue));
      }),
    );
  }

  /** Closes the connection at once, without reconnecting; unacked messages go back to their queues. Idempotent. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearTimeout(this.bounceTimer);
    for (const consumer of this.consumers) consumer.abort(); // manager.close() closes their channels
    const connection = this.manager.connection;
    const gone = new Promise<void>((resolve) => connection?.once('close', () => resolve()));
    // On a dead socket the broker's CloseOk never comes: stop waiting once the socket closed, or cut it.
    await wire.quietly(() =>
      wire.within(CLOSE_TIMEOUT_MS, 'close', () => Promise.race([this.manager.close(), gone])),
    );
    wire.socketOf(connection)?.destroy();
  }

  /**
   * Test hook: kills the TCP socket under the current connection without an AMQP close, as a crashed broker or
   * network would. The bus then reconnects like after any unexpected connection loss.
   */
  destroySocketForTesting(): void {
    wire.socketOf(this.manager.connection)?.destroy(new Error('socket destroyed by test hook'));
  }

  /**
   * Runs `operation` with the time left, again whenever a connection loss cut it, until reconnectWaitMs passed.
   * Broker refusals (nack, channel errors) fail at once.
   */
  private async untilReconnectDeadline<T>(
    what: string,
    operation: (remainingMs: number) => Promise<T>,
  ): Promise<T> {
    const deadline = Date.now() + this.settings.reconnectWaitMs;
    const policy = retry(
      handleWhen((error) => !this.closed && wire.isConnectionLoss(error) && Date.now() < deadline),
      { maxAttempts: Number.MAX_SAFE_INTEGER, backoff: new ConstantBackoff(50) },
    );
    try {
      return await policy.execute(() => {
        this.assertOpen();
        return operation(Math.max(1, deadline - Date.now()));
      });
    } catch (error) {
      if (this.closed) throw new Error('RabbitMqBus is closed', { cause: error });
      // The ChannelWrapper's publish timeout rejects with a bare Error('timeout').
      if (!(error instanceof TaskCancelledError) && (error as Error)?.message !== 'timeout') throw error;
      const ms = this.settings.reconnectWaitMs;
      const reason = this.manager.isConnected()
        ? `no answer within ${ms} ms`
        : `still not reconnected after ${ms} ms`;
      throw new Error(`${what}: RabbitMQ ${reason}`, { cause: error });
    }
  }

  /**
   * The broker closed a channel (an exchange or queue deleted under us, a declaration refused) while the connection
   * stays up. The manager reopens channels only on a new connection, so reconnect, after the longest backoff delay
   * so that a refusal that persists does not become a reconnect loop.
   */
  private onChannelError(err: unknown, channel: string): void {
    if (this.closed) return;
    this.logger.warn({ err, channel }, 'rabbitmq channel closed by the broker');
    if (this.bounceTimer) return;
    const connection = this.manager.connection;
    this.bounceTimer = setTimeout(() => {
      this.bounceTimer = undefined;
      if (!this.closed && connection && this.manager.connection === connection) this.manager.reconnect();
    }, this.settings.maxReconnectDelayMs);
  }

  private assertOpen(): void {
    if (this.closed) throw new Error('RabbitMqBus is closed');
  }
}

async function nextConnection(manager: AmqpConnectionManager, signal: AbortSignal): Promise<ChannelModel> {
  const [{ connection }] = (await once(manager, 'connect', { signal })) as [{ connection: ChannelModel }];
  return connection;
}

/** amqp-connection-manager takes seconds, and treats 0 as "use the heartbeat interval". */
function seconds(ms: number): number {
  return Math.max(1, ms) / 1000;
}
