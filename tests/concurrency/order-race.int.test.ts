import { createEvent } from '../support/fixtures';
import { addCard, pollUntil, reserve, placeOrder } from '../support/purchase';
import { startTestApp, type TestApp } from '../support/test-app';

/**
 * One reservation ordered by several requests at once (a double click, a retry racing the first try): exactly one
 * order is placed and paid once; every other request is told the reservation already has that order (409), never
 * a 503 that invites yet another retry. The late requests continue the first one's payment attempt, and may read
 * the order stream just after it was placed: that moment is what this test keeps hitting.
 */
describe('concurrent orders for one reservation', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t.close());

  it('one order per reservation; the others answer 409 RESERVATION_ALREADY_ORDERED naming it', async () => {
    const admin = await t.adminToken();
    const { eventId } = await createEvent(t.call, admin, {
      maxTicketsPerOrder: 8,
      restrictSingleSeat: false,
    });
    const answers: Record<string, number> = {};
    for (let round = 0; round < 8; round += 1) {
      const fan = await t.customerToken();
      const card = await addCard(t.call, fan.token);
      const row = round < 5 ? 'A' : 'B';
      const first = 2 * (round % 5) + 1;
      const seatIds = [`s1:${row}:${first}`, `s1:${row}:${first + 1}`];
      const reservationId = await reserve(t.call, fan.token, eventId, seatIds);
      const results = await Promise.all(
        Array.from({ length: 6 }, () => placeOrder(t.call, fan.token, reservationId, card)),
      );
      const placed = results.filter((r) => r.status === 201);
      expect(placed).toHaveLength(1);
      const orderId = placed[0].body.order_id as string;
      for (const other of results.filter((r) => r.status !== 201)) {
        const key = `${other.status} ${other.body.error?.code}`;
        answers[key] = (answers[key] ?? 0) + 1;
        expect(key).toBe('409 RESERVATION_ALREADY_ORDERED');
        expect(other.body.error.details.order_id).toBe(orderId);
      }
      const log = await t.app.store.readStream(`order-${orderId}`);
      expect(log.filter((e) => e.type === 'OrderPlaced')).toHaveLength(1);
      expect(log.filter((e) => e.type === 'OrderPaymentAuthorizing')).toHaveLength(1);
      await pollUntil(t.call, `/v1/orders/${orderId}`, fan.token, (r) => r.body?.status === 'CONFIRMED');
      const confirmed = await t.app.store.readStream(`order-${orderId}`);
      expect(confirmed.filter((e) => e.type === 'PaymentCaptured')).toHaveLength(1);
    }
    console.log(`late requests answered: ${JSON.stringify(answers)}`);
  });
  it('a declined card: every request for the reservation answers 402 PAYMENT_DECLINED with the reason', async () => {
    const admin = await t.adminToken();
    const { eventId } = await createEvent(t.call, admin, {
      maxTicketsPerOrder: 8,
      restrictSingleSeat: false,
    });
    for (let round = 0; round < 6; round += 1) {
      const fan = await t.customerToken();
      const card = await addCard(t.call, fan.token, 'tok_chargeDeclinedInsufficientFunds');
      const reservationId = await reserve(t.call, fan.token, eventId, [`s1:B:${round + 1}`]);
      const results = await Promise.all(
        Array.from({ length: 6 }, () => placeOrder(t.call, fan.token, reservationId, card)),
      );
      // One request finds the attempt open and calls the gateway; the others continue it, or come after its end.
      for (const result of results) {
        const key = `${result.status} ${result.body.error?.code}`;
        if (key === '402 PAYMENT_DECLINED')
          expect(result.body.error.details.reason).toBe('insufficient_funds');
        else if (key === '410 RESERVATION_EXPIRED')
          // Released by the decline, not expired: the answer says so.
          expect(result.body.error.details).toMatchObject({
            released_because: 'payment_declined',
            decline_reason: 'insufficient_funds',
          });
        else expect(key).toBe('404 RESERVATION_NOT_FOUND');
      }
      expect(results.filter((r) => r.status === 402).length).toBeGreaterThan(0);
    }
  });
});
