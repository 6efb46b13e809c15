import {
  array,
  component,
  dateTime,
  ISO,
  money,
  nullableEnum,
  object,
  objectComponent,
  str,
} from '../contract/schema';

const OrderSeat = objectComponent('OrderSeat', {
  section: str('Section name'),
  row: str('Row label'),
  seat: str('Seat number in the row'),
  seat_id: str('Seat id: `{section_id}:{row}:{number}`', { example: 's1:A:1' }),
});

export const PlacedOrder = objectComponent('PlacedOrder', {
  order_id: str('Order id (derived from the reservation id: one reservation, one order)'),
  status: str('Always `PENDING` when placed', { enum: ['PENDING'] }),
  seats: array(OrderSeat),
  subtotal: money('Sum of ticket prices'),
  fees: money('Sum of fees'),
  taxes: money('Sales tax (9% of the subtotal)'),
  total: money('subtotal + fees + taxes: the amount authorized'),
  payment_status: str('Always `AUTHORIZED` when placed', { enum: ['AUTHORIZED'] }),
  created_at: dateTime(`When the order was placed (${ISO})`),
});

const OrderTicket = objectComponent('OrderTicket', {
  ticket_id: str('Ticket id'),
  seat_id: str('The seat it admits to'),
  barcode: str('12-digit barcode', { pattern: '^[1-9]\\d{11}$', example: '123456789012' }),
  status: str('The ticket now: ACTIVE, VOID (order cancelled) or TRANSFERRED (reissued to someone else)', {
    enum: ['ACTIVE', 'VOID', 'TRANSFERRED'],
  }),
  qr_code: str('Base64 PNG of the QR code (its payload is the barcode); null unless `ACTIVE`', {
    format: 'byte',
    nullable: true,
  }),
  download_url: str('Path of the PNG download: `/v1/tickets/{ticket_id}/download`'),
});

const OrderStatus = component(
  'OrderStatus',
  str('Order status', { enum: ['PENDING', 'CONFIRMED', 'FAILED', 'CANCELLED'] }),
);
const PaymentStatus = component(
  'PaymentStatus',
  str('Payment status', { enum: ['AUTHORIZED', 'CAPTURED', 'VOIDED', 'REFUND_PENDING', 'REFUNDED'] }),
);

export const Order = objectComponent('Order', {
  order_id: str('Order id'),
  event: object({ name: str('Event name'), date: dateTime('Event start'), venue: str('Venue name') }),
  event_id: str('Event id'),
  reservation_id: str('The hold it bought'),
  seats: array(OrderSeat),
  subtotal: money('Sum of ticket prices'),
  fees: money('Sum of fees'),
  taxes: money('Sales tax'),
  total: money('subtotal + fees + taxes'),
  status: OrderStatus,
  payment_status: PaymentStatus,
  delivery_method: str('How the tickets are delivered', { enum: ['MOBILE', 'EMAIL', 'WILL_CALL', 'MAIL'] }),
  tickets: array(OrderTicket, { description: 'One per seat once the order is `CONFIRMED` (empty before)' }),
  failure_reason: str('Why the order `FAILED`', { nullable: true }),
  refund_amount: { ...money('Refunded amount, once cancelled'), nullable: true },
  refund_status: nullableEnum(
    'Refund progress of a cancelled order: `PROCESSING`, then `COMPLETED`; null while the order is not cancelled',
    ['PROCESSING', 'COMPLETED'],
  ),
  created_at: dateTime('When the order was placed'),
  confirmed_at: dateTime('When it was confirmed', true),
  cancelled_at: dateTime('When it was cancelled', true),
});

export const OrderList = objectComponent('OrderList', { orders: array(Order) });

export const OrderCancellation = objectComponent('OrderCancellation', {
  order_id: str('Order id'),
  status: str('Always `CANCELLED`', { enum: ['CANCELLED'] }),
  refund_amount: money('Amount to be refunded (the full total)'),
  refund_status: str('Always `PROCESSING` here: the refund is issued asynchronously', {
    enum: ['PROCESSING'],
  }),
  cancelled_at: dateTime(`When it was cancelled (${ISO})`),
});
