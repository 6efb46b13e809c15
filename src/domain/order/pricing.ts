import type { Cents } from '../shared/money';

/** Sales tax on the ticket price (not on fees), as in the seed's example: 9% of 1500.00 is 135.00. */
export const TAX_RATE = 0.09;

export interface OrderTotals {
  subtotalCents: Cents;
  feesCents: Cents;
  taxesCents: Cents;
  totalCents: Cents;
}

/**
 * What an order charges for seats priced at subtotal + fees: tax on the subtotal, rounded to the cent; plus the
 * shipping a partner cart chose (untaxed; consumer orders have none).
 */
export function orderTotals(subtotalCents: Cents, feesCents: Cents, shippingCents: Cents = 0): OrderTotals {
  const taxesCents = Math.round(subtotalCents * TAX_RATE);
  return {
    subtotalCents,
    feesCents,
    taxesCents,
    totalCents: subtotalCents + feesCents + shippingCents + taxesCents,
  };
}
