import { ManualClock } from '../../src/infrastructure/clock/system-clock';
import { toApiError } from '../../src/api/http/middleware';
import { ConcurrencyConflictError } from '../../src/application/shared/stream-command-processor';
import { createEvent } from '../support/fixtures';
import { seatStatuses } from '../support/log-audit';
import { addCard, pollUntil, reserve } from '../support/purchase';
import { startTestApp, type TestApp } from '../support/test-app';

/** The hold expires between the order's authorization and the payment saga: void, fail, seats free. */
describe('payment saga when the hold expired meanwhile', () => {
  const clock = new ManualClock('2026-06-01T12:00:00Z');
  let t: TestApp;
  const expireBeforeSell = new Set<string>();

  beforeAll(async () => {
    t = await startTestApp({
      clock,
      env: { HOLD_SECONDS: '60', EXPIRY_SWEEP_MS: '50' },
      overrides: {
        sagas: {
          faults: (step, message) => {
            const orderId = (message.data as { orderId?: string }).orderId ?? '';
            if (step === 'before-sell' && expireBeforeSell.delete(orderId)) clock.advance(61_000);
          },
        },
      },
    });
  });
  afterAll(() => t.close());

  it('voids the authorization, fails the order and frees the seats', async () => {
    const { eventId } = await createEvent(t.call, await t.adminToken());
    const fan = await t.customerToken();
    const card = await addCard(t.call, fan.token);
    const reservationId = await reserve(t.call, fan.token, eventId, ['s1:A:1', 's1:A:2']);
    const { orderIdFor } = await import('../../src/application/orders/order-service');
    expireBeforeSell.add(orderIdFor(reservationId));

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
