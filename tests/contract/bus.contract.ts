import { randomUUID } from 'node:crypto';
import type { BusMessage, MessageBus, MessageHandler } from '../../src/application/ports/message-bus';

/**
 * What a test needs from an adapter. The suite closes `bus` after each test, then calls `cleanup`. Routing tests use
 * fixed routing keys ('order.created', 'event.seat.held', ...), so the factory must give each bus its own namespace
 * (the RabbitMQ fixture uses a fresh exchange); queue names carry a random suffix. Configure the adapter's drain
 * timeout (how long Subscription.close waits for a handler) to about 1 s: the suite checks both sides of it.
 */
export interface BusFixture {
  bus: MessageBus;
  cleanup(): Promise<void>;
}

/** Longest any single wait may take, so a lost message fails the test instead of hanging it. */
const WAIT_MS = 15_000;
/** How long "nothing more arrives" is watched for. */
const QUIET_MS = 400;
/** Retry base delay used by the tests. */
const RETRY_MS = 20;

interface Delivery {
  message: BusMessage;
  attempt: number;
  redelivered: boolean;
  at: number;
}

/** The MessageBus port's behaviour, runnable against every adapter. */
export function busContract(name: string, factory: () => Promise<BusFixture>): void {
  describe(`MessageBus contract: ${name}`, () => {
    let fixture: BusFixture | undefined;
    let bus: MessageBus;

    beforeEach(async () => {
      fixture = await factory();
      bus = fixture.bus;
    });

    afterEach(async () => {
      const current = fixture;
      fixture = undefined;
      if (!current) return; // the factory (or a beforeAll of the caller) failed
      try {
        await current.bus.close();
      } finally {
        await current.cleanup();
      }
    });

    test('delivers messages of one queue in publish order, one at a time with prefetch 1', async () => {
      const queue = queueName('order');
      const seen: number[] = [];
      let running = 0;
      let maxRunning = 0;
      await bus.consume(
        queue,
        ['order.*'],
        async (message) => {
          running++;
          maxRunning = Math.max(maxRunning, running);
          await sleep(2);
          seen.push((message.data as { n: number }).n);
          running--;
        },
        { prefetch: 1 },
      );
      for (let n = 0; n < 20; n++) await bus.publish(msg('order.placed', { n }));
      await waitFor(() => seen.length === 20);
      expect(seen).toEqual([...Array(20).keys()]);
      expect(maxRunning).toBe(1);
    });

    test('prefetch n allows n handler calls in flight, never more', async () => {
      const queue = queueName('prefetch');
      let running = 0;
      let maxRunning = 0;
      let done = 0;
      let release!: () => void;
      const gate = new Promise<void>((resolve) => (release = resolve));
      await bus.consume(
        queue,
        ['job.*'],
        async () => {
          running++;
          maxRunning = Math.max(maxRunning, running);
          await gate;
          running--;
          done++;
        },
        { prefetch: 3 },
      );
      for (let n = 0; n < 6; n++) await bus.publish(msg('job.run', { n }));
      await waitFor(() => running === 3);
      await sleep(QUIET_MS);
      expect(running).toBe(3);
      release();
      await waitFor(() => done === 6);
      expect(maxRunning).toBe(3);
    });

    test('routes by topic pattern: * is one word, # is zero or more; default routing key is the type', async () => {
      const orders = queueName('orders');
      const events = queueName('events');
      const orderKeys: string[] = [];
      const eventKeys: string[] = [];
      await bus.consume(orders, ['order.*'], async (m) => void orderKeys.push(m.metadata.key as string));
      await bus.consume(events, ['event.#'], async (m) => void eventKeys.push(m.metadata.key as string));

      const keys = [
        'order.created',
        'order.created.v2',
        'order',
        'event',
        'event.seat.held',
        'events.x',
        'other.thing',
      ];
      for (const key of keys) await bus.publish(msg('test.routed', {}, { key }), key);
      await bus.publish(msg('order.placed', {}, { key: 'type:order.placed' })); // no routing key: type is used
      await bus.publish(msg('test.marker', {}, { key: 'order.done' }), 'order.done');
      await bus.publish(msg('test.marker', {}, { key: 'event.done' }), 'event.done');

      // Per queue, the marker arrives after everything published before it.
      await waitFor(() => orderKeys.includes('order.done') && eventKeys.includes('event.done'));
      expect(orderKeys).toEqual(['order.created', 'type:order.placed', 'order.done']);
      expect(eventKeys).toEqual(['event', 'event.seat.held', 'event.done']);
    });

    test('every queue bound to a key gets its own copy', async () => {
      const a = queueName('copy-a');
      const b = queueName('copy-b');
      const gotA: BusMessage[] = [];
      const gotB: BusMessage[] = [];
      await bus.consume(a, ['seat.held'], async (m) => void gotA.push(m));
      await bus.consume(b, ['seat.#'], async (m) => void gotB.push(m));
      const message = msg('seat.held', { seat: 'A-1' });
      await bus.publish(message);
      await waitFor(() => gotA.length === 1 && gotB.length === 1);
      await sleep(QUIET_MS);
      expect(gotA).toEqual([message]);
      expect(gotB).toEqual([message]);
    });

    test('a message arrives with id, type, data and metadata intact', async () => {
      const queue = queueName('intact');
      const got: Delivery[] = [];
      await bus.consume(queue, ['ticket.#'], recorder(got));
      const message: BusMessage = {
        id: randomUUID(),
        type: 'ticket.issued',
        data: {
          ticketId: 't-1',
          seats: ['A-1', 'A-2'],
          price: { amount: 129.5, currency: 'EUR' },
          count: 2,
          big: 9_007_199_254_740_991,
          negative: -40_000,
          vip: false,
          note: null,
          text: 'Grüße – 🎫 "quoted" \\ back',
        },
        metadata: {
          correlationId: randomUUID(),
          causationId: randomUUID(),
          userId: 'u-42',
          streamRevision: 7,
          globalPosition: 1_234_567_890_123,
          ratio: 0.25,
          replay: true,
          tenant: null,
          tags: ['a', 'b'],
          origin: { service: 'sales', region: 'eu' },
        },
      };
      await bus.publish(message);
      await waitFor(() => got.length === 1);
      expect(got[0].message).toEqual(message);
      expect(got[0].attempt).toBe(1);
      expect(got[0].redelivered).toBe(false);
    });

    test('a handler failing twice then succeeding is called 3 times (attempt 1, 2, 3) with growing delays', async () => {
      const queue = queueName('flaky');
      const calls: Delivery[] = [];
      let succeeded = 0;
      await bus.consume(
        queue,
        ['payment.*'],
        async (message, context) => {
          calls.push({ message, ...context, at: Date.now() });
          if (context.attempt < 3) throw new Error(`transient failure ${context.attempt}`);
          succeeded++;
        },
        { maxRetries: 5, retryDelayMs: 50 },
      );
      const message = msg('payment.captured', { amount: 10 });
      await bus.publish(message);
      await waitFor(() => succeeded === 1);
      await sleep(QUIET_MS);
      expect(calls.map((c) => c.attempt)).toEqual([1, 2, 3]);
      expect(succeeded).toBe(1);
      for (const call of calls) expect(call.message).toEqual(message);
      // retryDelayMs * 2^(attempt-1): 50 ms after attempt 1, 100 ms after attempt 2 (a little slack for timers)
      expect(calls[1].at - calls[0].at).toBeGreaterThanOrEqual(45);
      expect(calls[2].at - calls[1].at).toBeGreaterThanOrEqual(90);
      expect(await bus.deadLetters(queue)).toEqual([]);
    });

    test('a poison message is dead-lettered after maxRetries + 1 attempts and not delivered again', async () => {
      const queue = queueName('poison');
      const calls: Delivery[] = [];
      await bus.consume(
        queue,
        ['poison.*'],
        async (message, context) => {
          calls.push({ message, ...context, at: Date.now() });
          throw new Error('always fails');
        },
        { maxRetries: 2, retryDelayMs: RETRY_MS },
      );
      const poison = msg('poison.pill', { deadly: true }, { correlationId: 'c-1' });
      await bus.publish(poison);

      let dead: BusMessage[] = [];
      await waitFor(async () => (dead = await bus.deadLetters(queue)).length === 1);
      expect(dead).toEqual([poison]);
      await sleep(QUIET_MS);
      expect(calls.map((c) => c.attempt)).toEqual([1, 2, 3]);
      // reading the dead letters does not remove them
      expect(await bus.deadLetters(queue)).toEqual([poison]);
    });

    test('a poison message does not block the messages behind it', async () => {
      const queue = queueName('poison-order');
      const ok: number[] = [];
      await bus.consume(
        queue,
        ['mixed.*'],
        async (message) => {
          const { n } = message.data as { n: number };
          if (n === 0) throw new Error('poison');
          ok.push(n);
        },
        { maxRetries: 1, retryDelayMs: RETRY_MS },
      );
      for (let n = 0; n < 4; n++) await bus.publish(msg('mixed.item', { n }));
      await waitFor(() => ok.length === 3);
      await waitFor(async () => (await bus.deadLetters(queue)).length === 1);
      expect(ok).toEqual([1, 2, 3]);
    });

    test('deadLetters of a queue without dead letters (or never declared) is empty', async () => {
      const queue = queueName('clean');
      expect(await bus.deadLetters(queue)).toEqual([]);
      await bus.consume(queue, ['clean.*'], async () => undefined);
      expect(await bus.deadLetters(queue)).toEqual([]);
    });

    test('closing a subscription stops delivery; the queue keeps messages for the next consumer', async () => {
      const queue = queueName('closing');
      const first: BusMessage[] = [];
      const subscription = await bus.consume(queue, ['audit.*'], async (m) => void first.push(m));
      const m1 = msg('audit.logged', { n: 1 });
      await bus.publish(m1);
      await waitFor(() => first.length === 1);

      await subscription.close();
      const m2 = msg('audit.logged', { n: 2 });
      await bus.publish(m2);
      await sleep(QUIET_MS);
      expect(first).toEqual([m1]);

      const second: BusMessage[] = [];
      await bus.consume(queue, ['audit.*'], async (m) => void second.push(m));
      await waitFor(() => second.length === 1);
      expect(second).toEqual([m2]);
    });

    test('subscription close waits for the handler call in flight, which is then acked', async () => {
      const queue = queueName('drain');
      let finished = 0;
      const started: BusMessage[] = [];
      const subscription = await bus.consume(queue, ['drain.*'], async (m) => {
        started.push(m);
        await sleep(100);
        finished++;
      });
      await bus.publish(msg('drain.me', {}));
      await waitFor(() => started.length === 1);
      await subscription.close();
      expect(finished).toBe(1);

      const again: BusMessage[] = [];
      await bus.consume(queue, ['drain.*'], async (m) => void again.push(m));
      await sleep(QUIET_MS);
      expect(again).toEqual([]);
    });

    test('a subscription closed while its handler hangs gives the message back, flagged redelivered', async () => {
      const queue = queueName('stuck');
      const stuck: Delivery[] = [];
      const subscription = await bus.consume(queue, ['stuck.*'], (message, context) => {
        stuck.push({ message, ...context, at: Date.now() });
        return new Promise<void>(() => undefined);
      });
      const message = msg('stuck.job', { n: 1 });
      await bus.publish(message);
      await waitFor(() => stuck.length === 1);
      await subscription.close(); // returns after the drain timeout

      const next: Delivery[] = [];
      await bus.consume(queue, ['stuck.*'], recorder(next));
      await waitFor(() => next.length === 1);
      expect(next[0]).toMatchObject({ message, attempt: 1, redelivered: true });
      expect(stuck).toHaveLength(1);
    });

    test('closing the bus stops delivery and later calls reject', async () => {
      const queue = queueName('bus-close');
      const got: BusMessage[] = [];
      await bus.consume(queue, ['close.*'], async (m) => void got.push(m));
      await bus.publish(msg('close.one', {}));
      await waitFor(() => got.length === 1);
      await bus.close();
      await bus.close(); // idempotent
      await expect(bus.publish(msg('close.two', {}))).rejects.toThrow();
      await expect(
        bus.consume(queueName('after-close'), ['close.*'], async () => undefined),
      ).rejects.toThrow();
      await sleep(QUIET_MS);
      expect(got).toHaveLength(1);
    });

    test('delivery is asynchronous: the handler never runs inside publish', async () => {
      const queue = queueName('async');
      let publishing = false;
      let ranInsidePublish = false;
      let calls = 0;
      await bus.consume(queue, ['async.*'], async () => {
        if (publishing) ranInsidePublish = true;
        calls++;
      });
      publishing = true;
      const published = bus.publish(msg('async.one', {}));
      publishing = false;
      await published;
      await waitFor(() => calls === 1);
      expect(ranInsidePublish).toBe(false);
    });
  });
}

function recorder(into: Delivery[]): MessageHandler {
  return async (message, context) => {
    into.push({ message, ...context, at: Date.now() });
  };
}

function queueName(label: string): string {
  return `contract.${label}.${randomUUID().slice(0, 8)}`;
}

function msg(type: string, data: unknown, metadata: Record<string, unknown> = {}): BusMessage {
  return { id: randomUUID(), type, data, metadata };
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

async function waitFor(condition: () => boolean | Promise<boolean>, timeoutMs = WAIT_MS): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline)
      throw new Error(`condition not met within ${timeoutMs} ms: ${condition.toString()}`);
    await sleep(10);
  }
}
