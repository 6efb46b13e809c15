import { ManualClock } from '../../src/infrastructure/clock/system-clock';
import { toApiError } from '../../src/api/http/middleware';
import { ConcurrencyConflictError } from '../../src/application/shared/stream-command-processor';
import { createEvent } from '../support/fixtures';
import { replayAgainstLive, seatStatuses } from '../support/log-audit';
import { addCard, pollUntil, reserve } from '../support/purchase';
import { startTestApp, type TestApp } from '../support/test-app';

/**
 * The hold runs out between the order's placement and the payment saga's sale. Placed near its end, the order
 * extended it to now + CHECKOUT_GRACE_SECONDS (120 by default): a saga that comes within that still sells the
 * seats; one that comes later voids, fails and frees them.
 */
describe('payment saga when the hold expired meanwhile', () => {
  const clock = new ManualClock('2026-06-01T12:00:00Z');
  let t: TestApp;
  /** Orders whose sale step finds the clock moved on by that many ms. */
  const lateBeforeSell = new Map<string, number>();

  beforeAll(async () => {
    t = await startTestApp({
      clock,
      env: { HOLD_SECONDS: '60', EXPIRY_SWEEP_MS: '50' },
      overrides: {
        sagas: {
          faults: (step, message) => {
            const orderId = (message.data as { orderId?: string }).orderId ?? '';
            const lateMs = lateBeforeSell.get(orderId);
            if (step === 'before-sell' && lateMs !== undefined) {
              lateBeforeSell.delete(orderId);
              clock.advance(lateMs);
            }
          },
        },
      },
    });
  });
  afterAll(() => t.close());

  it('within the checkout grace (the hold lapsed after the order was placed): the seats are sold, the order confirmed', async () => {
    const { eventId } = await createEvent(t.call, await t.adminToken());
    const fan = await t.customerToken();
    const card = await addCard(t.call, fan.token);
    const reservationId = await reserve(t.call, fan.token, eventId, ['s1:A:1', 's1:A:2']);
    const placedAt = clock.now().getTime();
    const { orderIdFor } = await import('../../src/application/orders/order-service');
    lateBeforeSell.set(orderIdFor(reservationId), 61_000); // past the 60 s hold, inside the 120 s grace

    const order = await t.call('POST', '/v1/orders', {
      token: fan.token,
      body: { reservation_id: reservationId, payment_method_id: card },
    });
    expect(order.status).toBe(201);
    const confirmed = await pollUntil(
      t.call,
      `/v1/orders/${order.body.order_id}`,
      fan.token,
      (r) => r.body?.status === 'CONFIRMED' || r.body?.status === 'FAILED',
    );
    expect(confirmed.body).toMatchObject({ status: 'CONFIRMED', payment_status: 'CAPTURED' });
    expect(confirmed.body.tickets).toHaveLength(2);
    const log = await t.app.store.readStream(`event-${eventId}`);
    const types = log.map((e) => e.type);
    expect(types.indexOf('HoldExtended')).toBeGreaterThan(types.indexOf('SeatsHeld'));
    expect(types.indexOf('SeatsSold')).toBeGreaterThan(types.indexOf('HoldExtended'));
    const extended = log.find((e) => e.type === 'HoldExtended')!.data as { expiresAt: string };
    expect(Date.parse(extended.expiresAt)).toBe(placedAt + 120_000);
    const reservation = await t.call('GET', `/v1/reservations/${reservationId}`, { token: fan.token });
    expect(reservation.body).toMatchObject({ status: 'SOLD', expires_at: extended.expiresAt });
    // The replay's invariants hold on this log (the sale came before the extended expiry), and the read models it
    // rebuilds, the reservation's extended expiry included, are the live ones.
    await t.app.runner.catchUp(10_000);
    const report = await replayAgainstLive(t.app, { holdExpiryPeriodMs: 1000 });
    expect(report.violations).toEqual([]);
    expect(report.comparison).toEqual({ equal: true, collections: [] });
    expect(report.ok).toBe(true);
  });

  it('beyond the checkout grace: voids the authorization, fails the order and frees the seats', async () => {
    const { eventId } = await createEvent(t.call, await t.adminToken());
    const fan = await t.customerToken();
    const card = await addCard(t.call, fan.token);
    const reservationId = await reserve(t.call, fan.token, eventId, ['s1:A:1', 's1:A:2']);
    const { orderIdFor } = await import('../../src/application/orders/order-service');
    lateBeforeSell.set(orderIdFor(reservationId), 121_000);

    const order = await t.call('POST', '/v1/orders', {
      token: fan.token,
      body: { reservation_id: reservationId, payment_method_id: card },
    });
    expect(order.status).toBe(201);
    const failed = await pollUntil(
      t.call,
      `/v1/orders/${order.body.order_id}`,
      fan.token,
      (r) => r.body?.status === 'FAILED',
    );
    expect(failed.body).toMatchObject({
      status: 'FAILED',
      payment_status: 'VOIDED',
      failure_reason: 'HOLD_EXPIRED',
      tickets: [],
    });
    const seats = await pollUntil(
      t.call,
      `/v1/events/${eventId}/seats`,
      fan.token,
      (r) => seatStatuses(r.body).get('s1:A:1') === 'AVAILABLE',
    );
    expect(seatStatuses(seats.body).get('s1:A:2')).toBe('AVAILABLE');
    const log = await t.app.store.readStream(`event-${eventId}`);
    expect(log.filter((e) => e.type === 'SeatsSold')).toHaveLength(0);
  });
});

describe('a stream that keeps changing under us', () => {
  it('answers 503 SERVICE_UNAVAILABLE with Retry-After', () => {
    const error = toApiError(new ConcurrencyConflictError('event-x', 21));
    expect(error.status).toBe(503);
    expect(error.code).toBe('SERVICE_UNAVAILABLE');
    expect(error.headers['Retry-After']).toBe('1');
  });
});
