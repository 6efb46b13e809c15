import { checkInvariants } from '../../src/application/audit/invariants';
import { ticketIdFor } from '../../src/application/tickets/ticket-ids';
import { ticketStream } from '../../src/domain/ticket/ticket';
import { orderTwoSeats, pollUntil } from '../support/purchase';
import { appWithSagaHeldAt } from '../support/held-saga';
import type { TestApp } from '../support/test-app';

/**
 * The payment saga issues an order's tickets, then confirms the order with them. If the order fails in between
 * (here: failed through its decider while the saga waits at 'before-confirm', as the watchdog does when it gives
 * up on a slow order), the confirmation is refused and the saga voids the tickets it issued: no valid barcode is
 * left for a seat that goes back on sale.
 */
describe('an order that fails while its tickets are being issued', () => {
  let t: TestApp;
  // The watchdog sweeps only when the test says so, and then takes any order stuck for 100 ms.
  const saga = appWithSagaHeldAt('before-confirm', (app) => (t = app), {
    ORDER_WATCHDOG_AFTER_MS: '100',
    ORDER_WATCHDOG_INTERVAL_MS: '3600000',
  });

  it('is not confirmed; the saga voids its tickets; the refund follows; the log stays consistent', async () => {
    const { orderId, seats, fan } = await orderTwoSeats(t);

    expect(await saga.untilHeld()).toBe(true);
    const ticketIds = seats.map((seatId) => ticketIdFor(orderId, seatId));
    for (const ticketId of ticketIds)
      expect((await t.app.store.readStream(ticketStream(ticketId))).map((e) => e.type)).toEqual([
        'TicketIssued',
      ]);
    // Issued, but the order is not confirmed: its holder is shown no ticket yet (by order, by id, as a download).
    await t.app.runner.catchUp();
    const notShown = async () => {
      const listed = await t.call('GET', `/v1/tickets?order_id=${orderId}`, { token: fan.token });
      expect([listed.status, listed.body.tickets]).toEqual([200, []]);
      for (const ticketId of ticketIds) {
        expect((await t.call('GET', `/v1/tickets/${ticketId}`, { token: fan.token })).status).toBe(404);
        expect((await t.call('GET', `/v1/tickets/${ticketId}/download`, { token: fan.token })).status).toBe(
          404,
        );
      }
    };
    await notShown();

    // The order fails meanwhile, its captured payment owed back (what the watchdog's give-up records).
    await t.app.orderProcessor.execute(
      orderId,
      { type: 'FailOrder', reason: 'watchdog_timeout', authorizationVoided: false },
      { correlationId: orderId, causationId: 'test', userId: 'saga:watchdog' },
    );
    saga.release();

    // The saga's confirmation is refused; it voids the tickets itself (reason order_failed), caused by its step.
    for (const ticketId of ticketIds) {
      let log = await t.app.store.readStream(ticketStream(ticketId));
      for (let i = 0; i < 200 && log.length < 2; i += 1) {
        await new Promise((r) => setTimeout(r, 25));
        log = await t.app.store.readStream(ticketStream(ticketId));
      }
      expect(log.map((e) => e.type)).toEqual(['TicketIssued', 'TicketVoided']);
      expect(log[1].data).toMatchObject({ reason: 'order_failed' });
      expect(log[1].metadata.userId).toBe('saga:payment');
    }
    const orderLog = (await t.app.store.readStream(`order-${orderId}`)).map((e) => e.type);
    expect(orderLog).not.toContain('OrderConfirmed');
    expect(orderLog).not.toContain('TicketsIssued');

    // The refund step (driven here by a watchdog sweep, as after its give-up) completes the rest.
    await t.app.runner.catchUp();
    await new Promise((r) => setTimeout(r, 150)); // older than ORDER_WATCHDOG_AFTER_MS
    expect(await t.app.watchdog.sweep()).toMatchObject({ redriven: 1 });
    const done = await pollUntil(
      t.call,
      `/v1/orders/${orderId}`,
      fan.token,
      (r) => r.body?.status === 'FAILED' && r.body.payment_status === 'REFUNDED',
    );
    expect(done.body.tickets).toEqual([]);
    await notShown(); // nor ever, the order having failed
    const report = await checkInvariants(t.app.store);
    expect(report.violations).toEqual([]);
    expect(report.money.problems).toEqual([]);
  });
});
