import { checkInvariants } from '../../src/application/audit/invariants';
import { orderIdFor } from '../../src/application/orders/order-service';
import type { PaymentGateway } from '../../src/application/ports/payment-gateway';
import { systemMetadata } from '../../src/application/shared/command-metadata';
import { ManualClock } from '../../src/infrastructure/clock/system-clock';
import type { TestPaymentGateway } from '../../src/infrastructure/payments/test-payment-gateway';
import { createEvent } from '../support/fixtures';
import type { ApiResponse } from '../support/http';
import { replayAgainstLive, seatStatuses } from '../support/log-audit';
import { cartHoldId, testCard } from '../support/partner';
import { createPartnerClient } from '../support/partner-client';
import { addCard, pollUntil, reserve } from '../support/purchase';
import { startTestApp, type TestApp } from '../support/test-app';

/**
 * The gap between the gateway's authorization and OrderPlaced (red team: a kill -9 there left the buyer's money
 * held with no order, forever). The payment attempt is recorded before the gateway is called; here the process
 * "dies" right after the authorization (the gateway wrapper throws, so the request ends without PlaceOrder and the
 * log is exactly what a kill leaves: the attempt AUTHORIZING). Then: a retry of the same request finishes the
 * order with the one authorization; otherwise the watchdog (or, for a partner cart, the expiry job) voids it.
 * The child-process version with a real SIGKILL is tests/concurrency/authorization-crash.int.test.ts.
 */
describe('a crash between the authorization and the order', () => {
  const clock = new ManualClock(new Date(Date.UTC(2026, 5, 1, 12)));
  const AFTER_MS = 30_000;
  let t: TestApp;
  let gateway: TestPaymentGateway;
  /** Orders whose next authorization "crashes the process" once it succeeded at the gateway. */
  const crashAfterAuthorize = new Set<string>();
  /** Every authorization the gateway answered: idempotency key -> authorization id. */
  const authorizations = new Map<string, string>();
  let partner: { partnerId: string; token: string };

  const keysOf = (orderId: string) =>
    [...authorizations.keys()].filter(
      (k) => k === `authorize:${orderId}` || k.startsWith(`authorize:${orderId}:`),
    );
  const recordOf = (key: string) => gateway.authorizationRecord(authorizations.get(key)!);
  const orderLog = async (orderId: string) => t.app.store.readStream(`order-${orderId}`);
  const types = async (orderId: string) => (await orderLog(orderId)).map((e) => e.type);

  beforeAll(async () => {
    t = await startTestApp({
      clock,
      env: {
        ORDER_WATCHDOG_AFTER_MS: String(AFTER_MS),
        ORDER_WATCHDOG_INTERVAL_MS: '3600000', // sweeps are run by hand below
        EXPIRY_SWEEP_MS: '3600000', // so is the expiry job
        HOLD_SECONDS: '600',
        PARTNER_HOLD_SECONDS: '600',
      },
      overrides: {
        gateway: (inner: PaymentGateway): PaymentGateway => {
          gateway = inner as TestPaymentGateway;
          return {
            describeToken: (token) => inner.describeToken(token),
            tokenizeCard: (card) => inner.tokenizeCard(card),
            authorize: async (request) => {
              const authorization = await inner.authorize(request);
              authorizations.set(request.idempotencyKey, authorization.authorizationId);
              const orderId = request.idempotencyKey.split(':')[1];
              if (crashAfterAuthorize.delete(orderId)) throw new Error('simulated crash after authorize');
              return authorization;
            },
            capture: (request) => inner.capture(request),
            voidAuthorization: (request) => inner.voidAuthorization(request),
            refund: (request) => inner.refund(request),
          };
        },
      },
    });
    const client = await createPartnerClient(t, { name: 'Crash Tickets', quota_per_hour: 100_000 });
    partner = { partnerId: client.partnerId, token: client.token };
  });
  afterAll(() => t?.close());

  /** A fan with a card and a hold on two seats of a new event, and the order that hold would become. */
  const fanWithHold = async () => {
    const { eventId } = await createEvent(t.call, await t.adminToken());
    const fan = await t.customerToken();
    const card = await addCard(t.call, fan.token);
    const reservationId = await reserve(t.call, fan.token, eventId, ['s1:A:1', 's1:A:2']);
    const order = (paymentMethodId = card, uncheckedBecause?: string) =>
      t.call('POST', '/v1/orders', {
        token: fan.token,
        body: {
          reservation_id: reservationId,
          payment_method_id: paymentMethodId,
          delivery_method: 'MOBILE',
        },
        ...(uncheckedBecause ? { uncheckedBecause } : {}),
      });
    return { eventId, fan, card, reservationId, orderId: orderIdFor(reservationId), order };
  };

  /** The POST whose process dies after the gateway authorized: no answer worth the name, no OrderPlaced. */
  const crashedOrder = async (s: Awaited<ReturnType<typeof fanWithHold>>) => {
    crashAfterAuthorize.add(s.orderId);
    const res = await s.order(s.card, 'the simulated crash answers 500, which no operation documents');
    expect(res.status).toBe(500);
    expect(await types(s.orderId)).toEqual(['OrderPaymentAuthorizing']);
    const key = `authorize:${s.orderId}`;
    expect(recordOf(key)).toMatchObject({ voided: false, captures: {} }); // the buyer's money is held
    await t.app.runner.catchUp();
    // Not an order yet: the buyer sees none (exactly as before attempts were recorded).
    const shown = await t.call('GET', `/v1/orders/${s.orderId}`, { token: s.fan.token });
    expect(shown.status).toBe(404);
    return key;
  };

  const confirmed = (orderId: string, token: string, path = `/v1/orders/${orderId}`) =>
    pollUntil(t.call, path, token, (r) => r.body?.status === 'CONFIRMED' && r.body.tickets.length === 2);

  it('a retry of the same request before the watchdog acts places the order with the one authorization', async () => {
    const s = await fanWithHold();
    const key = await crashedOrder(s);
    expect(await t.app.watchdog.sweep()).toMatchObject({ released: 0 }); // too young: a request may hold it

    const retried = await s.order();
    expect(retried.status).toBe(201);
    expect(retried.body).toMatchObject({
      order_id: s.orderId,
      status: 'PENDING',
      payment_status: 'AUTHORIZED',
    });
    const done = await confirmed(s.orderId, s.fan.token);
    expect(done.body.payment_status).toBe('CAPTURED');

    expect(keysOf(s.orderId)).toEqual([key]); // one authorization...
    const record = recordOf(key)!;
    expect(record).toMatchObject({
      voided: false,
      captures: { [`capture:${s.orderId}`]: record.amountCents },
    });
    expect(await types(s.orderId)).toEqual([
      'OrderPaymentAuthorizing', // ...one attempt, continued by the retry...
      'OrderPlaced',
      'PaymentCaptured', // ...and one capture
      'OrderConfirmed',
      'TicketsIssued',
    ]);
    const placed = (await orderLog(s.orderId))[1].data as { authorizationId: string; totalCents: number };
    expect(placed.authorizationId).toBe(authorizations.get(key));
    expect(record.amountCents).toBe(placed.totalCents);
  });

  it('left alone: the watchdog voids the authorization past its threshold; the hold then expires normally', async () => {
    const s = await fanWithHold();
    const key = await crashedOrder(s);
    clock.advance(AFTER_MS + 1);
    await t.app.runner.catchUp();
    expect(await t.app.watchdog.sweep()).toMatchObject({ released: 1 });

    expect(recordOf(key)).toMatchObject({ voided: true, captures: {} });
    const log = await orderLog(s.orderId);
    expect(log.map((e) => e.type)).toEqual([
      'OrderPaymentAuthorizing',
      'OrderPaymentAbandoned',
      'OrderPaymentVoided',
    ]);
    expect(log[1].data).toMatchObject({ attempt: 1, reason: 'watchdog_timeout' });
    expect(log[2].data).toMatchObject({ attempt: 1, authorizationId: authorizations.get(key) });
    expect(log.slice(1).map((e) => e.metadata.userId)).toEqual(['saga:watchdog', 'saga:watchdog']);
    expect(keysOf(s.orderId)).toEqual([key]); // asked again with the same key: the same authorization

    // Nothing left to do; no order appears; the seats stay held until the hold runs out, then are free.
    await t.app.runner.catchUp();
    expect(await t.app.watchdog.sweep()).toMatchObject({ released: 0 });
    expect((await t.call('GET', `/v1/orders/${s.orderId}`, { token: s.fan.token })).status).toBe(404);
    const held = seatStatuses((await t.call('GET', `/v1/events/${s.eventId}/seats`)).body);
    expect([held.get('s1:A:1'), held.get('s1:A:2')]).toEqual(['RESERVED', 'RESERVED']);
    clock.advance(600_000);
    await t.app.reservations.releaseExpired(systemMetadata('expiry-job', 'test-expiry'));
    await t.app.runner.catchUp();
    const free = seatStatuses((await t.call('GET', `/v1/events/${s.eventId}/seats`)).body);
    expect([free.get('s1:A:1'), free.get('s1:A:2')]).toEqual(['AVAILABLE', 'AVAILABLE']);
  });

  it('after the watchdog voided it, the buyer may retry while the hold lasts: a new attempt, a new key', async () => {
    const s = await fanWithHold();
    const first = await crashedOrder(s);
    clock.advance(AFTER_MS + 1);
    await t.app.runner.catchUp();
    expect(await t.app.watchdog.sweep()).toMatchObject({ released: 1 });

    const retried = await s.order();
    expect(retried.status).toBe(201);
    await confirmed(s.orderId, s.fan.token);
    const second = `authorize:${s.orderId}:2`;
    expect(keysOf(s.orderId)).toEqual([first, second]);
    expect(recordOf(first)).toMatchObject({ voided: true, captures: {} });
    expect(recordOf(second)).toMatchObject({
      voided: false,
      captures: { [`capture:${s.orderId}`]: expect.any(Number) },
    });
  });

  it('a retry with another card releases the first attempt (voided) and pays with the new one', async () => {
    const s = await fanWithHold();
    const first = await crashedOrder(s);
    const otherCard = await addCard(t.call, s.fan.token, 'tok_mastercard');
    const retried = await s.order(otherCard);
    expect(retried.status).toBe(201);
    await confirmed(s.orderId, s.fan.token);

    expect(recordOf(first)).toMatchObject({ voided: true, captures: {} });
    const second = `authorize:${s.orderId}:2`;
    expect(recordOf(second)).toMatchObject({
      voided: false,
      captures: { [`capture:${s.orderId}`]: expect.any(Number) },
    });
    const log = await orderLog(s.orderId);
    expect(log.slice(0, 5).map((e) => e.type)).toEqual([
      'OrderPaymentAuthorizing',
      'OrderPaymentAbandoned',
      'OrderPaymentVoided',
      'OrderPaymentAuthorizing',
      'OrderPlaced',
    ]);
    expect(log[1].data).toMatchObject({ reason: 'payment_method_changed' });
    expect(log[4].data).toMatchObject({ paymentMethodId: otherCard, cardToken: 'tok_mastercard' });
  });

  describe('partner cart commits', () => {
    /** A partner cart on a new event with its card set, and the order its hold would become. */
    const cartWithPayment = async () => {
      const { eventId } = await createEvent(t.call, await t.adminToken(), { restrictSingleSeat: false });
      const created = await t.call('POST', `/partners/v1/events/${eventId}/cart`, {
        token: partner.token,
        body: { tier_id: `${eventId}-t1`, quantity: 2 },
      });
      expect(created.status).toBe(201);
      const cartId = created.body.cart_id as string;
      await t.app.partnerCarts.setPayment(
        eventId,
        cartId,
        partner.partnerId,
        testCard(),
        systemMetadata(partner.partnerId, `cart-${cartId}`),
      );
      const orderId = orderIdFor(await cartHoldId(t.app.store, eventId, cartId));
      const commit = async (uncheckedBecause?: string): Promise<ApiResponse> => {
        let res = await t.call('PUT', `/partners/v1/events/${eventId}/cart`, {
          token: partner.token,
          body: { cart_id: cartId },
          ...(uncheckedBecause ? { uncheckedBecause } : {}),
        });
        while (res.status === 202)
          res = await t.call('GET', res.body.polling_url, {
            token: partner.token,
            ...(uncheckedBecause ? { uncheckedBecause } : {}),
          });
        return res;
      };
      const crashedCommit = async () => {
        crashAfterAuthorize.add(orderId);
        const res = await commit('the simulated crash answers 500, which no operation documents');
        expect(res.status).toBe(500);
        expect(await types(orderId)).toEqual(['OrderPaymentAuthorizing']);
        expect((await t.app.partnerCarts.get(eventId, cartId, partner.partnerId)).status).toBe('CHECKOUT');
        expect(recordOf(`authorize:${orderId}`)).toMatchObject({ voided: false, captures: {} });
      };
      return { eventId, cartId, orderId, commit, crashedCommit };
    };

    it('a retried commit places the order with the one authorization and commits the cart', async () => {
      const c = await cartWithPayment();
      await c.crashedCommit();
      const retried = await c.commit();
      expect(retried.status).toBe(201);
      expect(retried.body.order_id).toBe(c.orderId);
      await confirmed(c.orderId, partner.token, `/partners/v1/orders/${c.orderId}`);
      expect((await t.app.partnerCarts.get(c.eventId, c.cartId, partner.partnerId)).status).toBe('COMMITTED');
      const key = `authorize:${c.orderId}`;
      expect(keysOf(c.orderId)).toEqual([key]);
      const record = recordOf(key)!;
      expect(record).toMatchObject({
        voided: false,
        captures: { [`capture:${c.orderId}`]: record.amountCents },
      });
      expect((await types(c.orderId)).filter((type) => type === 'OrderPaymentAuthorizing')).toHaveLength(1);
    });

    it('never retried: the expiry job voids the authorization before failing the cart (CHECKOUT_INTERRUPTED)', async () => {
      const c = await cartWithPayment();
      await c.crashedCommit();
      clock.advance(600_000 + 60_000 + 1); // past the cart's hold time and the checkout grace
      await t.app.runner.catchUp();
      await t.app.partnerCarts.expireDue(systemMetadata('expiry-job', 'test-cart-expiry'));

      expect(recordOf(`authorize:${c.orderId}`)).toMatchObject({ voided: true, captures: {} });
      const log = await orderLog(c.orderId);
      expect(log.map((e) => e.type)).toEqual([
        'OrderPaymentAuthorizing',
        'OrderPaymentAbandoned',
        'OrderPaymentVoided',
      ]);
      expect(log[1].data).toMatchObject({ reason: 'checkout_interrupted' });
      const cart = await t.app.partnerCarts.get(c.eventId, c.cartId, partner.partnerId);
      expect(cart.status).toBe('FAILED');
      const cartLog = (await t.app.store.readStream(`cart-${c.cartId}`)).map((e) => e.type);
      // The money was released before the cart said its checkout failed.
      expect(cartLog.at(-1)).toBe('CartCheckoutFailed');
      expect(log[2].position).toBeLessThan(
        (await t.app.store.readStream(`cart-${c.cartId}`)).at(-1)!.position,
      );
      await t.app.runner.catchUp();
      expect(await t.app.watchdog.sweep()).toMatchObject({ released: 0 });
    });

    it('left alone before the cart expires: the watchdog voids it, and the partner may commit again', async () => {
      const c = await cartWithPayment();
      await c.crashedCommit();
      clock.advance(AFTER_MS + 1);
      await t.app.runner.catchUp();
      expect(await t.app.watchdog.sweep()).toMatchObject({ released: 1 });
      expect(recordOf(`authorize:${c.orderId}`)).toMatchObject({ voided: true, captures: {} });

      const retried = await c.commit();
      expect(retried.status).toBe(201);
      await confirmed(c.orderId, partner.token, `/partners/v1/orders/${c.orderId}`);
      expect(recordOf(`authorize:${c.orderId}:2`)).toMatchObject({
        voided: false,
        captures: { [`capture:${c.orderId}`]: expect.any(Number) },
      });
    });
  });

  it('the log audits clean: no attempt left open, every authorization captured or voided; replay equal', async () => {
    await t.app.runner.catchUp();
    const report = await checkInvariants(t.app.store);
    expect(report.violations).toEqual([]);
    expect(report.orders.authorizing).toBe(0);
    expect(report.ok).toBe(true);
    const replay = await replayAgainstLive(t.app);
    expect(replay.comparison).toEqual({ equal: true, collections: [] });
    expect(replay.ok).toBe(true);
  });
});
