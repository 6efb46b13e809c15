import { Router, type Request, type RequestHandler } from 'express';
import type { OrderService, TicketTransferFactsSource } from '../../application/orders/order-service';
import type { OrderDoc } from '../../application/read-models/documents';
import { fromCents } from '../../domain/shared/money';
import { CreateOrderDto } from '../dto/order.dto';
import { currentUser, requireAuth } from '../http/auth';
import { commandMetadata, pathParam, setLogPosition } from '../http/request-context';
import { validateInput } from '../http/validation';

export interface OrderRouteDeps {
  orders: OrderService;
  qr: { base64Png(payload: string): Promise<string> };
  idempotent: RequestHandler;
  readYourWrites: RequestHandler;
  /** The tickets' own streams, for the cancellation decision. */
  tickets: TicketTransferFactsSource;
}

const actor = (req: Request) => ({
  userId: currentUser(req).sub,
  isAdmin: currentUser(req).role === 'admin',
});

export function orderRoutes({ orders, qr, idempotent, readYourWrites, tickets }: OrderRouteDeps): Router {
  const router = Router();
  router.use(requireAuth);

  router.post('/', idempotent, async (req, res) => {
    const dto = validateInput(CreateOrderDto, req.body);
    const { order, position } = await orders.place(
      actor(req),
      {
        reservationId: dto.reservation_id,
        paymentMethodId: dto.payment_method_id,
        billingAddress: dto.billing_address ? { ...dto.billing_address } : null,
        deliveryMethod: dto.delivery_method ?? 'MOBILE',
      },
      commandMetadata(req),
    );
    setLogPosition(res, position);
    res.setHeader('Location', `/v1/orders/${order.orderId}`);
    res.status(201).json({
      order_id: order.orderId,
      status: 'PENDING',
      seats: order.seats.map((s) => ({ section: s.section, row: s.row, seat: s.seat, seat_id: s.seatId })),
      subtotal: fromCents(order.subtotalCents),
      fees: fromCents(order.feesCents),
      taxes: fromCents(order.taxesCents),
      total: fromCents(order.totalCents),
      payment_status: 'AUTHORIZED',
      created_at: order.placedAt,
    });
  });

  router.get('/', readYourWrites, async (req, res) => {
    const docs = await orders.list(actor(req));
    res.json({
      orders: await Promise.all(
        docs.map(async (doc) => orderView(doc, qr, await orders.ticketStatuses(doc))),
      ),
    });
  });

  router.get('/:id', readYourWrites, async (req, res) => {
    const doc = await orders.get(actor(req), pathParam(req, 'id'));
    res.json(await orderView(doc, qr, await orders.ticketStatuses(doc)));
  });

  router.post('/:id/cancel', async (req, res) => {
    const { cancelled, position } = await orders.cancel(
      actor(req),
      pathParam(req, 'id'),
      commandMetadata(req),
      tickets,
    );
    setLogPosition(res, position);
    res.status(200).json({
      order_id: pathParam(req, 'id'),
      status: 'CANCELLED',
      refund_amount: fromCents(cancelled.refundAmountCents),
      refund_status: 'PROCESSING',
      cancelled_at: cancelled.cancelledAt,
    });
  });

  return router;
}

/** The seed's order shape; a ticket that was voided or transferred away shows its status and no QR code. */
async function orderView(doc: OrderDoc, qr: OrderRouteDeps['qr'], statuses: Map<string, string>) {
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
    status: doc.status,
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
    refund_status:
      doc.payment_status === 'REFUNDED' || doc.payment_status === 'VOIDED'
        ? doc.status === 'CANCELLED'
          ? 'COMPLETED'
          : null
        : doc.status === 'CANCELLED'
          ? 'PROCESSING'
          : null,
    created_at: doc.created_at,
    confirmed_at: doc.confirmed_at,
    cancelled_at: doc.cancelled_at,
  };
}
