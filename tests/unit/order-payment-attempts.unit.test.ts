// Payment attempts on the order's stream: the intent to authorize is recorded before the gateway is called, and an
// attempt ends placed, declined, or abandoned then voided. PlaceOrder only takes an attempt still authorizing.
import { attemptsToRelease } from '../../src/application/orders/payment-attempts';
import {
  authorizationKey,
  orderDecider,
  type OrderEvent,
  type RequestPaymentAuthorization,
} from '../../src/domain/order/order';
import { spec } from '../support/given-when-then';
import { at, attempt, authorizing, ctx, later, now, orderPlaced, place } from './fixtures/order';

const order = spec(orderDecider);

const request: RequestPaymentAuthorization = {
  type: 'RequestPaymentAuthorization',
  orderId: 'o1',
  holdId: 'r1',
  eventId: 'e1',
  userId: 'u1',
  amountCents: 12400,
  paymentMethodId: 'pm1',
  cardToken: 'tok_visa',
};
const declined: OrderEvent = {
  type: 'OrderPaymentDeclined',
  data: { orderId: 'o1', attempt: 1, reason: 'card_declined', declinedAt: at },
};
const abandoned: OrderEvent = {
  type: 'OrderPaymentAbandoned',
  data: { orderId: 'o1', attempt: 1, reason: 'watchdog_timeout', abandonedAt: at },
};
const voided: OrderEvent = {
  type: 'OrderPaymentVoided',
  data: { orderId: 'o1', attempt: 1, authorizationId: 'auth_1', voidedAt: at },
};
const second: OrderEvent = {
  type: 'OrderPaymentAuthorizing',
  data: { ...attempt, attempt: 2, idempotencyKey: 'authorize:o1:2' },
};

describe('requesting a payment authorization', () => {
  it('records the attempt first, keyed as orders were authorized before attempts existed', () => {
    order.given([], ctx).when(request).then([authorizing]);
    expect(authorizationKey('o1', 1)).toBe('authorize:o1');
    expect(order.given([authorizing]).state().placed).toBeUndefined();
  });

  it('a retry with the same card and amount continues the attempt in progress (same idempotency key)', () => {
    order.given([authorizing], ctx).when(request).thenNothing();
  });

  it('another card or amount while one is in progress is refused (retryable), never a second authorization', () => {
    order
      .given([authorizing], ctx)
      .when({ ...request, cardToken: 'tok_mastercard', paymentMethodId: 'pm2' })
      .thenThrows('PAYMENT_UNAVAILABLE');
    order
      .given([authorizing], ctx)
      .when({ ...request, amountCents: 12500 })
      .thenThrows('PAYMENT_UNAVAILABLE');
  });

  it('after a declined or abandoned attempt, the next one gets a key of its own', () => {
    order.given([authorizing, declined], ctx).when(request).then([second]);
    order.given([authorizing, abandoned], ctx).when(request).then([second]);
    order.given([authorizing, abandoned, voided], ctx).when(request).then([second]);
  });

  it('a placed order takes no more attempts', () => {
    order
      .given([authorizing, orderPlaced], ctx)
      .when(request)
      .thenThrows('RESERVATION_ALREADY_ORDERED', { order_id: 'o1' });
  });

  it('an amount that is not a positive whole number of cents is refused', () => {
    order
      .given([], ctx)
      .when({ ...request, amountCents: 0 })
      .thenThrows('VALIDATION_ERROR');
    order
      .given([], ctx)
      .when({ ...request, amountCents: 12.5 })
      .thenThrows('VALIDATION_ERROR');
  });
});

describe('placing the order with an attempt', () => {
  it('needs the attempt recorded and still authorizing', () => {
    order.given([], ctx).when(place).thenThrows('PAYMENT_UNAVAILABLE');
    order.given([authorizing, abandoned], ctx).when(place).thenThrows('PAYMENT_UNAVAILABLE');
    order.given([authorizing, declined], ctx).when(place).thenThrows('PAYMENT_UNAVAILABLE');
    // Released for a later attempt (another card for the same hold): that attempt's order, not a retry.
    order
      .given([authorizing, abandoned, second], ctx)
      .when(place)
      .thenThrows('PAYMENT_SUPERSEDED', { order_id: place.orderId });
    order
      .given([authorizing, abandoned, second], ctx)
      .when({ ...place, paymentAttempt: 2 })
      .then([orderPlaced]);
  });

  it('must be placed with what was authorized: its amount and card', () => {
    order
      .given([{ type: 'OrderPaymentAuthorizing', data: { ...attempt, amountCents: 9900 } }], ctx)
      .when(place)
      .thenThrows('VALIDATION_ERROR', { authorized_cents: 9900 });
    order
      .given([authorizing], ctx)
      .when({ ...place, cardToken: 'tok_mastercard' })
      .thenThrows('VALIDATION_ERROR');
  });

  it('marks the attempt PLACED; an abandon coming later changes nothing', () => {
    const state = order.given([authorizing, orderPlaced]).state();
    expect(state.attempts?.map((a) => a.status)).toEqual(['PLACED']);
    order
      .given([authorizing, orderPlaced], ctx)
      .when({ type: 'AbandonPaymentAttempt', attempt: 1, reason: 'watchdog_timeout' })
      .thenNothing();
  });
});

describe('ending an attempt', () => {
  it('declined: recorded once', () => {
    order
      .given([authorizing], ctx)
      .when({ type: 'RecordPaymentDeclined', attempt: 1, reason: 'card_declined' })
      .then([declined]);
    order
      .given([authorizing, declined], ctx)
      .when({ type: 'RecordPaymentDeclined', attempt: 1, reason: 'card_declined' })
      .thenNothing();
  });

  it('abandoned, then voided: each once, in that order', () => {
    const abandon = { type: 'AbandonPaymentAttempt' as const, attempt: 1, reason: 'watchdog_timeout' };
    const voidIt = { type: 'RecordPaymentVoided' as const, attempt: 1, authorizationId: 'auth_1' };
    order.given([authorizing], ctx).when(voidIt).thenNothing(); // not abandoned: nothing to record
    order.given([authorizing], ctx).when(abandon).then([abandoned]);
    order.given([authorizing, abandoned], ctx).when(abandon).thenNothing();
    order.given([authorizing, abandoned], ctx).when(voidIt).then([voided]);
    order.given([authorizing, abandoned, voided], ctx).when(voidIt).thenNothing();
    expect(order.given([authorizing, abandoned, voided]).state().attempts?.[0].status).toBe('VOIDED');
  });

  it('an attempt that does not exist is not ended', () => {
    order
      .given([authorizing], ctx)
      .when({ type: 'AbandonPaymentAttempt', attempt: 2, reason: 'watchdog_timeout' })
      .thenNothing();
  });
});

describe('which attempts the watchdog releases (decided on the stream)', () => {
  const afterMs = 30_000;
  const cutoff = (offsetMs: number) => later(offsetMs).now.getTime() - afterMs;

  it('an attempt authorizing for longer than the threshold; a younger one may still be a live request', () => {
    const state = order.given([authorizing]).state();
    expect(attemptsToRelease(state, cutoff(afterMs - 1))).toEqual([]);
    expect(attemptsToRelease(state, cutoff(afterMs)).map((a) => a.attempt)).toEqual([1]);
  });

  it('an abandoned attempt at once (its void is owed), placed order or not', () => {
    expect(
      attemptsToRelease(order.given([authorizing, abandoned]).state(), now.getTime() - afterMs),
    ).toHaveLength(1);
    const placedAfter = order.given([authorizing, abandoned, second, orderPlaced]).state();
    expect(attemptsToRelease(placedAfter, cutoff(afterMs * 10)).map((a) => a.attempt)).toEqual([1]);
  });

  it('nothing for placed, declined or voided attempts', () => {
    for (const history of [
      [authorizing, orderPlaced],
      [authorizing, declined],
      [authorizing, abandoned, voided],
    ])
      expect(attemptsToRelease(order.given(history).state(), cutoff(afterMs * 10))).toEqual([]);
  });
});
