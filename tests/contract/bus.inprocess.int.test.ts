import { randomUUID } from 'node:crypto';
import type { BusMessage } from '../../src/application/ports/message-bus';
import { BusClosedError, InProcessBus } from '../../src/infrastructure/bus/inprocess/in-process-bus';
import { busContract } from './bus.contract';

busContract('in-process', async () => ({
  bus: new InProcessBus({ drainTimeoutMs: 1_000 }),
  cleanup: async () => undefined,
}));

/**
 * confirmOnSettle: `publish` resolves only once every bound queue settled the message (acked or dead-lettered), so
 * a publisher that checkpoints after publish never moves past work that a crash would lose. The plain contract
 * above covers the default (publish = queued); these cover the option.
 */
describe('InProcessBus with confirmOnSettle', () => {
  let bus: InProcessBus;
  beforeEach(() => {
    bus = new InProcessBus({ drainTimeoutMs: 300, confirmOnSettle: true });
  });
  afterEach(async () => {
    await bus.close();
  });

  const msg = (type = 'order.placed'): BusMessage => ({ id: randomUUID(), type, data: {}, metadata: {} });
  /** Resolves to 'settled' or 'pending' after letting the event loop run for `ms`. */
  const stateAfter = async (publish: Promise<void>, ms = 50) =>
    Promise.race([
      publish.then(() => 'settled' as const),
      new Promise<'pending'>((resolve) => setTimeout(() => resolve('pending'), ms)),
    ]);
  const gate = () => {
    let open!: () => void;
    const opened = new Promise<void>((resolve) => (open = resolve));
    return { open, opened };
  };

  test('publish resolves only after the handler resolved', async () => {
    const { open, opened } = gate();
    let handled = 0;
    await bus.consume('q', ['order.*'], async () => {
      await opened;
      handled += 1;
    });
    const publish = bus.publish(msg());
    expect(await stateAfter(publish)).toBe('pending');
    open();
    await publish;
    expect(handled).toBe(1);
  });

  test('publish to no bound queue resolves at once (nothing to wait for)', async () => {
    await bus.consume('q', ['order.*'], async () => undefined);
    expect(await stateAfter(bus.publish(msg('seat.held')))).toBe('settled');
  });

  test('waits for every queue the message was routed to', async () => {
    const { open, opened } = gate();
    await bus.consume('fast', ['order.*'], async () => undefined);
    await bus.consume('slow', ['order.#'], async () => opened);
    const publish = bus.publish(msg());
    expect(await stateAfter(publish)).toBe('pending');
    open();
    await expect(publish).resolves.toBeUndefined();
  });

  test('stays pending while the message is retried, resolves when a retry succeeds', async () => {
    const attempts: number[] = [];
    await bus.consume(
      'q',
      ['order.*'],
      async (_m, ctx) => {
        attempts.push(ctx.attempt);
        if (ctx.attempt < 3) throw new Error('not yet');
      },
      { retryDelayMs: 20, maxRetries: 5 },
    );
    await bus.publish(msg());
    expect(attempts).toEqual([1, 2, 3]);
  });

  test('a dead-lettered message counts as settled', async () => {
    await bus.consume(
      'q',
      ['order.*'],
      async () => {
        throw new Error('poison');
      },
      { retryDelayMs: 5, maxRetries: 2 },
    );
    const message = msg();
    await bus.publish(message);
    expect((await bus.deadLetters('q')).map((m) => m.id)).toEqual([message.id]);
  });

  test('a queue without a consumer holds publish until one attaches and handles it', async () => {
    const first = await bus.consume('q', ['order.*'], async () => undefined);
    await first.close();
    const publish = bus.publish(msg());
    expect(await stateAfter(publish)).toBe('pending');
    let handled = 0;
    await bus.consume('q', ['order.*'], async () => void (handled += 1));
    await publish;
    expect(handled).toBe(1);
  });

  test('a message given back by a timed-out close settles when its redelivery is handled', async () => {
    const { opened } = gate(); // never opens: the first handler hangs
    const first = await bus.consume('q', ['order.*'], async () => opened);
    const publish = bus.publish(msg());
    await new Promise((r) => setTimeout(r, 20));
    await first.close(); // times out after 300 ms, gives the message back
    expect(await stateAfter(publish)).toBe('pending');
    const seen: boolean[] = [];
    await bus.consume('q', ['order.*'], async (_m, ctx) => void seen.push(ctx.redelivered));
    await publish;
    expect(seen).toEqual([true]);
  });

  test('close() rejects pending publishes instead of hanging them', async () => {
    const { opened } = gate();
    await bus.consume('q', ['order.*'], async () => opened);
    const retrying = new InProcessBus({ confirmOnSettle: true });
    await retrying.consume(
      'r',
      ['order.*'],
      async () => {
        throw new Error('always');
      },
      { retryDelayMs: 10_000 },
    );
    const inHandler = bus.publish(msg());
    const inBackoff = retrying.publish(msg());
    await new Promise((r) => setTimeout(r, 20));
    await Promise.all([bus.close(), retrying.close()]);
    await expect(inHandler).rejects.toBeInstanceOf(BusClosedError);
    await expect(inBackoff).rejects.toBeInstanceOf(BusClosedError);
  });
});
