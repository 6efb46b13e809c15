import { orderDecider } from '../../src/domain/order/order';
import { orderTotals } from '../../src/domain/order/pricing';
import { spec } from '../support/given-when-then';
import { at, attempt, authorizing, ctx, place, placed } from './fixtures/order';

/** A partner cart's order carries its shipping in the total (untaxed); consumer orders have none. */
const order = spec(orderDecider);

describe('PlaceOrder with shipping (partner carts)', () => {
  test('the total is subtotal + fees + shipping + tax on the subtotal only', () => {
    expect(orderTotals(10000, 1500, 2500)).toEqual({
      subtotalCents: 10000,
      feesCents: 1500,
      taxesCents: 900,
      totalCents: 10000 + 1500 + 2500 + 900,
    });
    expect(orderTotals(10000, 1500)).toEqual(orderTotals(10000, 1500, 0));
  });

  test('an order with shipping is placed with it in its total', () => {
    order
      .given([{ type: 'OrderPaymentAuthorizing', data: { ...attempt, amountCents: 14900 } }], ctx)
      .when({ ...place, shippingCents: 2500, totalCents: 14900 })
      .then([
        { type: 'OrderPlaced', data: { ...placed, shippingCents: 2500, totalCents: 14900, placedAt: at } },
      ]);
  });

  test('a total that leaves the shipping out is refused', () => {
    order
      .given([authorizing], ctx)
      .when({ ...place, shippingCents: 2500 })
      .thenThrows('VALIDATION_ERROR', { totalCents: 14900 });
  });
});
