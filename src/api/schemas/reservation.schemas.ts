import { array, dateTime, money, objectComponent, str } from '../contract/schema';

export const Reservation = objectComponent('Reservation', {
  reservation_id: str('Hold id'),
  event_id: str('Event id'),
  seat_ids: array({ type: 'string' }),
  expires_at: dateTime('When the hold lapses'),
  total_price: money('Sum of seat prices'),
  fees: money('Sum of fees'),
  total: money('total_price plus fees'),
});

export const ReservationView = objectComponent('ReservationView', {
  reservation_id: str('Hold id'),
  event_id: str('Event id'),
  user_id: str('Holder'),
  seat_ids: array({ type: 'string' }),
  status: str('Hold status', { enum: ['HELD', 'RELEASED', 'EXPIRED', 'SOLD', 'CANCELLED'] }),
  expires_at: dateTime('When the hold lapses'),
  total_price: money('Sum of seat prices'),
  fees: money('Sum of fees'),
  total: money('total_price plus fees'),
  order_id: str('The order that bought it', { nullable: true }),
  created_at: dateTime('When the hold was made'),
});
