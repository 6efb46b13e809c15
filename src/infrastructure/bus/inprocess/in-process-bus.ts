import { Subject, Subscription as RxSubscription, asapScheduler, observeOn } from 'rxjs';
import {
  BusMessage,
  ConsumeOptions,
  MessageBus,
  MessageHandler,
  Subscription,
  resolveConsumeOptions,
  retryDelayMs,
} from '../../../application/ports/message-bus';

export interface InProcessBusOptions {
  /** How long `Subscription.close()` waits for handler calls in flight before giving their messages back; default 10 s. */
  drainTimeoutMs?: number;
  /**
   * `publish` resolves only once every queue the message was routed to has settled it (its handler resolved, or it
   * was dead-lettered), and rejects if the bus closes first. Memory does not survive a crash, so "queued" is not
   * "stored": with this option a publisher that checkpoints after publish (the log forwarder) never moves past
   * work that has not been done. Off by default (plain queue semantics, as the bus contract describes).
   */
  confirmOnSettle?: boolean;
}

/** Thrown to publishers still waiting for settlement when the bus closes. */
export class BusClosedError extends Error {
  constructor() {
    super('InProcessBus closed before the message was settled');
    this.name = 'BusClosedError';
  }
}

/**
 * In-memory MessageBus for tests and single-process runs, with the same delivery rules as the RabbitMQ adapter:
 *
 * - A queue exists from its first `consume` until the bus is closed. Messages published before that are NOT
 *   delivered to it (like publishing to a topic exchange nobody is bound to). Once the queue exists it keeps
 *   collecting matching messages while no consumer is attached and hands them to the next one.
 * - Delivery is asynchronous (never inside `publish`), in publish order per queue, at most `prefetch` handler calls
 *   in flight per consumer. Several consumers on one queue compete for its messages.
 * - A rejected handler promise puts the message back at the tail of the queue after retryDelayMs * 2^(attempt-1)
 *   (setTimeout); after maxRetries retries it goes to the queue's dead-letter list.
 * - Messages and their payloads are copied through JSON, so handlers see what a broker would deliver and cannot
 *   mutate the publisher's objects.
 * - Nothing survives the process: `redelivered` is only true for messages given back by a `Subscription.close()`
 *   that timed out waiting for their handler. Hence `confirmOnSettle` (see InProcessBusOptions).
 */
export class InProcessBus implements MessageBus {
  private readonly queues = new Map<string, InProcessQueue>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly drainTimeoutMs: number;
  private readonly confirmOnSettle: boolean;
  /** Publishes waiting for settlement (confirmOnSettle), failed with BusClosedError on close. */
  private readonly unsettled = new Set<Receipt>();
  private closed = false;

  constructor(options: InProcessBusOptions = {}) {
    this.drainTimeoutMs = options.drainTimeoutMs ?? 10_000;
    this.confirmOnSettle = options.confirmOnSettle ?? false;
  }

  async publish(message: BusMessage, routingKey: string = message.type): Promise<void> {
    this.assertOpen();
    const payload = serialize(message);
    const targets = [...this.queues.values()].filter((queue) => queue.matches(routingKey));
    if (!this.confirmOnSettle || targets.length === 0) {
      for (const queue of targets) queue.enqueue({ payload, attempt: 1, redelivered: false });
      return;
    }
    const settled = new Promise<void>((resolve, reject) => {
      const receipt: Receipt = {
        remaining: targets.length,
        settle: () => {
          if (--receipt.remaining > 0) return;
          this.unsettled.delete(receipt);
          resolve();
        },
        fail: (error) => {
          this.unsettled.delete(receipt);
          reject(error);
        },
      };
      this.unsettled.add(receipt);
      for (const queue of targets) queue.enqueue({ payload, attempt: 1, redelivered: false, receipt });
    });
    return settled;
  }

  async consume(
    queue: string,
    patterns: string[],
    handler: MessageHandler,
    options?: ConsumeOptions,
  ): Promise<Subscription> {
    this.assertOpen();
    if (!queue) throw new TypeError('queue name must not be empty');
    const resolved = resolveConsumeOptions(options);
    let state = this.queues.get(queue);
    if (!state) {
      state = new InProcessQueue();
      this.queues.set(queue, state);
    }
    for (const pattern of patterns) state.bind(pattern);
    const consumer = new InProcessConsumer(state, handler, resolved, this.drainTimeoutMs, (env, delayMs) =>
      this.scheduleRetry(state, env, delayMs),
    );
    state.attach(consumer);
    return { close: () => consumer.close() };
  }

  async deadLetters(queue: string): Promise<BusMessage[]> {
    return (this.queues.get(queue)?.deadLetters ?? []).map((payload) => JSON.parse(payload) as BusMessage);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    for (const queue of this.queues.values()) queue.shutdown();
    // Nothing will settle them now; rejecting (not hanging) lets publishers stop without moving a checkpoint.
    for (const receipt of [...this.unsettled]) receipt.fail(new BusClosedError());
  }

  private scheduleRetry(queue: InProcessQueue, envelope: Envelope, delayMs: number): void {
    if (this.closed) return;
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      if (!this.closed) queue.enqueue(envelope);
    }, delayMs);
    this.timers.add(timer);
  }

  private assertOpen(): void {
    if (this.closed) throw new Error('InProcessBus is closed');
  }
}

/** RabbitMQ topic matching: words separated by '.', '*' matches exactly one word, '#' zero or more. */
export function topicMatches(pattern: string, routingKey: string): boolean {
  return matchWords(pattern.split('.'), 0, routingKey.split('.'), 0);
}

function matchWords(pattern: string[], p: number, key: string[], k: number): boolean {
  if (p === pattern.length) return k === key.length;
  const word = pattern[p];
  if (word === '#') {
    for (let next = k; next <= key.length; next++) {
      if (matchWords(pattern, p + 1, key, next)) return true;
    }
    return false;
  }
  if (k === key.length) return false;
  return (word === '*' || word === key[k]) && matchWords(pattern, p + 1, key, k + 1);
}

/** A message in a queue; `payload` is the JSON of the BusMessage, so every delivery gets a fresh copy. */
interface Envelope {
  payload: string;
  attempt: number;
  redelivered: boolean;
  /** confirmOnSettle: told when this queue is done with the message (acked or dead-lettered). */
  receipt?: Receipt;
}

interface Receipt {
  /** Queues that have not settled the message yet. */
  remaining: number;
  settle(): void;
  fail(error: Error): void;
}

class InProcessQueue {
  /** Everything entering the queue goes through here and is handed on asynchronously (never inside publish). */
  private readonly inbox = new Subject<Envelope>();
  private readonly inboxSubscription: RxSubscription;
  private readonly ready: Envelope[] = [];
  private readonly patterns = new Set<string>();
  private readonly consumers: InProcessConsumer[] = [];
  private nextConsumer = 0;
  private stopped = false;
  readonly deadLetters: string[] = [];

  constructor() {
    this.inboxSubscription = this.inbox.pipe(observeOn(asapScheduler)).subscribe((envelope) => {
      this.ready.push(envelope);
      this.dispatch();
    });
  }

  bind(pattern: string): void {
    this.patterns.add(pattern);
  }

  matches(routingKey: string): boolean {
    for (const pattern of this.patterns) {
      if (topicMatches(pattern, routingKey)) return true;
    }
    return false;
  }

  enqueue(envelope: Envelope): void {
    if (!this.stopped) this.inbox.next(envelope);
  }

  /** Puts messages back at the head of the queue (in their order), e.g. when their consumer went away. */
  giveBack(envelopes: Envelope[]): void {
    if (this.stopped) return;
    this.ready.unshift(...envelopes);
    this.dispatch();
  }

  deadLetter(envelope: Envelope): void {
    this.deadLetters.push(envelope.payload);
    envelope.receipt?.settle();
  }

  attach(consumer: InProcessConsumer): void {
    this.consumers.push(consumer);
    this.dispatch();
  }

  detach(consumer: InProcessConsumer): void {
    const index = this.consumers.indexOf(consumer);
    if (index >= 0) this.consumers.splice(index, 1);
  }

  /** Hands ready messages, oldest first, to consumers with free capacity (round robin). */
  dispatch(): void {
    while (!this.stopped && this.ready.length > 0) {
      const consumer = this.freeConsumer();
      if (!consumer) return;
      consumer.deliver(this.ready.shift()!);
    }
  }

  shutdown(): void {
    this.stopped = true;
    this.ready.length = 0;
    for (const consumer of this.consumers) consumer.abandon();
    this.consumers.length = 0;
    this.inboxSubscription.unsubscribe();
    this.inbox.complete();
  }

  private freeConsumer(): InProcessConsumer | undefined {
    for (let i = 0; i < this.consumers.length; i++) {
      const index = (this.nextConsumer + i) % this.consumers.length;
      const consumer = this.consumers[index];
      if (consumer.hasCapacity()) {
        this.nextConsumer = (index + 1) % this.consumers.length;
        return consumer;
      }
    }
    return undefined;
  }
}

interface Delivery {
  envelope: Envelope;
  /** Set when the message was given back (or the bus closed): the handler's outcome no longer counts. */
  abandoned: boolean;
  done: Promise<void>;
}

class InProcessConsumer {
  private readonly inFlight = new Set<Delivery>();
  private active = true;
  private closing: Promise<void> | undefined;

  constructor(
    private readonly queue: InProcessQueue,
    private readonly handler: MessageHandler,
    private readonly options: Required<ConsumeOptions>,
    private readonly drainTimeoutMs: number,
    private readonly retry: (envelope: Envelope, delayMs: number) => void,
  ) {}

  hasCapacity(): boolean {
    return this.active && this.inFlight.size < this.options.prefetch;
  }

  deliver(envelope: Envelope): void {
    const delivery: Delivery = { envelope, abandoned: false, done: Promise.resolve() };
    this.inFlight.add(delivery);
    delivery.done = this.run(delivery).finally(() => {
      this.inFlight.delete(delivery);
      this.queue.dispatch();
    });
  }

  close(): Promise<void> {
    this.closing ??= this.drain();
    return this.closing;
  }

  /** The bus closed: stop at once, outcomes of running handlers are ignored. */
  abandon(): void {
    this.active = false;
    this.closing ??= Promise.resolve(); // nothing left to drain into
    for (const delivery of this.inFlight) delivery.abandoned = true;
  }

  private async drain(): Promise<void> {
    this.active = false;
    this.queue.detach(this);
    const pending = [...this.inFlight];
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, this.drainTimeoutMs);
    });
    await Promise.race([Promise.all(pending.map((delivery) => delivery.done)), timedOut]);
    clearTimeout(timer);
    const stuck = pending.filter((delivery) => this.inFlight.has(delivery));
    for (const delivery of stuck) delivery.abandoned = true;
    // Like a broker requeueing unacked messages when a channel closes: they come back, flagged redelivered.
    this.queue.giveBack(stuck.map((delivery) => ({ ...delivery.envelope, redelivered: true })));
  }

  private async run(delivery: Delivery): Promise<void> {
    const { envelope } = delivery;
    try {
      await this.handler(JSON.parse(envelope.payload) as BusMessage, {
        attempt: envelope.attempt,
        redelivered: envelope.redelivered,
      });
      // A handler that finished after its message was given back: the redelivered copy will settle it.
      if (!delivery.abandoned) envelope.receipt?.settle();
      return;
    } catch {
      if (delivery.abandoned) return;
    }
    if (envelope.attempt <= this.options.maxRetries) {
      this.retry(
        {
          payload: envelope.payload,
          attempt: envelope.attempt + 1,
          redelivered: false,
          receipt: envelope.receipt,
        },
        retryDelayMs(this.options.retryDelayMs, envelope.attempt),
      );
    } else {
      this.queue.deadLetter(envelope);
    }
  }
}

function serialize(message: BusMessage): string {
  if (typeof message.id !== 'string' || message.id === '') {
    throw new TypeError('message.id must be a non-empty string');
  }
  if (typeof message.type !== 'string' || message.type === '') {
    throw new TypeError('message.type must be a non-empty string');
  }
  return JSON.stringify({
    id: message.id,
    type: message.type,
    data: message.data ?? null,
    metadata: message.metadata ?? {},
  });
}
