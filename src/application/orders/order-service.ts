import { v5 as uuidv5 } from 'uuid';
import type { OrderPlacedData, OrderSeat, TicketTransferFacts } from '../../domain/order/order';
import { DomainError, fail } from '../../domain/shared/errors';
import type { TicketedEventProcessor } from '../catalog/ticketed-event-processor';
import type { Clock } from '../ports/clock';
import {
  PaymentDeclinedError,
  PaymentGatewayUnavailableError,
  type PaymentGateway,
} from '../ports/payment-gateway';
import type { ReadStore } from '../ports/read-store';
import { COLLECTIONS, EventDoc, OrderDoc, parseSeatId, TicketDoc, VenueDoc } from '../read-models/documents';
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

/** Sales tax on the ticket price (not on fees), as in the seed's example: 9% of 1500.00 is 135.00. */
export const TAX_RATE = 0.09;

export class OrderService {
  constructor(
    private readonly orders: OrderProcessor,
    private readonly events: TicketedEventProcessor,
    private readonly reservations: ReservationService,
    private readonly paymentMethods: PaymentMethodLookup,
    private readonly gateway: PaymentGateway,
    private readonly readStore: ReadStore,
    private readonly clock: Clock,
    private readonly catchUp: () => Promise<unknown>,
  ) {}

  /** Authorizes the payment synchronously and records the order (PENDING / AUTHORIZED); the sagas do the rest. */
  async place(
    actor: Actor,
    input: PlaceOrderInput,
    metadata: CommandMetadata,
  ): Promise<{ order: OrderPlacedData; position: number }> {
    const reservation = await this.reservations.get(input.reservationId, actor);
    const orderId = orderIdFor(reservation.reservation_id);
    if (reservation.status === 'SOLD' || (await this.orders.read(orderId)).state.placed) {
      fail('RESERVATION_ALREADY_ORDERED', 'This reservation already has an order', { order_id: orderId });
    }
    const expired =
      reservation.status !== 'HELD' || Date.parse(reservation.expires_at) <= this.clock.now().getTime();
    if (expired)
      fail('RESERVATION_EXPIRED', 'The reservation has expired; reserve the seats again', {
        reservation_id: reservation.reservation_id,
      });

    const method = await this.paymentMethods.find(actor.userId, input.paymentMethodId);
    if (!method)
      fail('INVALID_PAYMENT_METHOD', 'Unknown payment method', { payment_method_id: input.paymentMethodId });

    const event = await this.readStore.collection<EventDoc>(COLLECTIONS.events).get(reservation.event_id);
    const venue =
      event && (await this.readStore.collection<VenueDoc>(COLLECTIONS.venues).get(event.venue_id));
    if (!event || !venue) fail('EVENT_NOT_FOUND', 'Event not found');
    const seats = orderSeats(reservation.seat_ids, event, venue);
    const subtotalCents = seats.reduce((n, s) => n + s.priceCents, 0);
    const feesCents = seats.reduce((n, s) => n + s.feesCents, 0);
    const taxesCents = Math.round(subtotalCents * TAX_RATE);
    const totalCents = subtotalCents + feesCents + taxesCents;

    let authorizationId: string;
    try {
      ({ authorizationId } = await this.gateway.authorize({
        cardToken: method.cardToken,
        amountCents: totalCents,
        currency: 'USD',
        idempotencyKey: `authorize:${orderId}`,
      }));
    } catch (error) {
      if (error instanceof PaymentDeclinedError) {
        // A declined payment ends the purchase attempt: the seats go back on sale at once.
        await this.events.execute(
          reservation.event_id,
          { type: 'ReleaseHold', holdId: reservation.reservation_id, reason: 'order_failed' },
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
        eventId: event.event_id,
        reservationId: reservation.reservation_id,
        eventName: event.name,
        eventDate: event.date,
        venueName: event.venue.name,
        seats,
        subtotalCents,
        feesCents,
        taxesCents,
        totalCents,
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
    let doc = await orders.get(orderId);
    if (!doc) {
      await this.catchUp();
      doc = await orders.get(orderId);
    }
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

function orderSeats(seatIds: string[], event: EventDoc, venue: VenueDoc): OrderSeat[] {
  return seatIds.map((seatId) => {
    const { sectionId, row, number } = parseSeatId(seatId);
    const tier = event.pricing_tiers.find((t) => t.section_ids.includes(sectionId));
    const section = venue.sections.find((s) => s.section_id === sectionId);
    return {
      seatId,
      section: section?.name ?? sectionId,
      row,
      seat: String(number),
      priceCents: tier?.price_cents ?? 0,
      feesCents: tier?.fees_cents ?? 0,
    };
  });
}
