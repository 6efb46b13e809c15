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

  /**
   * A fan with the two cards, a hold on `seats`, and what the cases need: an order request per card, the order's id,
   * a wait until its stream holds what `done` looks for, and a wait until the order is confirmed or failed.
   */
  async function twoCards(cards: [string, string], seats: string[]) {
    const { eventId } = await createEvent(t.call, await t.adminToken());
    const fan = await t.customerToken();
    const first = await addCard(t.call, fan.token, cards[0]);
    const second = await addCard(t.call, fan.token, cards[1]);
    const reservationId = await reserve(t.call, fan.token, eventId, seats);
    const { orderIdFor } = await import('../../src/application/orders/order-service');
    const orderId = orderIdFor(reservationId);
    return {
      eventId,
      orderId,
      cards: { first, second },
      order: (paymentMethodId: string) =>
        t.call('POST', '/v1/orders', {
          token: fan.token,
          body: { reservation_id: reservationId, payment_method_id: paymentMethodId },
        }),
      orderLog: () => t.app.store.readStream(`order-${orderId}`),
      until: async (done: (types: string[]) => boolean) => {
        for (;;) {
          const types = (await t.app.store.readStream(`order-${orderId}`)).map((e) => e.type);
          if (done(types)) return;
          await new Promise((r) => setTimeout(r, 10));
        }
      },
      ended: () =>
        pollUntil(t.call, `/v1/orders/${orderId}`, fan.token, (r) =>
          ['CONFIRMED', 'FAILED'].includes(r.body?.status),
        ),
    };
  }
  const attempts = (n: number) => (types: string[]) =>
    types.filter((type) => type === 'OrderPaymentAuthorizing').length >= n;

  it('the second card’s order is confirmed; the late decline of the first releases nothing', async () => {
    const declineNow = gateFor('tok_chargeDeclined');
    const authorizeNow = gateFor('tok_visa');
    const { eventId, cards, order, until, ended } = await twoCards(
      ['tok_chargeDeclined', 'tok_visa'],
      ['s1:A:1', 's1:A:2'],
    );
    const first = order(cards.first);
    await until(attempts(1)); // the first request waits at the gateway
    const second = order(cards.second);
    await until(attempts(2)); // the second abandoned the first attempt and waits at the gateway with its own
    declineNow();
    expect((await first).status).toBe(402); // the decline arrives before the second request places the order
    authorizeNow();
    expect((await second).status).toBe(201);

    expect((await ended()).body).toMatchObject({ status: 'CONFIRMED', payment_status: 'CAPTURED' });
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
    const { orderId, cards, order, orderLog, until, ended } = await twoCards(
      ['tok_mastercard', 'tok_amex'],
      ['s1:B:1'],
    );
    const first = order(cards.first);
    await until(attempts(1));
    const second = order(cards.second);
    // The second request abandons the first attempt (and voids its authorization), then waits at the gateway.
    await until((types) => types.includes('OrderPaymentVoided'));
    firstAnswers(); // the first card's authorization comes back, for an attempt already released
    const refused = await first;
    expect(refused.status).toBe(409);
    expect(refused.body.error).toMatchObject({ code: 'PAYMENT_SUPERSEDED', details: { order_id: orderId } });
    secondAnswers();
    expect((await second).status).toBe(201);

    expect((await ended()).body).toMatchObject({ status: 'CONFIRMED', payment_status: 'CAPTURED' });
    const log = await orderLog();
    const numbers = log
      .filter((e) => e.type === 'OrderPaymentAuthorizing')
      .map((e) => (e.data as { attempt: number }).attempt);
    expect(numbers).toEqual([1, 2]);
    // The first attempt's money was released, and the order carries the second card's attempt.
    expect(log.find((e) => e.type === 'OrderPaymentVoided')?.data).toMatchObject({ attempt: 1 });
    expect(log.find((e) => e.type === 'OrderPlaced')?.data).toMatchObject({
      paymentMethodId: cards.second,
    });
  });
});
