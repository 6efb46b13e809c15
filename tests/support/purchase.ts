import { createEvent } from './fixtures';
import type { ApiCall, ApiResponse } from './http';
import type { TestApp } from './test-app';

/** Polls a GET until `done(body)` or the deadline. */
export async function pollUntil<T = any>( // eslint-disable-line @typescript-eslint/no-explicit-any
  call: ApiCall,
  path: string,
  token: string,
  done: (res: ApiResponse<T>) => boolean,
  timeoutMs = 30_000,
): Promise<ApiResponse<T>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const res = await call<T>('GET', path, { token });
    if (done(res)) return res;
    if (Date.now() > deadline)
      throw new Error(`timed out waiting on ${path}: last ${res.status} ${res.text.slice(0, 500)}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

export async function addCard(call: ApiCall, token: string, cardToken = 'tok_visa'): Promise<string> {
  const res = await call('POST', '/v1/payment-methods', {
    token,
    body: { type: 'CARD', card_token: cardToken },
  });
  if (res.status !== 201) throw new Error(`payment method: ${res.status} ${res.text}`);
  return res.body.payment_method_id as string;
}

export async function reserve(
  call: ApiCall,
  token: string,
  eventId: string,
  seatIds: string[],
): Promise<string> {
  const res = await call('POST', '/v1/seats/reserve', {
    token,
    body: { event_id: eventId, seat_ids: seatIds },
  });
  if (res.status !== 201) throw new Error(`reserve: ${res.status} ${res.text}`);
  return res.body.reservation_id as string;
}

/** POST /v1/orders for a reservation with a saved card: the answer, whatever it is (callers check it). */
export function placeOrder(
  call: ApiCall,
  token: string,
  reservationId: string,
  paymentMethodId: string,
): Promise<ApiResponse> {
  return call('POST', '/v1/orders', {
    token,
    body: { reservation_id: reservationId, payment_method_id: paymentMethodId },
  });
}

export const terminal = (status: string) => ['CONFIRMED', 'FAILED', 'CANCELLED'].includes(status);

/** A new fan orders seats A1 and A2 of a new event with a saved card; throws unless the order is placed (201). */
export async function orderTwoSeats(
  t: Pick<TestApp, 'call' | 'adminToken' | 'customerToken'>,
): Promise<{ orderId: string; eventId: string; seats: string[]; fan: { token: string; userId: string } }> {
  const admin = await t.adminToken();
  const { eventId } = await createEvent(t.call, admin, { restrictSingleSeat: false });
  const fan = await t.customerToken();
  const card = await addCard(t.call, fan.token);
  const seats = ['s1:A:1', 's1:A:2'];
  const reservationId = await reserve(t.call, fan.token, eventId, seats);
  const placed = await placeOrder(t.call, fan.token, reservationId, card);
  if (placed.status !== 201) throw new Error(`order: ${placed.status} ${placed.text}`);
  return { orderId: placed.body.order_id as string, eventId, seats, fan };
}
