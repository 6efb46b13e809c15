import type { EventStore } from '../../src/application/ports/event-store';
import type { CartPayment } from '../../src/domain/cart/cart';

/** Card facts as P3's payment route hands them to a cart (a gateway test token, never a card number). */
export const testCard = (cardToken = 'tok_visa'): CartPayment => ({
  cardToken,
  last4: '4242',
  brand: 'Visa',
  expMonth: 12,
  expYear: 2035,
  holderName: 'Pat Partner',
  billingAddress: { line1: '1 Main St', city: 'Springfield', postal_code: '62701', country: 'US' },
});

/** The hold a cart's seats are kept by, as the event's stream recorded it (holder `cart:{cartId}`). */
export async function cartHoldId(store: EventStore, eventId: string, cartId: string): Promise<string> {
  const held = (await store.readStream(`event-${eventId}`)).find(
    (e) => e.type === 'SeatsHeld' && (e.data as { userId: string }).userId === `cart:${cartId}`,
  );
  if (!held) throw new Error(`no hold for cart ${cartId}`);
  return (held.data as { holdId: string }).holdId;
}
