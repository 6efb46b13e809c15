import { randomUUID } from 'node:crypto';
import type { ConfirmChannel, ConsumeMessage } from 'amqplib';
import type { AmqpConnectionManager, ChannelWrapper } from 'amqp-connection-manager';
import type { BusMessage, ConsumeOptions, MessageHandler } from '../../../application/ports/message-bus';
import * as wire from './rabbitmq-wire';

/** Structured logger; a pino logger fits. */
export interface BusLogger {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

/** What a consumer needs from its bus. */
export interface ConsumerHost {
  readonly manager: AmqpConnectionManager;
  readonly exchange: string;
  readonly logger: BusLogger;
  readonly drainTimeoutMs: number;
  /** The broker closed a channel of a running consumer: the manager reopens channels only on a new connection. */
  onChannelError(error: unknown, where: string): void;
  forget(consumer: RabbitConsumer): void;
}

/**
 * One `consume` call on its own ChannelWrapper (a confirm channel, so prefetch applies per consumer). The wrapper runs
 * `setup` (declare the topology) and re-attaches the consumer on every new connection.
 */
export class RabbitConsumer {
  private readonly wrapper: ChannelWrapper;
  /** The raw channel of the latest setup. Deliveries arrive on it and must be settled on it: tags are per channel. */
  private channel: ConfirmChannel | undefined;
  private consumerTag: string | undefined;
  private started = false;
  /** The subscription or the bus is closing: no new handler calls, no retries parked. */
  private aborted = false;
  private closing: Promise<void> | undefined;
  private readonly inFlight = new Set<Promise<void>>();
  private readonly delays: number[];

  constructor(
    private readonly host: ConsumerHost,
    readonly queue: string,
    private readonly patterns: string[],
    private readonly handler: MessageHandler,
    private readonly options: Required<ConsumeOptions>,
  ) {
    this.delays = wire.retryDelays(options.retryDelayMs, options.maxRetries);
    this.wrapper = host.manager.createChannel({
      name: `consumer ${queue}`,
      confirm: true,
      setup: (channel: ConfirmChannel) => this.setup(channel),
    });
    this.wrapper.on('error', (err: Error) =>
      host.logger.warn({ err, queue }, 'rabbitmq consumer setup failed'),
    );
  }

  /** Declares the topology and starts consuming; rejects on a refusal, or without a connection within `waitMs`. */
  async start(waitMs: number): Promise<void> {
    await wire.firstSetup(this.wrapper, waitMs, 'consume');
    if (this.consumerTag) return; // registered already: never twice on one wrapper
    const consumerTag = (this.consumerTag = randomUUID());
    try {
      await this.wrapper.consume(this.queue, (raw) => this.onMessage(raw), { noAck: false, consumerTag });
    } catch (error) {
      // The wrapper registered it before the channel went away and attaches it on the next connection.
      if (!wire.isConnectionLoss(error)) throw error;
    }
    this.started = true;
  }

  /** Graceful: stop deliveries, let handlers in flight finish (bounded), then close the channel. */
  close(): Promise<void> {
    this.closing ??= this.shutdown();
    return this.closing;
  }

  /** The bus is closing the connection (and with it this channel): no new handler calls, no retries parked. */
  abort(): void {
    this.aborted = true;
    this.closing ??= Promise.resolve();
  }

  private async setup(channel: ConfirmChannel): Promise<void> {
    // Before any await: an 'error' event without a listener would be thrown.
    channel.on('error', (error: unknown) => {
      if (this.started && !this.aborted) this.host.onChannelError(error, `consumer ${this.queue}`);
    });
    // Here rather than as a consume option: the wrapper sends that one without awaiting (or catching) it.
    await channel.prefetch(this.options.prefetch);
    await wire.declareConsumerQueues(channel, this.host.exchange, this.queue, this.patterns);
    this.channel = channel;
  }

  private onMessage(raw: ConsumeMessage): void {
    const channel = this.channel;
    if (!channel || this.aborted) return; // left unacked: the broker gives it back when the channel closes
    const task = this.handle(channel, raw);
    this.inFlight.add(task);
    void task.finally(() => this.inFlight.delete(task));
  }

  private async handle(channel: ConfirmChannel, raw: ConsumeMessage): Promise<void> {
    let message: BusMessage;
    try {
      message = wire.decodeMessage(raw, true);
    } catch (err) {
      // Not ours to retry: the queue's dead-letter arguments send it to the dlq.
      this.host.logger.error({ err, queue: this.queue }, 'undecodable message dead-lettered');
      return settle(() => channel.nack(raw, false, false));
    }
    const attempt = wire.readAttempt(raw.properties.headers);
    try {
      await this.handler(message, { attempt, redelivered: raw.fields.redelivered });
    } catch (error) {
      return this.retryOrDeadLetter(channel, raw, attempt, error);
    }
    settle(() => channel.ack(raw));
  }

  /** Parks the message (retry queue, or the dlq after maxRetries) with a confirm, and only then acks it. */
  private async retryOrDeadLetter(
    channel: ConfirmChannel,
    raw: ConsumeMessage,
    attempt: number,
    failure: unknown,
  ) {
    if (this.aborted) return; // the channel is going away; the broker requeues the message
    const headers = wire.transportFreeHeaders(raw.properties.headers);
    try {
      let target: string;
      if (attempt <= this.options.maxRetries) {
        target = await wire.declareRetryQueue(channel, this.queue, this.delays[attempt - 1]);
        headers['x-attempt'] = attempt + 1;
      } else {
        target = wire.deadLetterQueue(this.queue);
        await channel.assertQueue(target, { durable: true });
        Object.assign(headers, {
          'x-attempt': attempt,
          'x-last-error': wire.errorText(failure),
          'x-dead-lettered-at': new Date().toISOString(),
        });
        const { messageId } = raw.properties;
        const context = { err: failure, queue: this.queue, messageId, attempts: attempt };
        this.host.logger.warn(context, 'message dead-lettered after its last retry');
      }
      await wire.confirmPublish(channel, target, raw.content, wire.republishProperties(raw, headers));
    } catch (err) {
      // Could not park it: leave it unacked. A lost channel makes the broker redeliver it; otherwise give it back
      // after the base delay so a persistent problem does not spin.
      this.host.logger.warn({ err, queue: this.queue }, 'could not schedule retry; message requeued');
      if (this.channel === channel) {
        setTimeout(() => settle(() => channel.nack(raw, false, true)), this.options.retryDelayMs);
      }
      return;
    }
    settle(() => channel.ack(raw));
  }

  private async shutdown(): Promise<void> {
    const bounded = (what: string, operation: () => Promise<unknown>) =>
      wire.quietly(() => wire.within(this.host.drainTimeoutMs, what, operation));
    const tag = this.consumerTag;
    if (tag) await bounded('subscription close', () => this.wrapper.cancel(tag));
    await bounded('drain', () => Promise.all([...this.inFlight]));
    this.aborted = true;
    await bounded('channel close', () => this.wrapper.close()); // what is still unacked goes back to the queue
    this.host.forget(this);
  }
}

/** Ack/nack on the channel the message came from; if that channel is gone the broker redelivers anyway. */
function settle(operation: () => void): void {
  try {
    operation();
  } catch {
    // channel closed: nothing to do
  }
}
