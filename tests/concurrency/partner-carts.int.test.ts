import { systemMetadata } from '../../src/application/shared/command-metadata';
import { DomainError } from '../../src/domain/shared/errors';
import { orderIdFor } from '../../src/application/orders/order-service';
import { cartHoldId, testCard } from '../support/partner';
import { createPartnerClient } from '../support/partner-client';
import { createEvent } from '../support/fixtures';
import { replayAgainstLive, replaySeats } from '../support/log-audit';
import { pollUntil } from '../support/purchase';
import { startTestApp, type TestApp } from '../support/test-app';

/**
 * Issue 11 item 7: concurrent calls on one cart are serialized by the cart stream's processor (or refused with a
 * 4xx), never leaving a corrupt cart or log; and partner carts racing fans for the same seats never share one.
 */
describe('partner carts under concurrency', () => {
  let t: TestApp;
  let admin: string;
  let partner: string;
  let token: string;

  beforeAll(async () => {
    t = await startTestApp();
    admin = await t.adminToken();
    ({ partnerId: partner, token } = await createPartnerClient(t, {
      name: 'Race Tickets',
      quota_per_hour: 100_000,
    }));
  });
  afterAll(() => t?.close());

  it('20 concurrent calls on one cart (payment, shipping, commit, delete) leave it consistent and the log valid', async () => {
    const { eventId } = await createEvent(t.call, admin, {
      maxTicketsPerOrder: 8,
      restrictSingleSeat: false,
    });
    const outcomes = { committed: 0, deleted: 0 };
    for (let round = 0; round < 6; round += 1) {
      const created = await t.call('POST', `/partners/v1/events/${eventId}/cart`, {
        token,
        body: { tier_id: `${eventId}-t1`, quantity: 2 },
      });
      expect(created.status).toBe(201);
      const cartId = created.body.cart_id as string;
      const meta = systemMetadata(partner, `race-${cartId}`);
      await t.app.partnerCarts.setPayment(eventId, cartId, partner, testCard(), meta);

      // Service calls answer like the routes would: a result, or a DomainError (mapped to a 4xx).
      const service = async (work: () => Promise<unknown>) => {
        try {
          await work();
          return 'ok';
        } catch (error) {
          if (error instanceof DomainError) return error.code;
          throw error;
        }
      };
      const http = async (method: string, path: string, body?: object) => {
        const res = await t.call(method, path, { token, ...(body ? { body } : {}) });
        return res.status < 300 ? { status: res.status, body: res.body } : res.body.error.code;
      };
      const calls: Array<() => Promise<unknown>> = [];
      for (let i = 0; i < 5; i += 1) {
        calls.push(() =>
          service(() =>
            t.app.partnerCarts.setPayment(eventId, cartId, partner, testCard('tok_mastercard'), meta),
          ),
        );
        calls.push(() =>
          service(() => t.app.partnerCarts.setShipping(eventId, cartId, partner, 'ETICKET', meta)),
        );
        calls.push(() => http('PUT', `/partners/v1/events/${eventId}/cart`, { cart_id: cartId }));
        calls.push(() => http('DELETE', `/partners/v1/events/${eventId}/cart?cart_id=${cartId}`));
      }
      // Even rounds let one commit begin first (the other 19 calls then arrive while it places the order, or just
      // after), so the commit's side of the race is exercised; odd rounds fire all 20 at once, where a delete
      // (fewer steps before its command) tends to win.
      const [commitFirst] = calls.splice(2, 1);
      const head = round % 2 === 0 ? commitFirst() : undefined;
      for (let i = 0; head && i < 2000; i += 1) {
        const log = await t.app.store.readStream(`cart-${cartId}`);
        if (log.some((e) => e.type === 'CartCheckoutStarted')) break;
        await new Promise((r) => setTimeout(r, 1));
      }
      const answers = await Promise.all([
        ...(head ? [head] : [commitFirst()]),
        ...calls.map((call) => call()),
      ]);

      const allowed = new Set([
        'ok',
        'CART_CHECKOUT_IN_PROGRESS',
        'CART_COMMITTED',
        'CART_DELETED',
        'CART_NOT_FOUND',
      ]);
      const committedOrders = new Set<string>();
      for (const answer of answers) {
        if (typeof answer === 'string') expect([answer, allowed.has(answer)]).toEqual([answer, true]);
        else if (answer && typeof answer === 'object' && 'status' in answer) {
          const { status, body } = answer as { status: number; body: { order_id?: string } };
          expect([201, 204]).toContain(status);
          if (status === 201) committedOrders.add(body.order_id!);
        }
      }

      // The cart's log: one end, and nothing changed after its commit began or it was deleted.
      const events = (await t.app.store.readStream(`cart-${cartId}`)).map((e) => e.type);
      const closedAt = events.findIndex((type) => type === 'CartCheckoutStarted' || type === 'CartDeleted');
      expect(closedAt).toBeGreaterThan(0);
      const after = events.slice(closedAt + 1);
      expect(after.filter((type) => type === 'CartPaymentSet' || type === 'CartShippingSet')).toEqual([]);
      const cart = await t.app.partnerCarts.get(eventId, cartId, partner);
      const holdId = await cartHoldId(t.app.store, eventId, cartId);
      const eventLog = await t.app.store.readStream(`event-${eventId}`);
      if (events[closedAt] === 'CartCheckoutStarted') {
        outcomes.committed += 1;
        expect(cart.status).toBe('COMMITTED');
        expect(events.filter((type) => type === 'CartDeleted')).toEqual([]);
        expect(events.filter((type) => type === 'CartCommitted')).toHaveLength(1);
        // Every successful commit answered the one order, placed once.
        expect([...committedOrders]).toEqual([cart.order_id]);
        const orderLog = await t.app.store.readStream(`order-${cart.order_id}`);
        expect(orderLog.filter((e) => e.type === 'OrderPlaced')).toHaveLength(1);
        expect(
          eventLog.some((e) => e.type === 'HoldReleased' && (e.data as { holdId: string }).holdId === holdId),
        ).toBe(false);
        await pollUntil(
          t.call,
          `/partners/v1/orders/${cart.order_id}`,
          token,
          (r) => r.body?.status === 'CONFIRMED',
        );
      } else {
        outcomes.deleted += 1;
        expect(cart.status).toBe('DELETED');
        expect(events.filter((type) => type === 'CartCheckoutStarted')).toEqual([]);
        expect(committedOrders.size).toBe(0);
        // Its seats went back: the hold was released, and no order exists for it.
        expect(
          eventLog.filter(
            (e) => e.type === 'HoldReleased' && (e.data as { holdId: string }).holdId === holdId,
          ),
        ).toHaveLength(1);
        expect(await t.app.store.readStream(`order-${orderIdFor(holdId)}`)).toEqual([]);
      }
    }
    console.log(`cart races: ${outcomes.committed} committed, ${outcomes.deleted} deleted first`);
    expect(outcomes.committed).toBeGreaterThanOrEqual(3);
    expect(outcomes.committed + outcomes.deleted).toBe(6);

    // The whole log replays with every invariant holding and read models equal to the live ones.
    await t.app.runner.catchUp(10_000);
    const report = await replayAgainstLive(t.app);
    expect(report.violations).toEqual([]);
    expect(report.projection_errors).toEqual([]);
    expect(report.comparison).toEqual({ equal: true, collections: [] });
    expect(report.ok).toBe(true);
    expect(report.orders.pending).toBe(0);
  });

  it('10 partner carts and 50 fans racing for one small section never share a seat', async () => {
    const { eventId } = await createEvent(t.call, admin, {
      sections: [{ name: 'Pit', rows: ['A', 'B', 'C'].map((row) => ({ row, seats: 10 })) }],
      tiers: [{ name: 'Pit', price: 99, fees: 9, sections: ['Pit'] }],
      maxTicketsPerOrder: 10,
      restrictSingleSeat: false,
    });
    let seed = 7;
    const random = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    const fans = Array.from({ length: 50 }, (_, i) => {
      const row = ['A', 'B', 'C'][Math.floor(random() * 3)];
      const start = 1 + Math.floor(random() * 9);
      return {
        token: t.mintToken(`race-fan-${i}`),
        seatIds: [`s1:${row}:${start}`, `s1:${row}:${start + 1}`],
      };
    });
    // Ten carts of one partner: each cart is its own holder on the event's stream.
    const carts = Array.from({ length: 10 }, () => token);
    const requests = [
      ...fans.map(
        (fan) => () =>
          t.call('POST', '/v1/seats/reserve', {
            token: fan.token,
            body: { event_id: eventId, seat_ids: fan.seatIds },
          }),
      ),
      ...carts.map(
        (partnerToken) => () =>
          t.call('POST', `/partners/v1/events/${eventId}/cart`, {
            token: partnerToken,
            body: { tier_id: `${eventId}-t1`, quantity: 3 },
          }),
      ),
    ];
    // Interleave fans and carts so both reach the event's queue throughout.
    const order = requests.map((_, i) => i).sort((a, b) => (a % 6) - (b % 6) || a - b);
    const results = await Promise.all(order.map((i) => requests[i]()));

    const claimed = new Map<string, string>();
    let fanWins = 0;
    let cartWins = 0;
    for (const res of results) {
      if (res.status !== 201) {
        expect(['SEATS_UNAVAILABLE', 'NOT_ENOUGH_INVENTORY', 'NO_INVENTORY']).toContain(res.body.error.code);
        continue;
      }
      const isCart = 'cart_id' in res.body;
      const owner = isCart ? `cart ${res.body.cart_id}` : `fan ${res.body.reservation_id}`;
      const seatIds: string[] = isCart
        ? res.body.seats.map((s: { seat_id: string }) => s.seat_id)
        : res.body.seat_ids;
      if (isCart) cartWins += 1;
      else fanWins += 1;
      for (const seatId of seatIds) {
        expect([seatId, claimed.get(seatId)]).toEqual([seatId, undefined]);
        claimed.set(seatId, owner);
      }
    }
    expect(fanWins).toBeGreaterThan(0);
    expect(cartWins).toBeGreaterThan(0);
    expect(claimed.size).toBeLessThanOrEqual(30);

    // The log, folded independently of the deciders, agrees: no seat held twice.
    const ledger = await replaySeats(t.app.store);
    expect(ledger.violations).toEqual([]);
    const fromLog = [...ledger.claims().keys()]
      .filter((k) => k.startsWith(`${eventId}/`))
      .map((k) => k.slice(eventId.length + 1))
      .sort();
    expect(fromLog).toEqual([...claimed.keys()].sort());
  });
});
