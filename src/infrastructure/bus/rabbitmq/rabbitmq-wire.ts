import type { ChannelModel, ConfirmChannel, Message, MessagePropertyHeaders, Options } from 'amqplib';
import type { ChannelWrapper } from 'amqp-connection-manager';
import {
  ExponentialBackoff,
  TaskCancelledError,
  TimeoutStrategy,
  noJitterGenerator,
  timeout,
} from 'cockatiel';
import type { BusMessage } from '../../../application/ports/message-bus';

/**
 * What travels and where (see RabbitMqBus): message encoding, the queues and their arguments, and the few channel
 * operations the bus runs itself (a confirmed publish on a consumer's own channel, reading a dlq, bounded waits).
 */

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

/** Body = JSON of `data`; messageId = id, type = type, headers = metadata; persistent. */
export function encodeMessage(message: BusMessage): { content: Buffer; properties: Options.Publish } {
  if (typeof message.id !== 'string' || message.id === '') {
    throw new TypeError('message.id must be a non-empty string');
  }
  if (typeof message.type !== 'string' || message.type === '') {
    throw new TypeError('message.type must be a non-empty string');
  }
  const metadata = jsonValues(message.metadata ?? {});
  for (const key of Object.keys(metadata)) {
    if (TRANSPORT_HEADERS.has(key)) throw new TypeError(`metadata key '${key}' is reserved for the bus`);
  }
  return {
    content: Buffer.from(JSON.stringify(message.data ?? null), 'utf8'),
    properties: {
      persistent: true,
      messageId: message.id,
      type: message.type,
      contentType: 'application/json',
      timestamp: Math.floor(Date.now() / 1000),
      headers: metadata,
    },
  };
}

/**
 * The values a JSON consumer would see (dates become strings, undefined disappears): a JSON round trip, skipped
 * for the usual metadata of strings, finite numbers, booleans and nulls, which it would copy unchanged.
 */
function jsonValues(metadata: Record<string, unknown>): Record<string, unknown> {
  for (const key in metadata) {
    const value = metadata[key];
    const plain =
      value === null ||
      typeof value === 'string' ||
      typeof value === 'boolean' ||
      (typeof value === 'number' && Number.isFinite(value));
    if (!plain || !Object.prototype.hasOwnProperty.call(metadata, key))
      return JSON.parse(JSON.stringify(metadata)) as Record<string, unknown>;
  }
  return { ...metadata };
}

/** Properties for parking a delivered message in a retry queue or the dlq, with the given headers. */
export function republishProperties(raw: Message, headers: Record<string, unknown>): Options.Publish {
  const { messageId, type, contentType, contentEncoding, timestamp, correlationId, appId } = raw.properties;
  return {
    persistent: true,
    messageId,
    type,
    contentType,
    contentEncoding,
    timestamp,
    correlationId,
    appId,
    headers,
  };
}

/** strict: the message must look like one we published (consumers); otherwise best effort (dead-letter listing). */
export function decodeMessage(raw: Message, strict: boolean): BusMessage {
  const { messageId, type, contentType } = raw.properties as Partial<
    Record<'messageId' | 'type' | 'contentType', unknown>
  >;
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
  const id = typeof messageId === 'string' ? messageId : '';
  return { id, type: typeof type === 'string' ? type : raw.fields.routingKey, data, metadata };
}

export function transportFreeHeaders(headers: MessagePropertyHeaders | undefined): Record<string, unknown> {
  return Object.fromEntries(Object.entries(headers ?? {}).filter(([key]) => !TRANSPORT_HEADERS.has(key)));
}

/** 1-based attempt number a delivery carries (set when the bus parked it for a retry). */
export function readAttempt(headers: MessagePropertyHeaders | undefined): number {
  const value: unknown = headers?.['x-attempt'];
  return typeof value === 'number' && Number.isInteger(value) && value >= 1 ? value : 1;
}

/** The handler's failure as stored in `x-last-error` (bounded: headers travel with every copy). */
export function errorText(error: unknown): string {
  const text = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  return text.length > 1000 ? `${text.slice(0, 1000)}…` : text;
}

export function deadLetterQueue(queue: string): string {
  return `${queue}.dlq`;
}

export async function declareExchange(channel: ConfirmChannel, exchange: string): Promise<void> {
  await channel.assertExchange(exchange, 'topic', { durable: true });
}

/** Queue `queue` bound to `patterns`; the broker dead-letters what it rejects (undecodable) into its durable dlq. */
export async function declareConsumerQueues(
  channel: ConfirmChannel,
  exchange: string,
  queue: string,
  patterns: string[],
): Promise<void> {
  const dlq = deadLetterQueue(queue);
  await declareExchange(channel, exchange);
  await channel.assertQueue(dlq, { durable: true });
  await channel.assertQueue(queue, {
    durable: true,
    arguments: { 'x-dead-letter-exchange': '', 'x-dead-letter-routing-key': dlq },
  });
  for (const pattern of patterns) await channel.bindQueue(queue, exchange, pattern);
}

/** `queue.retry.<delay>`: holds a message for `delay` ms, then the broker dead-letters it back into `queue`. */
export async function declareRetryQueue(
  channel: ConfirmChannel,
  queue: string,
  delayMs: number,
): Promise<string> {
  const name = `${queue}.retry.${delayMs}`;
  const args = { 'x-message-ttl': delayMs, 'x-dead-letter-exchange': '', 'x-dead-letter-routing-key': queue };
  await channel.assertQueue(name, { durable: true, arguments: args });
  return name;
}

/**
 * Delays before the retries after failed attempts 1..maxRetries: base * 2^(attempt-1) (the port's `retryDelayMs`),
 * without jitter: every distinct delay is a queue of its own, so they must be the same for every message.
 */
export function retryDelays(baseMs: number, maxRetries: number): number[] {
  const delays: number[] = [];
  const options = { generator: noJitterGenerator, initialDelay: baseMs, maxDelay: Number.POSITIVE_INFINITY };
  for (let b = new ExponentialBackoff(options).next(); delays.length < maxRetries; b = b.next(undefined)) {
    delays.push(b.duration);
  }
  return delays;
}

/** Publishes on a raw confirm channel; resolves when the broker confirmed it (rejects on nack or channel loss). */
export function confirmPublish(
  channel: ConfirmChannel,
  queue: string,
  content: Buffer,
  options: Options.Publish,
): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    try {
      channel.sendToQueue(queue, content, options, (error: unknown) =>
        error ? reject(asError(error)) : resolve(),
      );
    } catch (error) {
      reject(asError(error));
    }
  });
}

/** Every message of `dlq`, left in place: taken without ack, then the channel closes and the broker requeues them. */
export async function readDeadLetters(connection: ChannelModel, dlq: string): Promise<BusMessage[]> {
  const channel = await connection.createChannel();
  channel.on('error', () => undefined); // a missing dlq closes this throwaway channel with a 404
  try {
    try {
      await channel.checkQueue(dlq);
    } catch (error) {
      if ((error as { code?: unknown }).code === 404) return [];
      throw error;
    }
    const messages: BusMessage[] = [];
    const take = () => channel.get(dlq, { noAck: false });
    for (let m = await take(); m !== false; m = await take()) messages.push(decodeMessage(m, false));
    return messages;
  } finally {
    await quietly(() => channel.close());
  }
}

/** Resolves once the wrapper's channel is open and its setup ran; rejects on a setup error or after `ms`. */
export function firstSetup(wrapper: ChannelWrapper, ms: number, what: string): Promise<void> {
  let onError: ((error: Error) => void) | undefined;
  const failed = new Promise<never>((_, reject) => wrapper.once('error', (onError = reject)));
  return within(ms, what, () => Promise.race([wrapper.waitForConnect(), failed])).finally(() =>
    wrapper.removeListener('error', onError!),
  );
}

/**
 * Runs `operation`, rejecting with a TaskCancelledError naming `what` after `ms`; the signal then aborts, so waits
 * inside the operation that honour it are dropped instead of finishing in the background.
 */
export function within<T>(
  ms: number,
  what: string,
  operation: (signal: AbortSignal) => Promise<T>,
): Promise<T> {
  return timeout(Math.max(1, ms), TimeoutStrategy.Aggressive)
    .execute(({ signal }) => operation(signal))
    .catch((error: unknown) => {
      throw error instanceof TaskCancelledError
        ? new TaskCancelledError(`${what} timed out (${ms} ms)`)
        : error;
    });
}

/** True for "the connection or channel went away" (worth another try on the next connection); false for refusals. */
export function isConnectionLoss(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code === 'number' && CHANNEL_ERROR_CODES.has(code)) return false;
  const message = error instanceof Error ? error.message : String(error);
  if (/nacked/i.test(message)) return false;
  return (
    (error instanceof Error && error.name === 'IllegalOperationError') ||
    /closed|connection|socket|ECONNRESET|EPIPE/i.test(message)
  );
}

export async function quietly(operation: () => Promise<unknown>): Promise<void> {
  try {
    await operation();
  } catch {
    // already closed or going away
  }
}

/**
 * amqplib's multiplexer writes each frame group (a publish, an ack) to the socket on its own: one system call each,
 * thousands a second under load. Corked while the multiplexer drains the channels' buffers, the socket sends what
 * accumulated in one writev. Relies on amqplib 0.10's `connection.muxer`; leaves any other shape alone.
 */
export function batchSocketWrites(connection: ChannelModel | undefined): void {
  type Muxer = { _readIncoming?: () => void; out?: { cork?: () => void; uncork?: () => void } };
  const muxer = (connection?.connection as { muxer?: Muxer } | undefined)?.muxer;
  const readIncoming = muxer?._readIncoming;
  const out = muxer?.out;
  if (!muxer || typeof readIncoming !== 'function' || !out?.cork || !out.uncork) return;
  if ((readIncoming as { corked?: boolean }).corked) return;
  const corked = () => {
    out.cork!();
    try {
      readIncoming.call(muxer);
    } finally {
      out.uncork!();
    }
  };
  corked.corked = true;
  muxer._readIncoming = corked;
}

/** The TCP socket under an amqplib connection (amqplib keeps it on the inner connection as `stream`). */
export function socketOf(connection: ChannelModel | undefined): { destroy(error?: Error): void } | undefined {
  return (connection?.connection as { stream?: { destroy(error?: Error): void } } | undefined)?.stream;
}

function asError(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error));
}
