import { checkInvariants } from '../../src/application/audit/invariants';
import type { BusMessage } from '../../src/application/ports/message-bus';
import { ticketIdFor } from '../../src/application/tickets/ticket-ids';
import { ticketStream } from '../../src/domain/ticket/ticket';
import { seatStatuses } from '../support/log-audit';
import { createEvent } from '../support/fixtures';
import { addCard, pollUntil, reserve } from '../support/purchase';
import { startTestApp, type TestApp } from '../support/test-app';

/**
 * The order watchdog (second line behind at-least-once delivery): a payment saga whose message was lost (here:
 * dead-lettered at once, which on the in-process bus leaves nothing to redeliver) leaves a PENDING order. The
 * watchdog drives it again once the fault is gone, or fails it cleanly after repeated fruitless re-drives.
 */
describe('order watchdog', () => {
  let t: TestApp;
  let failing = true;
  let failAt = 'after-sell';
  const faultedSteps: string[] = [];

  beforeAll(async () => {
    t = await startTestApp({
      env: {
        SAGA_MAX_RETRIES: '0', // the first failure dead-letters the message: only the watchdog can help
        ORDER_WATCHDOG_AFTER_MS: '100',
        ORDER_WATCHDOG_INTERVAL_MS: '3600000', // sweeps are run by hand below
        ORDER_WATCHDOG_MAX_REDRIVES: '2',
      },
      overrides: {
        sagas: {
          faults: (step: string, _message: BusMessage) => {
            if (failing && step === failAt) {
              faultedSteps.push(step);
              throw new Error(`simulated failure at ${step}`);
            }
          },
        },
      },
    });
  });
  afterAll(() => t?.close());

  const placeStuckOrder = async () => {
    const admin = await t.adminToken();
    const { eventId } = await createEvent(t.call, admin);
    const fan = await t.customerToken();
    const card = await addCard(t.call, fan.token);
    const reservationId = await reserve(t.call, fan.token, eventId, ['s1:A:1', 's1:A:2']);
    const before = faultedSteps.length;
    const res = await t.call('POST', '/v1/orders', {
      token: fan.token,
      body: { reservation_id: reservationId, payment_method_id: card, delivery_method: 'MOBILE' },
    });
    expect(res.status).toBe(201);
    const orderId = res.body.order_id as string;
    // The saga failed once and gave up (dead letter): the order stays PENDING.
    while (faultedSteps.length === before) await new Promise((r) => setTimeout(r, 10));
    await new Promise((r) => setTimeout(r, 150)); // older than ORDER_WATCHDOG_AFTER_MS
    await t.app.runner.catchUp();
    const stuck = await t.call('GET', `/v1/orders/${orderId}`, { token: fan.token });
    expect(stuck.body.status).toBe('PENDING');
    return { orderId, eventId, fan, admin };
  };

  beforeEach(() => {
    failAt = 'after-sell';
  });

  it('drives a stuck order again through the saga (tagged saga:watchdog) once the fault is gone', async () => {
    failing = true;
    const { orderId, fan, admin } = await placeStuckOrder();
    failing = false;
    const sweep = await t.app.watchdog.sweep();
    expect(sweep).toMatchObject({ redriven: 1, failed: 0 });
    const done = await pollUntil(
      t.call,
      `/v1/orders/${orderId}`,
      fan.token,
      (r) => r.body?.status === 'CONFIRMED' && r.body.tickets.length === 2,
    );
    expect(done.body.payment_status).toBe('CAPTURED');

    const events = await t.app.store.readStream(`order-${orderId}`);
    const captured = events.find((e) => e.type === 'PaymentCaptured');
    expect(captured?.metadata.userId).toBe('saga:watchdog');

    const metrics = await t.call('GET', '/metrics', { token: admin });
    expect(metrics.status).toBe(200);
    expect(metrics.text).toMatch(/^ticketing_watchdog_redriven_total 1$/m);
    expect(metrics.text).toMatch(/^ticketing_watchdog_failed_total 0$/m);
  });

  it('fails an order cleanly (authorization voided, seats back) after repeated fruitless re-drives', async () => {
    failing = true;
    const { orderId, eventId, fan } = await placeStuckOrder();
    const redrivenBefore = t.app.watchdog.redrivenTotal;
    expect(await t.app.watchdog.sweep()).toMatchObject({ redriven: 1, failed: 0 });
    expect(await t.app.watchdog.sweep()).toMatchObject({ redriven: 1, failed: 0 });
    expect(await t.app.watchdog.sweep()).toMatchObject({ redriven: 0, failed: 1 });
    expect(t.app.watchdog.redrivenTotal - redrivenBefore).toBe(2);

    const done = await pollUntil(
      t.call,
      `/v1/orders/${orderId}`,
      fan.token,
      (r) => r.body?.status === 'FAILED',
    );
    expect(done.body.payment_status).toBe('VOIDED');
    const failed = (await t.app.store.readStream(`order-${orderId}`)).find((e) => e.type === 'OrderFailed');
    expect(failed?.metadata.userId).toBe('saga:watchdog');
    await t.app.runner.catchUp();
    const seats = seatStatuses((await t.call('GET', `/v1/events/${eventId}/seats`)).body);
    expect([seats.get('s1:A:1'), seats.get('s1:A:2')]).toEqual(['AVAILABLE', 'AVAILABLE']);

    // Nothing left behind: a later sweep has nothing to do, and the log's invariants hold.
    failing = false;
    expect(await t.app.watchdog.sweep()).toMatchObject({ redriven: 0, failed: 0 });
    const report = await checkInvariants(t.app.store);
    expect(report.money.problems).toEqual([]);
    expect(report.seats.violations).toEqual([]);
  });

  it('a captured order that never confirms is failed with its refund owed, then refunded, seats back', async () => {
    failing = true;
    failAt = 'before-confirm'; // captured and recorded, tickets issued, then the confirmation keeps failing
    const { orderId, eventId, fan } = await placeStuckOrder();
    const stuck = await t.app.orderProcessor.read(orderId);
    expect(stuck.state).toMatchObject({ status: 'PENDING', paymentStatus: 'CAPTURED' });
    expect(await t.app.watchdog.sweep()).toMatchObject({ redriven: 1, failed: 0 });
    expect(await t.app.watchdog.sweep()).toMatchObject({ redriven: 1, failed: 0 });
    expect(await t.app.watchdog.sweep()).toMatchObject({ redriven: 0, failed: 1 });

    const done = await pollUntil(
      t.call,
      `/v1/orders/${orderId}`,
      fan.token,
      (r) => r.body?.status === 'FAILED' && r.body.payment_status === 'REFUNDED',
    );
    expect(done.body.failure_reason).toBe('watchdog_timeout');
    // The payment attempt first (recorded before the gateway was asked), then the order it became.
    const [attempt, ...log] = await t.app.store.readStream(`order-${orderId}`);
    expect(attempt.type).toBe('OrderPaymentAuthorizing');
    expect(log.map((e) => e.type)).toEqual([
      'OrderPlaced',
      'PaymentCaptured',
      'OrderFailed',
      'RefundCompleted',
    ]);
    expect(log[2].data).toMatchObject({ refundDue: true, authorizationVoided: false });
    expect(log[2].metadata.userId).toBe('saga:watchdog');
    expect(log[3].data).toMatchObject({
      voided: false,
      amountCents: (log[1].data as { amountCents: number }).amountCents,
    });
    await t.app.runner.catchUp();
    const seats = seatStatuses((await t.call('GET', `/v1/events/${eventId}/seats`)).body);
    expect([seats.get('s1:A:1'), seats.get('s1:A:2')]).toEqual(['AVAILABLE', 'AVAILABLE']);
    // The tickets issued before the confirmation failed are void: no valid barcode for a seat back on sale.
    for (const seatId of ['s1:A:1', 's1:A:2']) {
      const ticket = await t.app.store.readStream(ticketStream(ticketIdFor(orderId, seatId)));
      expect(ticket.map((e) => e.type)).toEqual(['TicketIssued', 'TicketVoided']);
    }

    // Nothing left: no order still owes money, and the log's money reconciles (captured = refunded here).
    failing = false;
    expect(await t.app.watchdog.sweep()).toMatchObject({ redriven: 0, failed: 0 });
    const report = await checkInvariants(t.app.store);
    expect(report.money.problems).toEqual([]);
    expect(report.seats.violations).toEqual([]);
  });
});
