import { orderIdFor } from '../../src/application/orders/order-service';
import { ManualClock } from '../../src/infrastructure/clock/system-clock';
import {
  apiSpecification,
  customerRegistered,
  paymentMethodAdded,
  publishedEvent,
  seatsHeld,
  streams,
  type ApiSpecification,
  type Streams,
} from '../support/api-spec';

// Placing an order: given the event's stream (the hold) and the buyer's stream (the card), one POST /v1/orders,
// the events it appends or the error. Capture, confirmation and tickets are the sagas' (switched off here: the
// request is the only writer). The order rules are the order decider's (tests/unit/order.unit.test.ts).

const NOW = '2026-06-01T12:00:00.000Z';
const at = (offsetSeconds: number) => new Date(Date.parse(NOW) + offsetSeconds * 1000).toISOString();

describe('orders: given events, one request, new events or an error', () => {
  const clock = new ManualClock(NOW);
  let spec: ApiSpecification;
  let n = 0;

  /** A published event, a buyer with one saved card, and the buyer's hold on two Floor seats. */
  const scene = (options: { cardToken?: string; expiresAt?: string; eventDate?: string } = {}) => {
    const k = ++n;
    const eventId = `ord-spec-${k}`;
    const userId = `ord-spec-buyer-${k}`;
    const holdId = `ord-spec-hold-${k}`;
    const seatIds = ['s1:A:1', 's1:A:2'];
    const given: Streams[] = [
      publishedEvent(eventId, options.eventDate ? { date: options.eventDate } : {}),
      {
        [streams.event(eventId)]: [
          seatsHeld({
            eventId,
            holdId,
            userId,
            seatIds,
            heldAt: at(-60),
            expiresAt: options.expiresAt ?? at(540),
          }),
        ],
        [streams.customer(userId)]: [
          customerRegistered(userId, `${userId}@example.test`),
          paymentMethodAdded('pm-1', { cardToken: options.cardToken ?? 'tok_visa' }),
        ],
      },
    ];
    return { eventId, userId, holdId, seatIds, given, token: spec.t.mintToken(userId) };
  };
  /** The scene's hold released, for `reason`, at `releasedAt`. */
  const holdReleased = (
    s: { eventId: string; holdId: string; userId: string; seatIds: string[] },
    reason: string,
    releasedAt: string,
  ) => ({
    type: 'HoldReleased',
    data: { eventId: s.eventId, holdId: s.holdId, userId: s.userId, seatIds: s.seatIds, reason, releasedAt },
  });
  const placeOrder = (token: string, reservationId: string, paymentMethodId = 'pm-1') => ({
    method: 'POST',
    path: '/v1/orders',
    token,
    body: { reservation_id: reservationId, payment_method_id: paymentMethodId },
  });

  beforeAll(async () => {
    spec = await apiSpecification({ clock });
  });
  afterAll(() => spec?.close());

  it('201 PENDING / AUTHORIZED priced as the hold recorded, plus 9% tax on the price; the payment attempt, then OrderPlaced', async () => {
    const s = scene();
    const { response } = await spec
      .given(...s.given)
      .when(placeOrder(s.token, s.holdId))
      .then({
        status: 201,
        body: {
          order_id: expect.any(String),
          status: 'PENDING',
          seats: [
            { section: 'Floor', row: 'A', seat: '1', seat_id: 's1:A:1' },
            { section: 'Floor', row: 'A', seat: '2', seat_id: 's1:A:2' },
          ],
          subtotal: 300,
          fees: 45,
          taxes: 27,
          total: 372,
          payment_status: 'AUTHORIZED',
          created_at: NOW,
        },
        events: (res) => ({
          [streams.order(res.body.order_id)]: [
            // Recorded before the gateway is asked: an authorization never exists without the log knowing.
            {
              type: 'OrderPaymentAuthorizing',
              data: {
                orderId: res.body.order_id,
                holdId: s.holdId,
                eventId: s.eventId,
                userId: s.userId,
                attempt: 1,
                amountCents: 37200,
                currency: 'USD',
                paymentMethodId: 'pm-1',
                cardToken: 'tok_visa',
                idempotencyKey: `authorize:${res.body.order_id}`,
                requestedAt: NOW,
              },
            },
            {
              type: 'OrderPlaced',
              data: {
                orderId: res.body.order_id,
                userId: s.userId,
                eventId: s.eventId,
                reservationId: s.holdId,
                eventName: 'The Test Tour',
                eventDate: '2030-08-15T19:00:00.000Z',
                venueName: 'Test Arena',
                seats: [
                  expect.objectContaining({ seatId: 's1:A:1', section: 'Floor', row: 'A', seat: '1' }),
                  expect.objectContaining({ seatId: 's1:A:2', section: 'Floor', row: 'A', seat: '2' }),
                ],
                subtotalCents: 30000,
                feesCents: 4500,
                taxesCents: 2700,
                totalCents: 37200,
                paymentMethodId: 'pm-1',
                cardToken: 'tok_visa',
                authorizationId: expect.any(String),
                deliveryMethod: 'MOBILE',
                billingAddress: null,
                placedAt: NOW,
              },
            },
          ],
        }),
      });
    expect(response.headers.get('location')).toBe(`/v1/orders/${response.body.order_id}`);
    expect(response.text).not.toContain('tok_visa');
  });

  it('201 with less than the checkout grace left: the hold is first extended to now + 120 s (HoldExtended), once', async () => {
    const s = scene({ expiresAt: at(30) });
    await spec
      .given(...s.given)
      .when(placeOrder(s.token, s.holdId))
      .then({
        status: 201,
        body: expect.objectContaining({ status: 'PENDING', payment_status: 'AUTHORIZED' }),
        events: (res) => ({
          [streams.event(s.eventId)]: [
            {
              type: 'HoldExtended',
              data: {
                eventId: s.eventId,
                holdId: s.holdId,
                orderId: res.body.order_id,
                userId: s.userId,
                seatIds: s.seatIds,
                expiresAt: at(120),
                extendedAt: NOW,
              },
            },
          ],
          [streams.order(res.body.order_id)]: [
            { type: 'OrderPaymentAuthorizing', data: expect.objectContaining({ holdId: s.holdId }) },
            { type: 'OrderPlaced', data: expect.objectContaining({ reservationId: s.holdId }) },
          ],
        }),
      });
  });

  it('400 INVALID_PAYMENT_METHOD near the end of the hold extends nothing', async () => {
    const s = scene({ expiresAt: at(30) });
    await spec
      .given(...s.given)
      .when(placeOrder(s.token, s.holdId, 'pm-not-mine'))
      .thenError(400, 'INVALID_PAYMENT_METHOD');
  });

  it('402 PAYMENT_DECLINED records the declined attempt, no order, and releases the hold at once (order_failed)', async () => {
    const s = scene({ cardToken: 'tok_chargeDeclined' });
    const { response, appended } = await spec
      .given(...s.given)
      .when(placeOrder(s.token, s.holdId))
      .then({
        status: 402,
        error: { code: 'PAYMENT_DECLINED', details: { reason: expect.any(String) } },
        events: {
          [streams.order(orderIdFor(s.holdId))]: [
            {
              type: 'OrderPaymentAuthorizing',
              data: expect.objectContaining({ attempt: 1, cardToken: 'tok_chargeDeclined' }),
            },
            {
              type: 'OrderPaymentDeclined',
              data: { orderId: orderIdFor(s.holdId), attempt: 1, reason: 'card_declined', declinedAt: NOW },
            },
          ],
          [streams.event(s.eventId)]: [holdReleased(s, 'order_failed', NOW)],
        },
      });
    // Like any command's answer, it says where it wrote: a read with it sees the hold released.
    expect(response.headers.get('x-log-position')).toBe(String(Math.max(...appended.map((e) => e.position))));
    const hold = await spec.t.call('GET', `/v1/reservations/${s.holdId}`, {
      token: s.token,
      headers: { 'x-min-log-position': response.headers.get('x-log-position')! },
    });
    expect(hold.body.status).toBe('RELEASED');
  });

  it('410 RESERVATION_EXPIRED naming the decline when the hold was released by a declined payment', async () => {
    const s = scene({ cardToken: 'tok_chargeDeclined' });
    await spec
      .given(...s.given)
      .when(placeOrder(s.token, s.holdId))
      .then({ status: 402, error: { code: 'PAYMENT_DECLINED' }, events: expect.anything() });
    // The retry (the same card, or any other): the hold is gone, and the answer says why.
    await spec
      .given()
      .when(placeOrder(s.token, s.holdId))
      .then({
        status: 410,
        error: {
          code: 'RESERVATION_EXPIRED',
          details: {
            reservation_id: s.holdId,
            released_because: 'payment_declined',
            decline_reason: 'card_declined',
          },
        },
        events: {},
      });
  });

  it('410 RESERVATION_EXPIRED for a hold past its expiry', async () => {
    const s = scene({ expiresAt: at(-1) });
    await spec
      .given(...s.given)
      .when(placeOrder(s.token, s.holdId))
      .thenError(410, 'RESERVATION_EXPIRED');
  });

  it('422 SALE_NOT_OPEN once the event has started, though the hold still runs: nothing charged, nothing appended', async () => {
    const s = scene({ eventDate: at(-1) });
    await spec
      .given(...s.given)
      .when(placeOrder(s.token, s.holdId))
      .thenError(422, 'SALE_NOT_OPEN', { event_date: at(-1) });
  });

  it('410 SEATS_GONE for a hold of a cancelled event (its hold did not expire)', async () => {
    const s = scene();
    const cancelled = [
      holdReleased(s, 'event_cancelled', at(-10)),
      { type: 'EventCancelled', data: { eventId: s.eventId, cancelledAt: at(-10), reason: 'storm' } },
    ];
    await spec
      .given(...s.given, { [streams.event(s.eventId)]: cancelled })
      .when(placeOrder(s.token, s.holdId))
      .thenError(410, 'SEATS_GONE', { reservation_id: s.holdId });
  });

  it('409 RESERVATION_ALREADY_ORDERED for a hold already sold', async () => {
    const s = scene();
    const sold = {
      type: 'SeatsSold',
      data: {
        eventId: s.eventId,
        holdId: s.holdId,
        orderId: 'an-earlier-order',
        userId: s.userId,
        seatIds: s.seatIds,
        soldAt: at(-30),
        totalCents: 37200,
      },
    };
    await spec
      .given(...s.given, { [streams.event(s.eventId)]: [sold] })
      .when(placeOrder(s.token, s.holdId))
      .thenError(409, 'RESERVATION_ALREADY_ORDERED');
  });

  it("404 RESERVATION_NOT_FOUND for someone else's hold or an unknown one", async () => {
    const s = scene();
    const other = scene();
    await spec
      .given(...s.given, ...other.given)
      .when(placeOrder(other.token, s.holdId))
      .thenError(404, 'RESERVATION_NOT_FOUND');
    await spec.given().when(placeOrder(s.token, 'no-such-hold')).thenError(404, 'RESERVATION_NOT_FOUND');
  });

  it('400 INVALID_PAYMENT_METHOD for a payment method the buyer does not have', async () => {
    const s = scene();
    await spec
      .given(...s.given)
      .when(placeOrder(s.token, s.holdId, 'pm-someone-elses'))
      .thenError(400, 'INVALID_PAYMENT_METHOD');
  });
});
