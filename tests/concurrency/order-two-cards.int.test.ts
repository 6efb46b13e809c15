import type { PaymentGateway } from '../../src/application/ports/payment-gateway';
import { createEvent } from '../support/fixtures';
import { addCard, pollUntil, reserve } from '../support/purchase';
import { startTestApp, type TestApp } from '../support/test-app';

/**
 * One buyer, one hold, two order requests at once with two cards (a double click after switching card). The first
 * card's request is still at the gateway when the second abandons its attempt and places the order; the gateway
 * then declines the first card. That late decline must not release the hold: the order answered 201 would fail
 * (HOLD_EXPIRED) and the seats go back on sale (red team: it did).
 */
describe('two order requests for one hold with two cards, the first declined late', () => {
  let t: TestApp;
  /** Authorizations wait here, per card token, until the test opens their gate. */
  const gates = new Map<string, { wait: Promise<void>; open: () => void }>();
  const gateFor = (cardToken: string) => {
    let open: () => void = () => undefined;
    const wait = new Promise<void>((resolve) => (open = resolve));
    gates.set(cardToken, { wait, open });
    return open;
  };

  beforeAll(async () => {
    t = await startTestApp({
      overrides: {
        // Each card's first authorization waits at the gateway until the test lets it answer (later calls, such as
        // the one abandoning an attempt makes to void it, go through).
        gateway: (inner: PaymentGateway) => {
          const slow = Object.create(inner) as PaymentGateway;
          slow.authorize = async (request) => {
            const gate = gates.get(request.cardToken);
            gates.delete(request.cardToken);
            if (gate) await gate.wait;
            return inner.authorize(request);
          };
          return slow;
        },
      },
    });
  });
  afterAll(() => t.close());

  it('the second card’s order is confirmed; the late decline of the first releases nothing', async () => {
    const declineNow = gateFor('tok_chargeDeclined');
    const authorizeNow = gateFor('tok_visa');
    const { eventId } = await createEvent(t.call, await t.adminToken());
    const fan = await t.customerToken();
    const declining = await addCard(t.call, fan.token, 'tok_chargeDeclined');
    const good = await addCard(t.call, fan.token, 'tok_visa');
    const reservationId = await reserve(t.call, fan.token, eventId, ['s1:A:1', 's1:A:2']);
    const order = (paymentMethodId: string) =>
      t.call('POST', '/v1/orders', {
        token: fan.token,
        body: { reservation_id: reservationId, payment_method_id: paymentMethodId },
      });

    const { orderIdFor } = await import('../../src/application/orders/order-service');
    const orderId = orderIdFor(reservationId);
    const attemptsRecorded = async (n: number) => {
      for (;;) {
        const log = await t.app.store.readStream(`order-${orderId}`);
        if (log.filter((e) => e.type === 'OrderPaymentAuthorizing').length >= n) return;
        await new Promise((r) => setTimeout(r, 10));
      }
    };
    const first = order(declining);
    await attemptsRecorded(1); // the first request waits at the gateway
    const second = order(good);
    await attemptsRecorded(2); // the second abandoned the first attempt and waits at the gateway with its own
    declineNow();
    expect((await first).status).toBe(402); // the decline arrives before the second request places the order
    authorizeNow();
    expect((await second).status).toBe(201);

    const done = await pollUntil(t.call, `/v1/orders/${orderId}`, fan.token, (r) =>
      ['CONFIRMED', 'FAILED'].includes(r.body?.status),
    );
    expect(done.body).toMatchObject({ status: 'CONFIRMED', payment_status: 'CAPTURED' });
    const seats = await t.app.store.readStream(`event-${eventId}`);
    expect(seats.map((e) => e.type).filter((type) => type !== 'HoldExtended')).toEqual([
      'EventCreated',
      'EventPublished',
      'SeatsHeld',
      'SeatsSold',
    ]);
  });

  it('the first card authorized late, after the second took over: 409 PAYMENT_SUPERSEDED naming the order, its authorization voided', async () => {
    const firstAnswers = gateFor('tok_mastercard');
    const secondAnswers = gateFor('tok_amex');
    const { eventId } = await createEvent(t.call, await t.adminToken());
    const fan = await t.customerToken();
    const firstCard = await addCard(t.call, fan.token, 'tok_mastercard');
    const secondCard = await addCard(t.call, fan.token, 'tok_amex');
    const reservationId = await reserve(t.call, fan.token, eventId, ['s1:B:1']);
    const order = (paymentMethodId: string) =>
      t.call('POST', '/v1/orders', {
        token: fan.token,
        body: { reservation_id: reservationId, payment_method_id: paymentMethodId },
      });
    const { orderIdFor } = await import('../../src/application/orders/order-service');
    const orderId = orderIdFor(reservationId);
    const orderLog = async () => (await t.app.store.readStream(`order-${orderId}`)).map((e) => e.type);
    const until = async (done: (types: string[]) => boolean) => {
      while (!done(await orderLog())) await new Promise((r) => setTimeout(r, 10));
    };

    const first = order(firstCard);
    await until((types) => types.includes('OrderPaymentAuthorizing'));
    const second = order(secondCard);
    // The second request abandons the first attempt (and voids its authorization), then waits at the gateway.
    await until((types) => types.includes('OrderPaymentVoided'));
    firstAnswers(); // the first card's authorization comes back, for an attempt already released
    const refused = await first;
    expect(refused.status).toBe(409);
    expect(refused.body.error).toMatchObject({ code: 'PAYMENT_SUPERSEDED', details: { order_id: orderId } });
    secondAnswers();
    expect((await second).status).toBe(201);

    const done = await pollUntil(t.call, `/v1/orders/${orderId}`, fan.token, (r) =>
      ['CONFIRMED', 'FAILED'].includes(r.body?.status),
    );
    expect(done.body).toMatchObject({ status: 'CONFIRMED', payment_status: 'CAPTURED' });
    const log = await t.app.store.readStream(`order-${orderId}`);
    const attempts = log
      .filter((e) => e.type === 'OrderPaymentAuthorizing')
      .map((e) => (e.data as { attempt: number }).attempt);
    expect(attempts).toEqual([1, 2]);
    // The first attempt's money was released, and the order carries the second card's attempt.
    expect(log.find((e) => e.type === 'OrderPaymentVoided')?.data).toMatchObject({ attempt: 1 });
    expect(log.find((e) => e.type === 'OrderPlaced')?.data).toMatchObject({
      paymentMethodId: secondCard,
    });
  });
});
