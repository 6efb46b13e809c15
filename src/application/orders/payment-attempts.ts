import type { OrderState, PaymentAttempt } from '../../domain/order/order';
import type { ReadDocument } from '../ports/read-store';

/**
 * Payment attempts still open (read model of src/projections/payment-attempts.projection.ts): AUTHORIZING (the
 * gateway may hold the buyer's money for an order not recorded yet) or VOID_PENDING (abandoned, its authorization
 * not voided yet). Documents go away once the attempt is placed, declined or voided, so the collection holds only
 * what is in flight. It only nominates candidates for the order watchdog; what to do is read from the order's stream.
 */
export const PAYMENT_ATTEMPTS = 'payment_attempts';

export interface PaymentAttemptDoc extends ReadDocument {
  order_id: string;
  attempt: number;
  status: 'AUTHORIZING' | 'VOID_PENDING';
  requested_at: string;
}

export const paymentAttemptDocId = (orderId: string, attempt: number) => `${orderId}:${attempt}`;

/**
 * The attempts of an order that must be released now, decided on its stream: abandoned ones (their void is still
 * to be done), and ones AUTHORIZING since before `cutoffMs` (the request that recorded them is gone: it would have
 * placed the order or recorded the decline long ago). A younger AUTHORIZING attempt may still be in a live
 * request's hands and is left alone.
 */
export function attemptsToRelease(state: OrderState, cutoffMs: number): PaymentAttempt[] {
  if (state.placed)
    // Placed: only earlier attempts can be open, and only as abandoned (a new attempt needs the previous ended).
    return (state.attempts ?? []).filter((a) => a.status === 'ABANDONED');
  return (state.attempts ?? []).filter(
    (a) => a.status === 'ABANDONED' || (a.status === 'AUTHORIZING' && Date.parse(a.requestedAt) <= cutoffMs),
  );
}
