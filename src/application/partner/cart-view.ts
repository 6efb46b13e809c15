import { cartTotals, type CartState, type CartStatus } from '../../domain/cart/cart';
import { fromCents } from '../../domain/shared/money';
import type { ReadDocument } from '../ports/read-store';
import type { OrderDoc, TicketDoc } from '../read-models/documents';
import { presentedStatus } from '../orders/order-view';

/**
 * The formatters of the partner cart and order resources (what the partner API answers), and the carts read
 * model's document (the expiry job finds due carts with it; decisions read the cart's stream).
 */

export const PARTNER_CARTS = 'partner_carts';

export interface PartnerCartDoc extends ReadDocument {
  _id: string;
  _position?: number;
  cart_id: string;
  partner_id: string;
  event_id: string;
  hold_id: string;
  status: CartStatus;
  /** When the hold (and so the cart) expires; until the cart is created, when it was requested. */
  expires_at: string;
  order_id: string | null;
  /** When the creation was asked for (CartRequested): the expiry job fails a cart still REQUESTED long after. */
  requested_at?: string;
  created_at: string;
  closed_at: string | null;
}

/** The cart as every cart call answers it (money with two decimals; `hold_time` in whole seconds left). */
export function cartView(state: CartState, now: Date) {
  const cart = state.cart!;
  const totals = cartTotals(state);
  return {
    cart_id: cart.cartId,
    event_id: cart.eventId,
    status: state.status!,
    hold_time: Math.max(0, Math.floor((Date.parse(cart.expiresAt) - now.getTime()) / 1000)),
    expires_at: cart.expiresAt,
    seats: cart.seats.map((s) => ({ section: s.section, row: s.row, seat: s.seat, seat_id: s.seatId })),
    totals: {
      subtotal: fromCents(totals.subtotalCents),
      fees: fromCents(totals.feesCents),
      shipping: fromCents(totals.shippingCents),
      taxes: fromCents(totals.taxesCents),
      grand_total: fromCents(totals.totalCents),
    },
    payment: state.payment
      ? {
          brand: state.payment.brand,
          last4: state.payment.last4,
          exp_month: state.payment.expMonth,
          exp_year: state.payment.expYear,
        }
      : null,
    shipping: state.shipping
      ? { shipping_id: state.shipping.shippingId, price: fromCents(state.shipping.priceCents) }
      : null,
    order_id: state.orderId ?? null,
  };
}
export type CartView = ReturnType<typeof cartView>;

/**
 * A short number for people (receipts, support calls), derived from the order id: 12 digits from its first 40
 * bits, grouped `NNNN-NNNN-NNNN`. The order id stays the reference the API takes.
 */
export function orderNumberOf(orderId: string): string {
  const digits = String(parseInt(orderId.replace(/-/g, '').slice(0, 10), 16))
    .padStart(13, '0')
    .slice(-12);
  return `${digits.slice(0, 4)}-${digits.slice(4, 8)}-${digits.slice(8)}`;
}

/** What the commit answers (and a repeated commit answers again). */
export function committedView(order: { orderId: string; totalCents: number }) {
  return {
    order_id: order.orderId,
    order_number: orderNumberOf(order.orderId),
    grand_total: fromCents(order.totalCents),
  };
}

/**
 * GET /partners/v1/orders/{id}: the order and its tickets. `barcode_id` is there exactly when the event emits
 * barcodes (FAQ "Fulfillment"); without it the ticket has no barcode key at all.
 */
export function partnerOrderView(
  doc: OrderDoc,
  emitsBarcodes: boolean,
  statuses: ReadonlyMap<string, TicketDoc['status']>,
) {
  const seatsById = new Map(doc.seats.map((s) => [s.seat_id, s]));
  const shippingCents = doc.total_cents - doc.subtotal_cents - doc.fees_cents - doc.taxes_cents;
  const { status, confirmed_at } = presentedStatus(doc);
  return {
    order_id: doc.order_id,
    order_number: orderNumberOf(doc.order_id),
    event_id: doc.event_id,
    event: doc.event,
    status,
    payment_status: doc.payment_status,
    shipping_id: doc.delivery_method,
    seats: doc.seats.map((s) => ({ section: s.section, row: s.row, seat: s.seat, seat_id: s.seat_id })),
    totals: {
      subtotal: fromCents(doc.subtotal_cents),
      fees: fromCents(doc.fees_cents),
      shipping: fromCents(shippingCents),
      taxes: fromCents(doc.taxes_cents),
      grand_total: fromCents(doc.total_cents),
    },
    tickets: doc.tickets.map((t) => {
      const seat = seatsById.get(t.seat_id);
      return {
        ticket_id: t.ticket_id,
        seat_id: t.seat_id,
        section: seat?.section ?? '',
        row: seat?.row ?? '',
        seat: seat?.seat ?? '',
        status: statuses.get(t.ticket_id) ?? 'ACTIVE',
        ...(emitsBarcodes ? { barcode_id: t.barcode } : {}),
      };
    }),
    failure_reason: doc.failure_reason,
    created_at: doc.created_at,
    confirmed_at,
  };
}
