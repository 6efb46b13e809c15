import {
  cartDecider,
  cartTotals,
  type CartCreated,
  type CartEvent,
  type CreateCart,
  type SetCartPayment,
} from '../../src/domain/cart/cart';
import { spec } from '../support/given-when-then';

/** The partner cart (`cart-{id}`): what may change when, and who may change it. */
const NOW = '2030-03-01T12:00:00.000Z';
const EXPIRES = '2030-03-01T12:10:00.000Z';
const AFTER = '2030-03-01T12:10:00.000Z'; // exactly the expiry: the hold has lapsed
const at = (iso = NOW) => ({ now: new Date(iso) });

const create: CreateCart = {
  type: 'CreateCart',
  cartId: 'c1',
  partnerId: 'partner-a',
  eventId: 'e1',
  holdId: 'h1',
  seats: [
    { seatId: 's1:A:1', section: 'Floor', row: 'A', seat: '1', priceCents: 15000, feesCents: 1250 },
    { seatId: 's1:A:2', section: 'Floor', row: 'A', seat: '2', priceCents: 15000, feesCents: 1250 },
  ],
  subtotalCents: 30000,
  feesCents: 2500,
  expiresAt: EXPIRES,
};
const { type: _type, ...createdData } = create;
const created: CartCreated = { type: 'CartCreated', data: { ...createdData, createdAt: NOW } };

const payment: SetCartPayment = {
  type: 'SetCartPayment',
  partnerId: 'partner-a',
  cardToken: 'tok_visa',
  last4: '4242',
  brand: 'Visa',
  expMonth: 12,
  expYear: 2031,
  holderName: 'Pat Partner',
  billingAddress: { line1: '1 Main St', city: 'Springfield', postal_code: '12345', country: 'US' },
};
const paymentSet: CartEvent = {
  type: 'CartPaymentSet',
  data: {
    cartId: 'c1',
    cardToken: 'tok_visa',
    last4: '4242',
    brand: 'Visa',
    expMonth: 12,
    expYear: 2031,
    holderName: 'Pat Partner',
    billingAddress: payment.billingAddress,
    setAt: NOW,
  },
};
const shippingSet: CartEvent = {
  type: 'CartShippingSet',
  data: { cartId: 'c1', shippingId: 'UPS', priceCents: 1500, setAt: NOW },
};
const checkoutStarted: CartEvent = {
  type: 'CartCheckoutStarted',
  data: { cartId: 'c1', orderId: 'o1', startedAt: NOW },
};
const begin = (shippingRequired = false) =>
  ({ type: 'BeginCheckout', partnerId: 'partner-a', orderId: 'o1', shippingRequired }) as const;
const expired = (iso = AFTER): CartEvent => ({
  type: 'CartExpired',
  data: { cartId: 'c1', partnerId: 'partner-a', eventId: 'e1', holdId: 'h1', expiredAt: iso },
});

const cart = spec(cartDecider);

describe('CreateCart', () => {
  test('records the cart with its hold, seats, prices and expiry', () => {
    cart.given([], at()).when(create).then([created]);
  });
  test('the same creation decided twice records nothing; another hold under the same id is refused', () => {
    cart.given([created], at()).when(create).thenNothing();
    cart
      .given([created], at())
      .when({ ...create, holdId: 'h2' })
      .thenThrows('CART_EXISTS');
  });
});

describe('payment and shipping', () => {
  test('payment records card facts only (the token, never a number) and no partner id', () => {
    cart.given([created], at()).when(payment).then([paymentSet]);
  });
  test("another partner's cart is not found, exactly like a missing one", () => {
    cart
      .given([created], at())
      .when({ ...payment, partnerId: 'partner-b' })
      .thenThrows('CART_NOT_FOUND');
    cart.given([], at()).when(payment).thenThrows('CART_NOT_FOUND');
  });
  test('a card that expired before this month is refused; this month still works', () => {
    cart
      .given([created], at())
      .when({ ...payment, expMonth: 2, expYear: 2030 })
      .thenThrows('CARD_EXPIRED');
    cart
      .given([created], at())
      .when({ ...payment, expMonth: 3, expYear: 2030 })
      .then([{ ...paymentSet, data: { ...paymentSet.data, expMonth: 3, expYear: 2030 } } as CartEvent]);
  });
  test('shipping records the option and its price, which joins the totals untaxed', () => {
    cart
      .given([created], at())
      .when({ type: 'SetCartShipping', partnerId: 'partner-a', shippingId: 'UPS', priceCents: 1500 })
      .then([shippingSet]);
    const totals = cartTotals(cart.given([created, shippingSet]).state());
    expect(totals).toEqual({
      subtotalCents: 30000,
      feesCents: 2500,
      shippingCents: 1500,
      taxesCents: 2700,
      totalCents: 30000 + 2500 + 1500 + 2700,
    });
  });
  test('a change after the hold time ran out records the expiry instead (the caller answers CART_EXPIRED)', () => {
    cart.given([created], at(AFTER)).when(payment).then([expired()]);
    cart
      .given([created], at(AFTER))
      .when({ type: 'SetCartShipping', partnerId: 'partner-a', shippingId: 'UPS', priceCents: 1500 })
      .then([expired()]);
    // One millisecond before, the cart is still open.
    cart
      .given([created], at('2030-03-01T12:09:59.999Z'))
      .when(payment)
      .then([
        { ...paymentSet, data: { ...paymentSet.data, setAt: '2030-03-01T12:09:59.999Z' } } as CartEvent,
      ]);
  });
  test('the expiry month is 1-12; a card from a year before is expired whatever its month', () => {
    for (const expMonth of [0, 13, 1.5])
      cart
        .given([created], at())
        .when({ ...payment, expMonth })
        .thenThrows('VALIDATION_ERROR', { field: 'exp_month' });
    for (const expMonth of [1, 12])
      expect(
        cart
          .given([created], at())
          .when({ ...payment, expMonth, expYear: 2031 })
          .events(),
      ).toHaveLength(1);
    cart
      .given([created], at())
      .when({ ...payment, expMonth: 12, expYear: 2029 })
      .thenThrows('CARD_EXPIRED', { exp_month: 12, exp_year: 2029 });
  });
  test('a shipping price is a whole, non-negative number of cents', () => {
    for (const priceCents of [-1, 1.5])
      cart
        .given([created], at())
        .when({ type: 'SetCartShipping', partnerId: 'partner-a', shippingId: 'UPS', priceCents })
        .thenThrows('VALIDATION_ERROR', { field: 'shipping_id' });
    cart
      .given([created], at())
      .when({ type: 'SetCartShipping', partnerId: 'partner-a', shippingId: 'ETICKET', priceCents: 0 })
      .then([
        { type: 'CartShippingSet', data: { cartId: 'c1', shippingId: 'ETICKET', priceCents: 0, setAt: NOW } },
      ]);
  });
  test('without shipping the totals are the seats and their tax', () => {
    expect(cartTotals(cart.given([created]).state())).toEqual({
      subtotalCents: 30000,
      feesCents: 2500,
      shippingCents: 0,
      taxesCents: 2700,
      totalCents: 35200,
    });
  });
  test('system commands on a cart that does not exist are refused', () => {
    for (const command of [
      { type: 'ExpireCart' } as const,
      { type: 'FailCheckout', reason: 'x' } as const,
      { type: 'CompleteCheckout', orderId: 'o1' } as const,
    ])
      cart.given([], at(AFTER)).when(command).thenThrows('CART_NOT_FOUND');
  });
});

describe('commit', () => {
  test('needs the payment, and the shipping choice when the event asks for one', () => {
    cart
      .given([created], at())
      .when(begin())
      .thenThrows('CART_INCOMPLETE', { missing: ['payment'] });
    cart
      .given([created, paymentSet], at())
      .when(begin(true))
      .thenThrows('CART_INCOMPLETE', { missing: ['shipping'] });
    cart.given([created, paymentSet], at()).when(begin()).then([checkoutStarted]);
    cart.given([created, paymentSet, shippingSet], at()).when(begin(true)).then([checkoutStarted]);
  });
  test('once the commit began the cart no longer changes; a repeated commit continues it', () => {
    const history = [created, paymentSet, checkoutStarted];
    cart.given(history, at()).when(begin()).thenNothing();
    cart.given(history, at()).when(payment).thenThrows('CART_CHECKOUT_IN_PROGRESS', { order_id: 'o1' });
    cart
      .given(history, at())
      .when({ type: 'DeleteCart', partnerId: 'partner-a' })
      .thenThrows('CART_CHECKOUT_IN_PROGRESS');
  });
  test('completed once; committed carts refuse changes and deletion, and a repeated commit records nothing', () => {
    const committed: CartEvent = {
      type: 'CartCommitted',
      data: { cartId: 'c1', partnerId: 'partner-a', orderId: 'o1', committedAt: NOW },
    };
    cart
      .given([created, paymentSet, checkoutStarted], at())
      .when({ type: 'CompleteCheckout', orderId: 'o1' })
      .then([committed]);
    const history = [created, paymentSet, checkoutStarted, committed];
    cart.given(history, at()).when({ type: 'CompleteCheckout', orderId: 'o1' }).thenNothing();
    cart.given(history, at()).when(begin()).thenNothing();
    cart
      .given(history, at())
      .when({ type: 'DeleteCart', partnerId: 'partner-a' })
      .thenThrows('CART_COMMITTED', { order_id: 'o1' });
    expect(cart.given(history).state()).toMatchObject({ status: 'COMMITTED', orderId: 'o1' });
    cart.given(history, at(AFTER)).when({ type: 'ExpireCart' }).thenNothing();
  });
  test('completing a commit that never began, or another order, is refused', () => {
    cart
      .given([created, paymentSet], at())
      .when({ type: 'CompleteCheckout', orderId: 'o1' })
      .thenThrows('CART_NOT_CHECKING_OUT');
    cart
      .given([created, paymentSet, checkoutStarted], at())
      .when({ type: 'CompleteCheckout', orderId: 'o2' })
      .thenThrows('CART_NOT_CHECKING_OUT', { order_id: 'o2' });
    const failed: CartEvent = {
      type: 'CartCheckoutFailed',
      data: {
        cartId: 'c1',
        partnerId: 'partner-a',
        orderId: 'o1',
        reason: 'PAYMENT_DECLINED',
        failedAt: NOW,
      },
    };
    cart
      .given([created, paymentSet, checkoutStarted, failed], at())
      .when({ type: 'CompleteCheckout', orderId: 'o1' })
      .thenThrows('CART_NOT_CHECKING_OUT');
  });
  test('failing a commit that is not in progress records nothing', () => {
    cart.given([created, paymentSet], at()).when({ type: 'FailCheckout', reason: 'x' }).thenNothing();
  });
  test('a failed commit closes the cart for good', () => {
    const history = [created, paymentSet, checkoutStarted];
    cart
      .given(history, at())
      .when({ type: 'FailCheckout', reason: 'PAYMENT_DECLINED' })
      .then([
        {
          type: 'CartCheckoutFailed',
          data: {
            cartId: 'c1',
            partnerId: 'partner-a',
            orderId: 'o1',
            reason: 'PAYMENT_DECLINED',
            failedAt: NOW,
          },
        },
      ]);
    const failed = [
      ...history,
      ...cartDecider.decide(
        { type: 'FailCheckout', reason: 'PAYMENT_DECLINED' },
        cart.given(history).state(),
        at(),
      ),
    ];
    cart.given(failed, at()).when(begin()).thenThrows('CART_CHECKOUT_FAILED', { reason: 'PAYMENT_DECLINED' });
    cart.given(failed, at()).when({ type: 'DeleteCart', partnerId: 'partner-a' }).thenNothing();
  });
  test('a commit after the hold time ran out records the expiry', () => {
    cart.given([created, paymentSet], at(AFTER)).when(begin()).then([expired()]);
  });
});

describe('delete and expiry', () => {
  const deleted: CartEvent = {
    type: 'CartDeleted',
    data: { cartId: 'c1', partnerId: 'partner-a', eventId: 'e1', holdId: 'h1', deletedAt: NOW },
  };
  test('delete records CartDeleted once; deleting again records nothing', () => {
    cart.given([created], at()).when({ type: 'DeleteCart', partnerId: 'partner-a' }).then([deleted]);
    cart.given([created, deleted], at()).when({ type: 'DeleteCart', partnerId: 'partner-a' }).thenNothing();
    cart.given([created, deleted], at()).when(payment).thenThrows('CART_DELETED');
    expect(cart.given([created, deleted]).state().status).toBe('DELETED');
    cart
      .given([created], at())
      .when({ type: 'DeleteCart', partnerId: 'partner-b' })
      .thenThrows('CART_NOT_FOUND');
  });
  test('a cart deleted after it expired was left to expire, and the log says so', () => {
    cart.given([created], at(AFTER)).when({ type: 'DeleteCart', partnerId: 'partner-a' }).then([expired()]);
  });
  test('the expiry job: nothing before the hold time ends, CartExpired once after', () => {
    cart.given([created], at()).when({ type: 'ExpireCart' }).thenNothing();
    cart.given([created], at(AFTER)).when({ type: 'ExpireCart' }).then([expired()]);
    cart.given([created, expired()], at(AFTER)).when({ type: 'ExpireCart' }).thenNothing();
    cart.given([created, expired()], at(AFTER)).when(begin()).thenThrows('CART_EXPIRED');
    cart.given([created, expired()], at()).when({ type: 'DeleteCart', partnerId: 'partner-a' }).thenNothing();
    expect(cart.given([created, expired()]).state().status).toBe('EXPIRED');
  });
});

describe('the intent first: RequestCart before the hold, CreateCart after it', () => {
  const request = {
    type: 'RequestCart',
    cartId: 'c1',
    partnerId: 'partner-a',
    eventId: 'e1',
    holdId: 'h1',
  } as const;
  const requested: CartEvent = {
    type: 'CartRequested',
    data: { cartId: 'c1', partnerId: 'partner-a', eventId: 'e1', holdId: 'h1', requestedAt: NOW },
  };
  const creationFailed = (reason = 'CREATION_INTERRUPTED'): CartEvent => ({
    type: 'CartCreationFailed',
    data: { cartId: 'c1', partnerId: 'partner-a', eventId: 'e1', holdId: 'h1', reason, failedAt: NOW },
  });
  const deletedEarly: CartEvent = {
    type: 'CartDeleted',
    data: { cartId: 'c1', partnerId: 'partner-a', eventId: 'e1', holdId: 'h1', deletedAt: NOW },
  };
  const fail = { type: 'FailCartCreation', reason: 'CREATION_INTERRUPTED' } as const;
  const remove = { type: 'DeleteCart', partnerId: 'partner-a' } as const;

  test('records the request naming its hold; once, and no second hold under the same id', () => {
    cart.given([], at()).when(request).then([requested]);
    cart.given([requested], at()).when(request).thenNothing();
    cart
      .given([requested], at())
      .when({ ...request, holdId: 'h2' })
      .thenThrows('CART_EXISTS');
    expect(cart.given([requested]).state().status).toBe('REQUESTED');
  });
  test('the creation of the requested hold records the cart; another hold is refused', () => {
    cart.given([requested], at()).when(create).then([created]);
    cart
      .given([requested], at())
      .when({ ...create, holdId: 'h2' })
      .thenThrows('CART_EXISTS');
    expect(cart.given([requested, created]).state().status).toBe('OPEN');
  });
  test('a creation cut short: nothing to pay or commit yet; the partner may delete it, the job fails it', () => {
    cart.given([requested], at()).when(payment).thenThrows('CART_NOT_CREATED', { cart_id: 'c1' });
    cart.given([requested], at()).when(begin()).thenThrows('CART_NOT_CREATED');
    cart
      .given([requested], at())
      .when({ ...remove, partnerId: 'partner-b' })
      .thenThrows('CART_NOT_FOUND');
    cart.given([requested], at()).when(remove).then([deletedEarly]);
    cart.given([requested], at()).when(fail).then([creationFailed()]);
    cart.given([requested], at(AFTER)).when({ type: 'ExpireCart' }).thenNothing();
  });
  test('given up before it was created: the creation is refused (it releases its hold), deletes change nothing', () => {
    cart.given([requested, creationFailed()], at()).when(create).thenThrows('CART_CREATION_FAILED');
    cart.given([requested, deletedEarly], at()).when(create).thenThrows('CART_DELETED');
    cart.given([requested, creationFailed()], at()).when(remove).thenNothing();
    cart.given([requested, deletedEarly], at()).when(remove).thenNothing();
    cart.given([requested, deletedEarly], at()).when(fail).thenNothing();
    cart.given([requested, creationFailed()], at()).when(payment).thenThrows('CART_CREATION_FAILED');
    expect(cart.given([requested, creationFailed()]).state().status).toBe('FAILED');
  });
  test('a cart that was created after all is not failed by the job', () => {
    cart.given([requested, created], at()).when(fail).thenNothing();
  });
});
