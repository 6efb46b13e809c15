import { randomUUID } from 'node:crypto';
import type { ChannelModel } from 'amqplib';
import { encodeMessage } from '../../../src/infrastructure/bus/rabbitmq/rabbitmq-wire';
import { rabbitBusFixture, rabbitMqSuite } from '../../support/rabbitmq';

describe('RabbitMQ wire encoding', () => {
  it('sends plain metadata as it is, in a copy', () => {
    const metadata = { correlationId: 'c', position: 12, live: true, apiKeyId: null };
    const { properties } = encodeMessage({ id: 'm1', type: 'T', data: {}, metadata });
    expect(properties.headers).toEqual(metadata);
    expect(properties.headers).not.toBe(metadata);
  });

  it('sends any other metadata as a JSON consumer would see it', () => {
    const at = new Date('2030-01-01T00:00:00.000Z');
    const { properties } = encodeMessage({
      id: 'm2',
      type: 'T',
      data: {},
      metadata: { at, gone: undefined, nested: { a: [1, 2] }, huge: Number.POSITIVE_INFINITY },
    });
    expect(properties.headers).toEqual({ at: at.toISOString(), nested: { a: [1, 2] }, huge: null });
    expect(Object.keys(properties.headers!)).not.toContain('gone');
  });

  it('still refuses the headers the bus keeps for itself', () => {
    expect(() => encodeMessage({ id: 'm3', type: 'T', data: {}, metadata: { 'x-attempt': 2 } })).toThrow(
      /reserved/,
    );
  });
});

rabbitMqSuite('RabbitMQ socket writes', (url) => {
  it('many publishes at once leave in far fewer socket writes than messages, and all arrive', async () => {
    const { bus, rabbit, cleanup } = await rabbitBusFixture(url);
    try {
      const received = new Set<string>();
      await bus.consume(
        `test.wire.${randomUUID().slice(0, 8)}`,
        ['wire.*'],
        async (m) => {
          received.add(m.id);
        },
        { prefetch: 100 }, // with prefetch 1 each ack waits for the previous delivery: one write each
      );
      const connection = (rabbit as unknown as { manager: { connection: ChannelModel } }).manager.connection;
      const socket = (connection.connection as unknown as { stream: { _writev?: unknown; _write: unknown } })
        .stream;
      let writes = 0;
      for (const method of ['_write', '_writev'] as const) {
        const original = socket[method] as ((...args: unknown[]) => unknown) | undefined;
        if (typeof original !== 'function') continue;
        socket[method] = (...args: unknown[]) => {
          writes += 1;
          return original.apply(socket, args);
        };
      }
      const count = 300;
      const ids = Array.from({ length: count }, () => randomUUID());
      await Promise.all(
        ids.map((id) => bus.publish({ id, type: 'wire.test', data: { id }, metadata: { n: 1 } })),
      );
      for (let i = 0; i < 500 && received.size < count; i++) await new Promise((r) => setTimeout(r, 10));
      expect(received.size).toBe(count);
      // Publishes and acks: one write each without batching (600 here).
      expect(writes).toBeLessThan((2 * count) / 5);
    } finally {
      await cleanup();
    }
  });
});
