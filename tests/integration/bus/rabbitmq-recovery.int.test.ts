import amqp from 'amqplib';
import { randomUUID } from 'node:crypto';
import type { BusMessage } from '../../../src/application/ports/message-bus';
import { retryDelayMs } from '../../../src/application/ports/message-bus';
import { RabbitMqBus } from '../../../src/infrastructure/bus/rabbitmq/rabbitmq-bus';
import { retryDelays } from '../../../src/infrastructure/bus/rabbitmq/rabbitmq-wire';
import { deleteTopology, memoryLogger, rabbitMqSuite } from '../../support/rabbitmq';
import { waitFor } from '../../support/wait-for';

describe('RabbitMqBus retry delays (cockatiel backoff)', () => {
  test('are the port formula base * 2^(attempt-1), the same every time (each delay is a TTL queue)', () => {
    for (const base of [0, 1, 20, 50, 1000]) {
      const expected = Array.from({ length: 12 }, (_, i) => retryDelayMs(base, i + 1));
      expect(retryDelays(base, 12)).toEqual(expected);
      expect(retryDelays(base, 12)).toEqual(retryDelays(base, 12));
    }
    expect(retryDelays(1000, 0)).toEqual([]);
  });
});

rabbitMqSuite('RabbitMqBus recovery', (url) => {
  describe('RabbitMqBus: recovery without a connection loss', () => {
    const cleanups: (() => Promise<void>)[] = [];
    afterEach(async () => {
      for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
    });

    test('connect rejects when nothing listens at the URL instead of retrying forever', async () => {
      const unreachable = new URL(url);
      unreachable.hostname = '127.0.0.1';
      unreachable.port = '1'; // tcpmux: nothing listens there
      await expect(RabbitMqBus.connect(unreachable.toString(), { logger: memoryLogger() })).rejects.toThrow(
        /ECONNREFUSED/,
      );
    });

    test('a consumer whose queue is deleted under it (channel closed, connection up) is re-declared and consumes again', async () => {
      const exchange = `test.recovery.${randomUUID().slice(0, 8)}`;
      const queue = `recovery.deleted.${randomUUID().slice(0, 8)}`;
      const logger = memoryLogger();
      const bus = await RabbitMqBus.connect(url, { logger, exchange, maxReconnectDelayMs: 200 });
      cleanups.push(async () => {
        await bus.close();
        await deleteTopology(url, [queue, `${queue}.dlq`], [exchange]);
      });
      const got: BusMessage[] = [];
      await bus.consume(queue, ['rec.*'], async (message) => void got.push(message));
      const before = msg('rec.before');
      await bus.publish(before);
      await waitFor(() => got.length === 1);

      await deleteTopology(url, [queue]); // the broker cancels the consumer; re-consuming fails with a 404
      await waitFor(() => logger.entries.some((e) => e.msg === 'rabbitmq channel closed by the broker'));
      await waitFor(() => logger.entries.some((e) => e.msg === 'rabbitmq reconnected'));
      // Messages published while the queue does not exist are dropped by the broker: wait for its consumer.
      await waitFor(async () => (await consumerCount(url, queue)) === 1);

      const after = msg('rec.after');
      await bus.publish(after);
      await waitFor(() => got.length === 2);
      expect(got).toEqual([before, after]);
    });
  });
});

async function consumerCount(url: string, queue: string): Promise<number> {
  const connection = await amqp.connect(url);
  connection.on('error', () => undefined);
  try {
    const channel = await connection.createChannel();
    channel.on('error', () => undefined);
    return (await channel.checkQueue(queue)).consumerCount;
  } catch {
    return 0; // not declared (yet)
  } finally {
    await connection.close();
  }
}

function msg(type: string): BusMessage {
  return { id: randomUUID(), type, data: { at: type }, metadata: {} };
}
