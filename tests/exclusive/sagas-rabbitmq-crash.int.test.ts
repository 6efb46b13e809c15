import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import type { BusMessage } from '../../src/application/ports/message-bus';
import { COLLECTIONS, type OrderDoc } from '../../src/application/read-models/documents';
import type { RabbitMqBus } from '../../src/infrastructure/bus/rabbitmq/rabbitmq-bus';
import { createEvent } from '../support/fixtures';
import { replaySeats } from '../support/log-audit';
import { addCard, pollUntil, reserve } from '../support/purchase';
import { rabbitmqctlAvailable, rabbitMqSuite } from '../support/rabbitmq';
import { printSkip } from '../support/service-suite';
import { startTestApp, type TestApp } from '../support/test-app';

/**
 * Crash safety of the sagas on the real broker. These tests stop and start RabbitMQ itself, so they run in their
 * own jest pass, one file at a time (see the `test` script).
 */
rabbitMqSuite('sagas on RabbitMQ under crashes', (url) => {
  let t: TestApp;
  let admin: string;
  const crashes = new Set<string>();
  const sellSteps = new Map<string, number>();

  beforeAll(async () => {
    t = await startTestApp({
      env: {
        AMQP_URL: url,
        BUS_NAMESPACE: `test-crash-${process.pid}-${Date.now()}`,
        SAGA_RETRY_DELAY_MS: '50',
        SAGA_MAX_RETRIES: '3',
      },
      overrides: {
        sagas: {
          faults: (step: string, message: BusMessage) => {
            const orderId = (message.data as { orderId?: string }).orderId ?? '';
            if (step === 'after-sell') sellSteps.set(orderId, (sellSteps.get(orderId) ?? 0) + 1);
            // The consumer "dies" after the capture, before recording it and before its ack: its connection is gone.
            if (step === 'after-capture' && crashes.has(orderId)) {
              crashes.delete(orderId);
              (t.app.bus as RabbitMqBus).destroySocketForTesting();
              throw new Error('simulated crash after capture');
            }
          },
        },
      },
    });
    admin = await t.adminToken();
  }, 60_000);
  afterAll(() => t?.close());

  const countEvents = async (stream: string, type: string) =>
    (await t.app.store.readStream(stream)).filter((e) => e.type === type).length;

  it('a consumer that dies before its ack gets the message again, with the same result', async () => {
    const { eventId } = await createEvent(t.call, admin);
    const fan = await t.customerToken();
    const card = await addCard(t.call, fan.token);
    const reservationId = await reserve(t.call, fan.token, eventId, ['s1:A:1', 's1:A:2']);
    const { orderIdFor } = await import('../../src/application/orders/order-service');
    crashes.add(orderIdFor(reservationId));
    const order = await t.call('POST', '/v1/orders', {
      token: fan.token,
      body: { reservation_id: reservationId, payment_method_id: card },
    });
    expect(order.status).toBe(201);
    const orderId = order.body.order_id as string;
    const done = await pollUntil(
      t.call,
      `/v1/orders/${orderId}`,
      fan.token,
      (r) => r.body?.status === 'CONFIRMED' && r.body.tickets.length === 2,
      60_000,
    );
    expect(done.body.payment_status).toBe('CAPTURED');
    expect(crashes.has(orderId)).toBe(false); // the crash happened
    expect(sellSteps.get(orderId)).toBeGreaterThanOrEqual(2); // and the message was handled again
    expect(await countEvents(`order-${orderId}`, 'PaymentCaptured')).toBe(1);
    expect(await countEvents(`order-${orderId}`, 'TicketsIssued')).toBe(1);
    expect(
      (await t.app.store.readStream(`event-${eventId}`)).filter((e) => e.type === 'SeatsSold'),
    ).toHaveLength(1);
  }, 90_000);

  it('a poison message lands in the dead-letter queue after the retries', async () => {
    const id = randomUUID();
    await t.app.bus.publish({
      id,
      type: 'OrderPlaced',
      data: { bogus: true },
      metadata: { correlationId: id },
    });
    const queue = t.app.sagas.queue('payment');
    let dead: BusMessage[] = [];
    for (let i = 0; i < 200 && !dead.some((m) => m.id === id); i += 1) {
      await new Promise((r) => setTimeout(r, 100));
      dead = await t.app.bus.deadLetters(queue);
    }
    expect(dead.map((m) => m.id)).toContain(id);
  }, 60_000);

  // Without rabbitmqctl the broker cannot be restarted: the skipped test says why in its own title, and on stderr
  // (jest's default reporter does not list skipped tests' titles).
  const brokerControl: typeof it = rabbitmqctlAvailable()
    ? it
    : (((title: string, fn?: jest.ProvidesCallback, timeout?: number) => {
        printSkip(`${title}: skipped, rabbitmqctl is not available on this machine`);
        return it.skip(`${title} (skipped: rabbitmqctl is not available on this machine)`, fn, timeout);
      }) as typeof it);

  brokerControl(
    'a broker restart in the middle of 100 orders: every order terminal, nothing doubled',
    async () => {
      const rows = ['A', 'B', 'C', 'D', 'E', 'F', 'G', 'H', 'I', 'J'];
      const { eventId } = await createEvent(t.call, admin, {
        sections: [{ name: 'Main', rows: rows.map((row) => ({ row, seats: 20 })) }],
        tiers: [{ name: 'Main', price: 30, fees: 3, sections: ['Main'] }],
        restrictSingleSeat: false,
      });
      const buyers = await Promise.all(
        Array.from({ length: 100 }, async (_, i) => {
          const fan = await t.customerToken();
          const card = await addCard(t.call, fan.token);
          const row = rows[Math.floor(i / 10)];
          const first = (i % 10) * 2 + 1;
          const reservationId = await reserve(t.call, fan.token, eventId, [
            `s1:${row}:${first}`,
            `s1:${row}:${first + 1}`,
          ]);
          return { fan, card, reservationId };
        }),
      );
      const placing = Promise.all(
        buyers.map(({ fan, card, reservationId }) =>
          t.call('POST', '/v1/orders', {
            token: fan.token,
            body: { reservation_id: reservationId, payment_method_id: card },
          }),
        ),
      );
      await new Promise((r) => setTimeout(r, 200));
      execFileSync('rabbitmqctl', ['-q', 'stop_app'], { timeout: 60_000 });
      await new Promise((r) => setTimeout(r, 1500));
      execFileSync('rabbitmqctl', ['-q', 'start_app'], { timeout: 60_000 });
      const placed = await placing;
      expect(placed.map((r) => r.status)).toEqual(placed.map(() => 201));

      // Read the orders' read model directly: rendering 200 QR codes through GET /v1/orders under jest takes
      // minutes (the PNG encoder is ~50x slower inside jest's VM than in plain node).
      const orders = t.app.readStore.collection<OrderDoc>(COLLECTIONS.orders);
      const ids = placed.map((r) => r.body.order_id as string);
      const allDone = async () =>
        (await Promise.all(ids.map((id) => orders.get(id)))).every(
          (o) => o?.status === 'CONFIRMED' && o.tickets.length === 2,
        );
      const deadline = Date.now() + 120_000;
      while (!(await allDone()) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
      for (const orderId of ids) {
        const order = await orders.get(orderId);
        expect([orderId, order?.status, order?.payment_status, order?.tickets.length]).toEqual([
          orderId,
          'CONFIRMED',
          'CAPTURED',
          2,
        ]);
        expect(await countEvents(`order-${orderId}`, 'PaymentCaptured')).toBe(1);
        expect(await countEvents(`order-${orderId}`, 'OrderConfirmed')).toBe(1);
        expect(await countEvents(`order-${orderId}`, 'TicketsIssued')).toBe(1);
      }
      const sold = (await t.app.store.readStream(`event-${eventId}`)).filter((e) => e.type === 'SeatsSold');
      expect(sold).toHaveLength(100);
      expect((await replaySeats(t.app.store)).violations).toEqual([]);
    },
    240_000,
  );
});
