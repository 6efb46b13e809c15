import { orderTwoSeats, pollUntil } from '../support/purchase';
import { appWithSagaHeldAt } from '../support/held-saga';
import type { TestApp } from '../support/test-app';

/**
 * The payment saga issues an order's tickets after its capture and confirms the order with them, in one append:
 * the log never holds a confirmed order without its tickets, and a buyer polling the order sees it PENDING with
 * its payment CAPTURED until then. Here the saga is held at 'before-tickets', as a slow or crashed saga would
 * leave it. (Logs of earlier versions do hold such orders; the views show them PENDING too: order-views unit test.)
 */
describe('an order is shown CONFIRMED only with its tickets', () => {
  let t: TestApp;
  const saga = appWithSagaHeldAt('before-tickets', (app) => (t = app));

  it('captured, tickets not issued yet: PENDING, payment CAPTURED, no confirmed_at; then CONFIRMED with its tickets in one append', async () => {
    const { orderId, fan } = await orderTwoSeats(t);

    // The payment saga recorded the capture and waits at 'before-tickets'.
    expect(await saga.untilHeld()).toBe(true);
    const log = await t.app.store.readStream(`order-${orderId}`);
    expect(log.map((e) => e.type)).toContain('PaymentCaptured');
    expect(log.map((e) => e.type)).not.toContain('OrderConfirmed');
    await t.app.runner.catchUp();
    const between = await t.call('GET', `/v1/orders/${orderId}`, { token: fan.token });
    expect(between.status).toBe(200);
    expect(between.body).toMatchObject({
      status: 'PENDING',
      payment_status: 'CAPTURED',
      confirmed_at: null,
      tickets: [],
    });
    const listed = await t.call('GET', '/v1/orders', { token: fan.token });
    expect(listed.body.orders.find((o: { order_id: string }) => o.order_id === orderId).status).toBe(
      'PENDING',
    );

    saga.release();
    const done = await pollUntil(
      t.call,
      `/v1/orders/${orderId}`,
      fan.token,
      (r) => r.body?.status === 'CONFIRMED',
    );
    expect(done.body.tickets).toHaveLength(2);
    expect(done.body.confirmed_at).toEqual(expect.any(String));
    const tickets = await t.call('GET', `/v1/tickets?order_id=${orderId}`, { token: fan.token });
    expect(tickets.body.tickets.map((x: { status: string }) => x.status)).toEqual(['ACTIVE', 'ACTIVE']);
    // One append: OrderConfirmed and TicketsIssued at consecutive positions, recorded together, nothing after.
    const after = await t.app.store.readStream(`order-${orderId}`);
    const [confirmed, issued, ...rest] = after.slice(after.findIndex((e) => e.type === 'OrderConfirmed'));
    expect([confirmed.type, issued?.type, rest]).toEqual(['OrderConfirmed', 'TicketsIssued', []]);
    expect(issued.position).toBe(confirmed.position + 1);
    expect(issued.recordedAt).toEqual(confirmed.recordedAt);
    expect((issued.data as { tickets: unknown[] }).tickets).toHaveLength(2);
  });
});
