import type { Logger } from 'pino';
import type { OrderCancelled, OrderConfirmed, OrderPlacedData } from '../../domain/order/order';
import { DomainError } from '../../domain/shared/errors';
import type { TicketedEventProcessor } from '../catalog/ticketed-event-processor';
import type { BusMessage, MessageBus, Subscription } from '../ports/message-bus';
import { PaymentDeclinedError, type PaymentGateway } from '../ports/payment-gateway';
import type { ReadStore } from '../ports/read-store';
import { COLLECTIONS, OrderDoc } from '../read-models/documents';
import type { CommandMetadata } from '../shared/command-metadata';
import type { OrderProcessor } from './order-processor';

/** What the sagas need from the tickets module. */
export interface TicketIssuer {
  issueForOrder(
    order: {
      orderId: string;
      eventId: string;
      userId: string;
      eventName: string;
      eventDate: string;
      venueName: string;
      seats: Array<{ seatId: string; section: string; row: string; seat: string }>;
    },
    metadata: CommandMetadata,
  ): Promise<Array<{ ticketId: string; seatId: string; barcode: string }>>;
  voidForOrder(ticketIds: string[], reason: string, metadata: CommandMetadata): Promise<void>;
  ticketIdFor(orderId: string, seatId: string): string;
}

/** Events the forwarder must put on the bus for these sagas. */
export const SAGA_EVENT_TYPES: ReadonlySet<string> = new Set([
  'OrderPlaced',
  'OrderConfirmed',
  'OrderCancelled',
  'EventCancelled',
]);

export const SAGA_QUEUES = {
  payment: 'saga.payment',
  fulfillment: 'saga.fulfillment',
  cancellation: 'saga.cancellation',
  eventCancellation: 'saga.event-cancellation',
} as const;

export type SagaQueue = keyof typeof SAGA_QUEUES;

export interface SagaOptions {
  prefetch?: number;
  maxRetries?: number;
  retryDelayMs?: number;
  /** Prefix of the queue names (several deployments can share a broker). */
  namespace?: string;
  /**
   * Test hook: called at named steps (before-sell, after-sell, after-capture, before-tickets, after-tickets,
   * after-refund); throwing there simulates a crash before the ack, awaiting it a delay.
   */
  faults?: (step: string, message: BusMessage) => void | Promise<void>;
}

/**
 * The order sagas. Delivery is at least once, so every step is idempotent: gateway calls carry deterministic
 * idempotency keys (`capture:{orderId}`...), the deciders ignore a step already taken, ticket ids and barcodes
 * derive from the order. A handler that throws is retried by the bus with growing delays, then dead-lettered.
 *
 * Payment: seats sold on the event stream (or, if the hold expired: void the authorization, fail the order),
 * then capture, then confirm. Fulfillment: tickets. Cancellation: refund (or void), seats back on sale, tickets
 * void. Event cancellation: cancel every confirmed order of the event.
 */
export class OrderSagas {
  private readonly subscriptions: Subscription[] = [];

  constructor(
    private readonly bus: MessageBus,
    private readonly orders: OrderProcessor,
    private readonly events: TicketedEventProcessor,
    private readonly gateway: PaymentGateway,
    private readonly tickets: TicketIssuer,
    private readonly readStore: ReadStore,
    /** Resolves when the read models include a log position (the event-cancellation saga reads orders). */
    private readonly waitForReadModels: (position: number) => Promise<unknown>,
    private readonly logger: Logger,
    private readonly options: SagaOptions = {},
  ) {}

  async start(): Promise<void> {
    const consume = {
      prefetch: this.options.prefetch ?? 16,
      maxRetries: this.options.maxRetries ?? 5,
      retryDelayMs: this.options.retryDelayMs ?? 500,
    };
    const wrap =
      (name: string, handler: (message: BusMessage) => Promise<void>) =>
      async (message: BusMessage, ctx: { attempt: number }) => {
        try {
          await handler(message);
        } catch (error) {
          this.logger.warn(
            { err: error, saga: name, type: message.type, messageId: message.id, attempt: ctx.attempt },
            'saga step failed; the bus will retry',
          );
          throw error;
        }
      };
    this.subscriptions.push(
      await this.bus.consume(
        this.queue('payment'),
        ['OrderPlaced'],
        wrap('payment', (m) => this.onOrderPlaced(m)),
        consume,
      ),
      await this.bus.consume(
        this.queue('fulfillment'),
        ['OrderConfirmed'],
        wrap('fulfillment', (m) => this.onOrderConfirmed(m)),
        consume,
      ),
      await this.bus.consume(
        this.queue('cancellation'),
        ['OrderCancelled'],
        wrap('cancellation', (m) => this.onOrderCancelled(m)),
        consume,
      ),
      await this.bus.consume(
        this.queue('eventCancellation'),
        ['EventCancelled'],
        wrap('event-cancellation', (m) => this.onEventCancelled(m)),
        { ...consume, prefetch: 1 },
      ),
    );
  }

  async stop(): Promise<void> {
    await Promise.all(this.subscriptions.splice(0).map((s) => s.close()));
  }

  queue(name: SagaQueue): string {
    return `${this.options.namespace ?? 'ticketing'}.${SAGA_QUEUES[name]}`;
  }

  private metadata(message: BusMessage, saga: string): CommandMetadata {
    // A step driven again by the watchdog says so in the log (metadata.userId `saga:watchdog`).
    const redrivenBy = message.metadata.redrivenBy;
    return {
      correlationId: String(message.metadata.correlationId ?? message.id),
      causationId: message.id,
      userId: `saga:${typeof redrivenBy === 'string' ? redrivenBy : saga}`,
    };
  }

  private async fault(step: string, message: BusMessage): Promise<void> {
    await this.options.faults?.(step, message);
  }

  async onOrderPlaced(message: BusMessage): Promise<void> {
    const order = message.data as OrderPlacedData;
    if (!order?.orderId || !order.eventId || !Array.isArray(order.seats))
      throw new Error('Malformed OrderPlaced message');
    const meta = this.metadata(message, 'payment');
    const { state } = await this.orders.read(order.orderId);
    if (state.status !== 'PENDING') return; // done before (a redelivery)

    if (state.paymentStatus === 'AUTHORIZED') {
      await this.fault('before-sell', message);
      try {
        await this.events.execute(
          order.eventId,
          {
            type: 'SellHold',
            holdId: order.reservationId,
            orderId: order.orderId,
            totalCents: order.totalCents,
          },
          meta,
        );
      } catch (error) {
        if (!(error instanceof DomainError)) throw error;
        // The hold expired (or the event was cancelled) before the payment went through: nothing was taken.
        await this.gateway.voidAuthorization({
          authorizationId: order.authorizationId,
          idempotencyKey: `void:${order.orderId}`,
        });
        await this.orders.execute(
          order.orderId,
          { type: 'FailOrder', reason: error.code, authorizationVoided: true },
          meta,
        );
        return;
      }
      await this.fault('after-sell', message);
      try {
        const capture = await this.gateway.capture({
          authorizationId: order.authorizationId,
          amountCents: order.totalCents,
          idempotencyKey: `capture:${order.orderId}`,
        });
        await this.fault('after-capture', message);
        await this.orders.execute(
          order.orderId,
          { type: 'RecordCapture', captureId: capture.captureId },
          meta,
        );
      } catch (error) {
        if (!(error instanceof PaymentDeclinedError)) throw error;
        await this.events.execute(order.eventId, { type: 'ReturnSeats', orderId: order.orderId }, meta);
        await this.gateway.voidAuthorization({
          authorizationId: order.authorizationId,
          idempotencyKey: `void:${order.orderId}`,
        });
        await this.orders.execute(
          order.orderId,
          { type: 'FailOrder', reason: `capture_${error.reason}`, authorizationVoided: true },
          meta,
        );
        return;
      }
    }
    await this.orders.execute(order.orderId, { type: 'ConfirmOrder' }, meta);
  }

  async onOrderConfirmed(message: BusMessage): Promise<void> {
    const order = message.data as OrderConfirmed['data'];
    if (!order?.orderId || !Array.isArray(order.seats)) throw new Error('Malformed OrderConfirmed message');
    const meta = this.metadata(message, 'fulfillment');
    const { state } = await this.orders.read(order.orderId);
    if (state.tickets.length > 0 || state.status !== 'CONFIRMED') return;
    await this.fault('before-tickets', message);
    const tickets = await this.tickets.issueForOrder(
      {
        orderId: order.orderId,
        eventId: order.eventId,
        userId: order.userId,
        eventName: order.eventName,
        eventDate: order.eventDate,
        venueName: order.venueName,
        seats: order.seats,
      },
      meta,
    );
    await this.fault('after-tickets', message);
    await this.orders.execute(order.orderId, { type: 'RecordTickets', tickets }, meta);
  }

  async onOrderCancelled(message: BusMessage): Promise<void> {
    const cancelled = message.data as OrderCancelled['data'];
    if (!cancelled?.orderId) throw new Error('Malformed OrderCancelled message');
    const meta = this.metadata(message, 'cancellation');
    const { state } = await this.orders.read(cancelled.orderId);
    if (state.paymentStatus === 'REFUND_PENDING') {
      if (state.captureId) {
        const refund = await this.gateway.refund({
          captureId: state.captureId,
          amountCents: cancelled.refundAmountCents,
          idempotencyKey: `refund:${cancelled.orderId}`,
        });
        await this.fault('after-refund', message);
        await this.orders.execute(
          cancelled.orderId,
          { type: 'RecordRefund', refundId: refund.refundId, voided: false },
          meta,
        );
      } else {
        await this.gateway.voidAuthorization({
          authorizationId: cancelled.authorizationId,
          idempotencyKey: `void:${cancelled.orderId}`,
        });
        await this.orders.execute(
          cancelled.orderId,
          { type: 'RecordRefund', refundId: null, voided: true },
          meta,
        );
      }
    }
    await this.events.execute(cancelled.eventId, { type: 'ReturnSeats', orderId: cancelled.orderId }, meta);
    // Ticket ids derive from (order, seat): this also voids tickets issued by a fulfillment that crashed
    // before recording them on the order. Ids never issued are skipped.
    const ticketIds = state.placed!.seats.map((seat) =>
      this.tickets.ticketIdFor(cancelled.orderId, seat.seatId),
    );
    await this.tickets.voidForOrder(ticketIds, 'order_cancelled', meta);
  }

  async onEventCancelled(message: BusMessage): Promise<void> {
    const data = message.data as { eventId?: string };
    if (!data?.eventId) throw new Error('Malformed EventCancelled message');
    const meta = this.metadata(message, 'event-cancellation');
    await this.waitForReadModels(Number(message.metadata.position ?? 0));
    const orders = await this.readStore
      .collection<OrderDoc>(COLLECTIONS.orders)
      .find({ event_id: data.eventId, status: { $in: ['CONFIRMED', 'PENDING'] } });
    let pending = 0;
    for (const order of orders) {
      try {
        await this.orders.execute(
          order.order_id,
          {
            type: 'CancelOrder',
            reason: 'The event was cancelled',
            eventCancelled: true,
            byUserId: 'system',
          },
          meta,
        );
      } catch (error) {
        if (!(error instanceof DomainError)) throw error;
        if (error.code === 'ORDER_PENDING') pending += 1; // its payment saga is mid-way: look again later
      }
    }
    // Orders still in payment either fail (their seats are gone) or confirm; the retry cancels the confirmed ones.
    if (pending > 0)
      throw new Error(`${pending} order(s) of cancelled event ${data.eventId} still in payment; retrying`);
  }
}
