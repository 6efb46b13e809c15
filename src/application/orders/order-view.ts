import type { OrderPlacedData } from '../../domain/order/order';
import { fromCents } from '../../domain/shared/money';
import type { QrRenderer } from '../ports/qr-renderer';
import type { OrderDoc, TicketDoc } from '../read-models/documents';

/**
 * The one formatter of the order resource: the read model's document for a placed order (the projection stores
 * it), and the seed's order shape built from that document, for the command answer and the queries alike.
 */

/** The orders read model's document for an order as OrderPlaced recorded it. */
export function orderDocOf(placed: OrderPlacedData, position?: number): OrderDoc {
  return {
    _id: placed.orderId,
    ...(position === undefined ? {} : { _position: position }),
    order_id: placed.orderId,
    user_id: placed.userId,
    event_id: placed.eventId,
    reservation_id: placed.reservationId,
    event: { name: placed.eventName, date: placed.eventDate, venue: placed.venueName },
    seats: placed.seats.map((s) => ({ seat_id: s.seatId, section: s.section, row: s.row, seat: s.seat })),
    subtotal_cents: placed.subtotalCents,
    fees_cents: placed.feesCents,
    taxes_cents: placed.taxesCents,
    total_cents: placed.totalCents,
    status: 'PENDING',
    payment_status: 'AUTHORIZED',
    payment_method_id: placed.paymentMethodId,
    delivery_method: placed.deliveryMethod,
    tickets: [],
    failure_reason: null,
    refund_amount_cents: null,
    created_at: placed.placedAt,
    confirmed_at: null,
    cancelled_at: null,
    refunded_at: null,
  };
}

/**
 * The status a buyer is shown. An order is confirmed together with its tickets (one append), but logs of earlier
 * versions hold orders confirmed first and ticketed after, by the fulfillment saga (or, after a crash, not until the
 * watchdog finished it): such an order is shown PENDING, payment CAPTURED, until its tickets are there. CONFIRMED
 * always comes with its tickets, as the seed's order shows it, and a client polling for CONFIRMED can read the
 * tickets at once. The read model keeps the write side's status (the watchdog finds such orders by it).
 */
export function presentedStatus(doc: OrderDoc): { status: OrderDoc['status']; confirmed_at: string | null } {
  if (doc.status === 'CONFIRMED' && doc.tickets.length === 0)
    return { status: 'PENDING', confirmed_at: null };
  return { status: doc.status, confirmed_at: doc.confirmed_at };
}

/** Where a cancelled order's money is: PROCESSING until the refund (or void) is recorded, then COMPLETED. */
function refundStatus(doc: OrderDoc): 'PROCESSING' | 'COMPLETED' | null {
  if (doc.status !== 'CANCELLED') return null;
  return doc.payment_status === 'REFUNDED' || doc.payment_status === 'VOIDED' ? 'COMPLETED' : 'PROCESSING';
}

/**
 * GET /v1/orders/{id} and the list: a ticket that was voided or transferred away shows its status and no QR
 * code. `statuses` are the tickets' current statuses (a ticket lives on after its order).
 */
export async function orderView(
  doc: OrderDoc,
  qr: Pick<QrRenderer, 'base64Png'>,
  statuses: ReadonlyMap<string, TicketDoc['status']> = new Map(),
) {
  const { status, confirmed_at } = presentedStatus(doc);
  return {
    order_id: doc.order_id,
    event: doc.event,
    event_id: doc.event_id,
    reservation_id: doc.reservation_id,
    seats: doc.seats.map((s) => ({ section: s.section, row: s.row, seat: s.seat, seat_id: s.seat_id })),
    subtotal: fromCents(doc.subtotal_cents),
    fees: fromCents(doc.fees_cents),
    taxes: fromCents(doc.taxes_cents),
    total: fromCents(doc.total_cents),
    status,
    payment_status: doc.payment_status,
    delivery_method: doc.delivery_method,
    tickets: await Promise.all(
      doc.tickets.map(async (t) => {
        const status = statuses.get(t.ticket_id) ?? 'ACTIVE';
        return {
          ticket_id: t.ticket_id,
          seat_id: t.seat_id,
          barcode: t.barcode,
          status,
          qr_code: status === 'ACTIVE' ? await qr.base64Png(t.barcode) : null,
          download_url: `/v1/tickets/${t.ticket_id}/download`,
        };
      }),
    ),
    failure_reason: doc.failure_reason,
    refund_amount: doc.refund_amount_cents === null ? null : fromCents(doc.refund_amount_cents),
    refund_status: refundStatus(doc),
    created_at: doc.created_at,
    confirmed_at,
    cancelled_at: doc.cancelled_at,
  };
}

/** POST /v1/orders answers the seed's subset of the order (it has no tickets yet: no QR codes are rendered). */
export async function newOrderView(placed: OrderPlacedData) {
  const noQr = { base64Png: async () => '' };
  const { order_id, status, seats, subtotal, fees, taxes, total, payment_status, created_at } =
    await orderView(orderDocOf(placed), noQr);
  return { order_id, status, seats, subtotal, fees, taxes, total, payment_status, created_at };
}
