import type { Request, RequestHandler } from 'express';
import type { OrderService, TicketTransferFactsSource } from '../../application/orders/order-service';
import { newOrderView, orderView } from '../../application/orders/order-view';
import { fromCents } from '../../domain/shared/money';
import { CreateOrderDto } from '../dto/order.dto';
import { apiRouter, op, type ApiRouter } from '../contract/api-router';
import type { ErrorSpec } from '../contract/common';
import { currentUser } from '../http/auth';
import { commandMetadata, pathParam, setLogPosition } from '../http/request-context';
import { Order, OrderCancellation, OrderList, PlacedOrder } from '../schemas/order.schemas';

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

export function orderRoutes({ orders, qr, idempotent, readYourWrites, tickets }: OrderRouteDeps): ApiRouter {
  const router = apiRouter({ tag: 'orders', auth: 'bearer', noStore: true, idempotent, readYourWrites });
  const notFound: ErrorSpec = { 404: ["No such order, or someone else's", ['ORDER_NOT_FOUND']] };

  op(
    router,
    {
      method: 'post',
      path: '/',
      operationId: 'createOrder',
      summary: "Buy the seats of one of the caller's holds",
      description:
        'The payment is authorized synchronously and the order is recorded as `PENDING` / `AUTHORIZED`; capture, ' +
        'confirmation and ticket issuing follow asynchronously (poll GET /v1/orders/{order_id} until `CONFIRMED` with ' +
        'its tickets, or `FAILED`). A declined payment ends the attempt: 402 `PAYMENT_DECLINED` (`details.reason`) and ' +
        'the held seats go back on sale at once. One reservation makes at most one order. With an `Idempotency-Key`, ' +
        'the first answer (success or client error) is replayed for every retry with the same key and body.',
      idempotent: true,
      contended: true,
      body: CreateOrderDto,
      invalid:
        "Missing or unknown fields, an unknown `delivery_method`, an incomplete `billing_address`; or a `payment_method_id` that is not one of the caller's saved payment methods",
      invalidCodes: ['INVALID_PAYMENT_METHOD'],
      responses: {
        201: {
          description: 'The order, `PENDING` with its payment `AUTHORIZED`',
          schema: PlacedOrder,
          location: true,
        },
      },
      errors: {
        402: [
          'The payment was declined (`details.reason`); the held seats were released',
          ['PAYMENT_DECLINED'],
        ],
        404: [
          "No such hold, or someone else's; or its event no longer exists",
          ['RESERVATION_NOT_FOUND', 'EVENT_NOT_FOUND'],
        ],
        409: [
          'The reservation already has an order (`details.order_id`), or another request for it with another ' +
            'payment method replaced this one (`details.order_id`: its outcome is that order’s)',
          ['RESERVATION_ALREADY_ORDERED', 'PAYMENT_SUPERSEDED'],
        ],
        410: [
          'The hold expired or was released: reserve the seats again; or its event was cancelled (`SEATS_GONE`)',
          ['RESERVATION_EXPIRED', 'SEATS_GONE'],
        ],
        422: ['The event has started: the sale is closed (`details.event_date`)', ['SALE_NOT_OPEN']],
        503: ['The payment provider is unavailable; retry shortly', ['PAYMENT_UNAVAILABLE']],
      },
    },
    async (req, res, { body: dto }) => {
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
      res.status(201).json(await newOrderView(order));
    },
  );

  op(
    router,
    {
      method: 'get',
      path: '/',
      operationId: 'listOrders',
      summary: "The caller's orders, newest first",
      readYourWrites: true,
      responses: { 200: { description: 'The orders', schema: OrderList } },
    },
    async (req, res) => {
      const docs = await orders.list(actor(req));
      res.json({
        orders: await Promise.all(
          docs.map(async (doc) => orderView(doc, qr, await orders.ticketStatuses(doc))),
        ),
      });
    },
  );

  op(
    router,
    {
      method: 'get',
      path: '/:id',
      operationId: 'getOrder',
      summary: "An order with its tickets (the caller's own; admins see all)",
      description:
        '`status` moves from `PENDING` to `CONFIRMED` (payment captured, then `tickets` issued) or `FAILED` ' +
        '(`failure_reason`); a cancelled order is `CANCELLED` with its refund. `CONFIRMED` always comes with its ' +
        '`tickets`: until they are recorded the order stays `PENDING` with `payment_status: CAPTURED`.',
      params: { id: 'OrderId' },
      readYourWrites: true,
      responses: { 200: { description: 'The order', schema: Order } },
      errors: notFound,
    },
    async (req, res) => {
      const doc = await orders.get(actor(req), pathParam(req, 'id'));
      res.json(await orderView(doc, qr, await orders.ticketStatuses(doc)));
    },
  );

  op(
    router,
    {
      method: 'post',
      path: '/:id/cancel',
      operationId: 'cancelOrder',
      idempotent: true,
      summary:
        'Cancel a confirmed order before its event starts: full refund, tickets voided, seats back on sale',
      description:
        'The refund is issued asynchronously (`refund_status: PROCESSING`; GET the order to see it `COMPLETED`). No body is needed.',
      params: { id: 'OrderId' },
      contended: true,
      responses: { 200: { description: 'Cancelled; the refund is on its way', schema: OrderCancellation } },
      errors: {
        400: ['The order failed (nothing to cancel) or its event has started', ['ORDER_NOT_CANCELLABLE']],
        ...notFound,
        409: [
          'Already cancelled, or still `PENDING` (try again in a moment); a ticket of the order was transferred ' +
            '(`details.ticket_ids`: the whole order stays, nothing is refunded), or a transfer of one is pending ' +
            '(`details.transfer_ids`: cancel the transfer first, or let it expire)',
          ['ORDER_ALREADY_CANCELLED', 'ORDER_PENDING', 'ORDER_HAS_TRANSFERRED_TICKETS', 'TRANSFER_PENDING'],
        ],
      },
    },
    async (req, res) => {
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
    },
  );

  return router;
}
