import { v5 as uuidv5 } from 'uuid';
import { holdToOrder } from '../../domain/order/hold-to-order';
import type { OrderPlacedData, TicketTransferFacts } from '../../domain/order/order';
import { DomainError, fail } from '../../domain/shared/errors';
import type { TicketedEventProcessor } from '../ticketed-event/ticketed-event-processor';
import type { SeatIndexes } from '../venue/venue-processor';
import type { Clock } from '../ports/clock';
import {
  PaymentDeclinedError,
  PaymentGatewayUnavailableError,
  type PaymentGateway,
} from '../ports/payment-gateway';
import type { ReadStore } from '../ports/read-store';
import { COLLECTIONS, OrderDoc, TicketDoc } from '../read-models/documents';
import { getCaughtUp } from '../read-models/caught-up';
import type { Actor, ReservationService } from '../reservations/reservation-service';
import type { CommandMetadata } from '../shared/command-metadata';
import type { OrderProcessor } from './order-processor';

/** Order ids derive from reservation ids: one reservation can never become two orders, even when raced. */
const ORDER_NAMESPACE = '6f1c5a52-8d7e-4b7e-9a51-3c2f0e4d9b10';
export const orderIdFor = (reservationId: string) => uuidv5(reservationId, ORDER_NAMESPACE);

export interface PaymentMethodLookup {
  find(
    userId: string,
    paymentMethodId: string,
  ): Promise<{ paymentMethodId: string; cardToken: string } | undefined>;
}

/** Reads the order's tickets from their own streams (the tickets module answers it). */
export interface TicketTransferFactsSource {
  transferFacts(orderId: string, seatIds: string[]): Promise<TicketTransferFacts[]>;
}

export interface PlaceOrderInput {
  reservationId: string;
  paymentMethodId: string;
  billingAddress: Record<string, string> | null;
  deliveryMethod: string;
}

/** An order of a hold whose event is known (a fan's reservation, or a partner cart's hold). */
export interface HeldOrderInput {
  eventId: string;
  holdId: string;
  /** The holder as SeatsHeld recorded it (a fan, or `cart:{cartId}`). */
  buyer: Actor;
  /** The card to charge; asked for only once the hold is known to be orderable (so its errors come first). */
  card: () => Promise<{ paymentMethodId: string; cardToken: string }>;
  billingAddress: Record<string, string> | null;
  deliveryMethod: string;
  /** A partner cart's shipping, added to the total (untaxed). */
  shippingCents?: number;
}

export class OrderService {
  constructor(
    private readonly orders: OrderProcessor,
    private readonly ticketedEvents: TicketedEventProcessor,
    private readonly seatIndexes: SeatIndexes,
    private readonly reservations: ReservationService,
    private readonly paymentMethods: PaymentMethodLookup,
    private readonly gateway: PaymentGateway,
    private readonly readStore: ReadStore,
    private readonly clock: Clock,
    private readonly catchUp: () => Promise<unknown>,
  ) {}

  /**
   * Authorizes the payment synchronously and records the order (PENDING / AUTHORIZED); the sagas do the rest.
   * Decided on the streams: the hold as its event's stream recorded it (prices, expiry, sold or not) and the
   * order's own stream (already placed or not). The reservations read model only says which event stream.
   */
  async place(
    actor: Actor,
    input: PlaceOrderInput,
    metadata: CommandMetadata,
  ): Promise<{ order: OrderPlacedData; position: number }> {
    const holdId = input.reservationId;
    const { event_id: eventId } = await this.reservations.get(holdId, actor);
    return this.placeHeld(
      {
        eventId,
        holdId,
        buyer: actor,
        card: async () => {
          const method = await this.paymentMethods.find(actor.userId, input.paymentMethodId);
          if (!method)
            fail('INVALID_PAYMENT_METHOD', 'Unknown payment method', {
              payment_method_id: input.paymentMethodId,
            });
          return method;
        },
        billingAddress: input.billingAddress,
        deliveryMethod: input.deliveryMethod,
      },
      metadata,
    );
  }

  /**
   * The one way an order is placed, for fans and partner carts alike: the hold checked on its event's stream
   * (holdToOrder), the payment authorized with an idempotency key derived from the order id, then PlaceOrder on
   * the order's stream; the payment and fulfillment sagas take it from there.
   */
  async placeHeld(
    input: HeldOrderInput,
    metadata: CommandMetadata,
  ): Promise<{ order: OrderPlacedData; position: number }> {
    const { eventId, holdId, buyer: actor } = input;
    const orderId = orderIdFor(holdId);
    const [{ state: event }, { state: order }] = await Promise.all([
      this.ticketedEvents.read(eventId),
      this.orders.read(orderId),
    ]);
    const seats = event.details && (await this.seatIndexes.get(event.details.venueId));
    if (!seats) fail('EVENT_NOT_FOUND', 'Event not found');
    const { eventId: _same, ...held } = holdToOrder({
      event,
      order,
      holdId,
      buyer: actor,
      now: this.clock.now(),
      seats,
    });
    const shippingCents = input.shippingCents ?? 0;
    const orderable = shippingCents
      ? { ...held, shippingCents, totalCents: held.totalCents + shippingCents }
      : held;

    const method = await input.card();

    let authorizationId: string;
    try {
      ({ authorizationId } = await this.gateway.authorize({
        cardToken: method.cardToken,
        amountCents: orderable.totalCents,
        currency: 'USD',
        idempotencyKey: `authorize:${orderId}`,
      }));
    } catch (error) {
      if (error instanceof PaymentDeclinedError) {
        // A declined payment ends the purchase attempt: the seats go back on sale at once.
        await this.ticketedEvents.execute(
          eventId,
          { type: 'ReleaseHold', holdId, reason: 'order_failed' },
          metadata,
        );
        throw new DomainError('PAYMENT_DECLINED', 'Payment declined', { reason: error.reason });
      }
      if (error instanceof PaymentGatewayUnavailableError)
        throw new DomainError(
          'PAYMENT_UNAVAILABLE',
          'The payment provider is unavailable; try again shortly',
        );
      throw error;
    }

    const outcome = await this.orders.execute(
      orderId,
      {
        type: 'PlaceOrder',
        orderId,
        userId: actor.userId,
        eventId,
        reservationId: holdId,
        ...orderable,
        paymentMethodId: method.paymentMethodId,
        cardToken: method.cardToken,
        authorizationId,
        deliveryMethod: input.deliveryMethod,
        billingAddress: input.billingAddress,
      },
      metadata,
    );
    return { order: (outcome.events[0] as { data: OrderPlacedData }).data, position: outcome.position };
  }

  async get(actor: Actor, orderId: string): Promise<OrderDoc> {
    const orders = this.readStore.collection<OrderDoc>(COLLECTIONS.orders);
    const doc = await getCaughtUp(orders, orderId, this.catchUp);
    if (!doc || (doc.user_id !== actor.userId && !actor.isAdmin)) fail('ORDER_NOT_FOUND', 'Order not found');
    return doc;
  }

  /** Current status of the order's tickets (ACTIVE, VOID, TRANSFERRED): a ticket lives on after its order. */
  async ticketStatuses(doc: OrderDoc): Promise<Map<string, TicketDoc['status']>> {
    const tickets = this.readStore.collection<TicketDoc>(COLLECTIONS.tickets);
    const statuses = new Map<string, TicketDoc['status']>();
    for (const t of doc.tickets)
      statuses.set(t.ticket_id, (await tickets.get(t.ticket_id))?.status ?? 'ACTIVE');
    return statuses;
  }

  async list(actor: Actor): Promise<OrderDoc[]> {
    return this.readStore
      .collection<OrderDoc>(COLLECTIONS.orders)
      .find({ user_id: actor.userId }, { sort: { created_at: -1 } });
  }

  /**
   * The buyer's cancellation: the whole order, refunded in full, and only while every ticket is still the
   * buyer's (none transferred, no transfer open); the order decider checks that against the tickets' streams.
   */
  async cancel(actor: Actor, orderId: string, metadata: CommandMetadata, tickets: TicketTransferFactsSource) {
    const { state } = await this.orders.read(orderId);
    if (!state.placed || (state.placed.userId !== actor.userId && !actor.isAdmin))
      fail('ORDER_NOT_FOUND', 'Order not found');
    const facts = await tickets.transferFacts(
      orderId,
      state.placed.seats.map((s) => s.seatId),
    );
    const outcome = await this.orders.execute(
      orderId,
      {
        type: 'CancelOrder',
        reason: 'Cancelled by the customer',
        eventCancelled: false,
        byUserId: state.placed.userId,
        tickets: facts,
      },
      metadata,
    );
    const cancelled = outcome.events[0] as { data: { refundAmountCents: number; cancelledAt: string } };
    return { cancelled: cancelled.data, position: outcome.position };
  }
}
