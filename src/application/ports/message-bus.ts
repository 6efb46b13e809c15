/**
 * Message bus port for the saga layer: at-least-once delivery of log events to named, durable queues.
 *
 * Delivery guarantees every adapter gives (checked by tests/contract/bus.contract.ts):
 * - a queue only receives messages published after it was first declared by `consume` (like a queue that is
 *   not bound yet); once declared it keeps receiving them, also while no consumer is attached;
 * - per queue, messages are handed to the handler in publish order, at most `prefetch` at a time;
 * - a message can be delivered more than once (retries, crashes): handlers must dedupe on `BusMessage.id`.
 */
export interface BusMessage {
  /** The log event id: consumers dedupe on it. */
  id: string;
  type: string;
  data: unknown;
  metadata: Record<string, unknown>;
}

export interface ConsumeOptions {
  /** Handler calls in flight at once for this consumer; default 1 (strictly sequential). */
  prefetch?: number;
  /** Attempts after the first before dead-lettering, default 5. */
  maxRetries?: number;
  /** Base delay before a retry, default 1000 ms; grows: base * 2^(attempt-1) after the failed attempt `attempt`. */
  retryDelayMs?: number;
}

export type MessageHandler = (
  message: BusMessage,
  context: { attempt: number; redelivered: boolean },
) => Promise<void>;

export interface Subscription {
  /** Stops new deliveries and waits (bounded) for the handler calls in flight; messages stay in the queue. */
  close(): Promise<void>;
}

export interface MessageBus {
  /** Resolves once the broker confirmed the message is stored (publisher confirms). routingKey = message type by default. */
  publish(message: BusMessage, routingKey?: string): Promise<void>;
  /**
   * Durable queue `queue` bound to the given routing key patterns (topic syntax: '#', '*'). The handler's promise
   * resolving = ack; rejecting = retry with growing delay, then dead-letter queue `${queue}.dlq`.
   */
  consume(
    queue: string,
    patterns: string[],
    handler: MessageHandler,
    options?: ConsumeOptions,
  ): Promise<Subscription>;
  /** Messages currently in the dead-letter queue of `queue` (for tests/ops); does not remove them. */
  deadLetters(queue: string): Promise<BusMessage[]>;
  /** Stops all delivery at once (close subscriptions first to let handlers finish); idempotent. */
  close(): Promise<void>;
}

export const MESSAGE_BUS = Symbol.for('MessageBus');

export const DEFAULT_CONSUME_OPTIONS: Readonly<Required<ConsumeOptions>> = Object.freeze({
  prefetch: 1,
  maxRetries: 5,
  retryDelayMs: 1000,
});

/** Fills in defaults and rejects nonsense values. */
export function resolveConsumeOptions(options: ConsumeOptions = {}): Required<ConsumeOptions> {
  const resolved = { ...DEFAULT_CONSUME_OPTIONS, ...stripUndefined(options) };
  if (!Number.isInteger(resolved.prefetch) || resolved.prefetch < 1) {
    throw new RangeError(`prefetch must be an integer >= 1, got ${resolved.prefetch}`);
  }
  if (!Number.isInteger(resolved.maxRetries) || resolved.maxRetries < 0) {
    throw new RangeError(`maxRetries must be an integer >= 0, got ${resolved.maxRetries}`);
  }
  if (!Number.isInteger(resolved.retryDelayMs) || resolved.retryDelayMs < 0) {
    throw new RangeError(`retryDelayMs must be an integer >= 0, got ${resolved.retryDelayMs}`);
  }
  return resolved;
}

/** Delay before the retry that follows the failed attempt `attempt` (1-based). */
export function retryDelayMs(baseDelayMs: number, failedAttempt: number): number {
  return baseDelayMs * 2 ** (failedAttempt - 1);
}

function stripUndefined(options: ConsumeOptions): ConsumeOptions {
  return Object.fromEntries(Object.entries(options).filter(([, value]) => value !== undefined));
}
