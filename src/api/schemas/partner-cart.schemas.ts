import { array, dateTime, int, money, object, objectComponent, str } from '../contract/schema';

const CartSeat = objectComponent('CartSeat', {
  section: str('Section name'),
  row: str('Row label'),
  seat: str('Seat number in the row'),
  seat_id: str('Seat id: `{section_id}:{row}:{number}`', { example: 's1:A:1' }),
});

const CartTotals = objectComponent('CartTotals', {
  subtotal: money('Sum of the seat prices'),
  fees: money('Sum of the fees'),
  shipping: money('The chosen shipping option (0 until one is chosen)'),
  taxes: money('Sales tax (9% of the subtotal)'),
  grand_total: money('subtotal + fees + shipping + taxes: what the commit charges'),
});

const CART_STATUSES = ['OPEN', 'CHECKOUT', 'COMMITTED', 'FAILED', 'DELETED', 'EXPIRED'];

export const Cart = objectComponent('Cart', {
  cart_id: str('Cart id: the `cart_id` of the later cart calls'),
  event_id: str('Event id'),
  status: str(
    '`OPEN` (payment and shipping may change), `CHECKOUT` (being committed), `COMMITTED`, `FAILED`, `DELETED`, `EXPIRED`',
    { enum: CART_STATUSES },
  ),
  hold_time: int('Seconds left before the seats are released (the cart cannot be committed after that)', {
    minimum: 0,
  }),
  expires_at: dateTime('When the hold time runs out'),
  seats: array(CartSeat, { description: 'The seats held for the cart, best first' }),
  totals: CartTotals,
  payment: {
    ...object({
      brand: str('Card brand'),
      last4: str('Last four digits of the card'),
      exp_month: int('Expiry month'),
      exp_year: int('Expiry year'),
    }),
    nullable: true,
    description: 'The card set with PUT .../cart/payment (facts only), or null',
  },
  shipping: {
    ...object({ shipping_id: str('The chosen option'), price: money('Its price') }),
    nullable: true,
    description: 'The shipping option chosen with PUT .../cart/shipping, or null',
  },
  order_id: str('The order once the cart is being committed or committed', { nullable: true }),
});

export const CommittedCart = objectComponent('CommittedCart', {
  order_id: str('Order id: GET /partners/v1/orders/{order_id}'),
  order_number: str('A short number for people (receipts, support), derived from the order id', {
    pattern: '^\\d{4}-\\d{4}-\\d{4}$',
  }),
  grand_total: money('What was authorized on the card: subtotal + fees + shipping + taxes'),
});

const PartnerTicket = {
  type: 'object' as const,
  properties: {
    ticket_id: str('Ticket id'),
    seat_id: str('The seat it admits to'),
    section: str('Section name'),
    row: str('Row label'),
    seat: str('Seat number'),
    status: str('ACTIVE, VOID (order cancelled) or TRANSFERRED', { enum: ['ACTIVE', 'VOID', 'TRANSFERRED'] }),
    barcode_id: str('The barcode, present exactly when the event emits barcodes (no key at all otherwise)', {
      pattern: '^[1-9]\\d{11}$',
    }),
  },
  required: ['ticket_id', 'seat_id', 'section', 'row', 'seat', 'status'],
  additionalProperties: false,
};

export const PartnerOrder = objectComponent('PartnerOrder', {
  order_id: str('Order id'),
  order_number: str('The order number the commit answered', { pattern: '^\\d{4}-\\d{4}-\\d{4}$' }),
  event_id: str('Event id'),
  event: object({ name: str('Event name'), date: dateTime('Event start'), venue: str('Venue name') }),
  status: str('`PENDING` until paid and ticketed, then `CONFIRMED`; or `FAILED`, `CANCELLED`', {
    enum: ['PENDING', 'CONFIRMED', 'FAILED', 'CANCELLED'],
  }),
  payment_status: str('Payment status', {
    enum: ['AUTHORIZED', 'CAPTURED', 'VOIDED', 'REFUND_PENDING', 'REFUNDED'],
  }),
  shipping_id: str('How the tickets reach the buyer'),
  seats: array(CartSeat),
  totals: CartTotals,
  tickets: array(PartnerTicket, { description: 'One per seat once the order is `CONFIRMED` (empty before)' }),
  failure_reason: str('Why the order `FAILED`', { nullable: true }),
  created_at: dateTime('When the order was placed'),
  confirmed_at: dateTime('When it was confirmed', true),
});
