import { holdToOrder } from '../../domain/order/hold-to-order';
import { checkoutExtends } from '../../domain/ticketed-event/decide';
import {
  currentAttempt,
  type OrderPlacedData,
  type PaymentAttempt,
  type PaymentAttemptData,
  type RequestPaymentAuthorization,
  type TicketTransferFacts,
} from '../../domain/order/order';
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
import { derivedId } from '../shared/derived-ids';
import type { OrderProcessor } from './order-processor';

/** The gateway request of an attempt: always the same for the same attempt, so its key answers the same thing. */
const authorizeRequest = (attempt: PaymentAttemptData) => ({
  cardToken: attempt.cardToken,
  amountCents: attempt.amountCents,
  currency: attempt.currency,
  idempotencyKey: attempt.idempotencyKey,
});

/**
 * Order ids derive from reservation ids: one reservation can never become two orders, even when raced. Time-ordered
 * for a time-ordered reservation id, the v5 id of old for an older one (see derivedId). Never change the namespace.
 */
const ORDER_NAMESPACE = '6f1c5a52-8d7e-4b7e-9a51-3c2f0e4d9b10';
export const orderIdFor = (reservationId: string) => derivedId(reservationId, reservationId, ORDER_NAMESPACE);

/**
 * The order under way for a hold (placed, not failed), read afresh from its order stream: a buyer's release of the
 * hold is refused while there is one (ReleaseHold.orderId).
 */
export const orderUnderWay =
  (orders: OrderProcessor) =>
  async (holdId: string): Promise<string | undefined> => {
    const { state } = await orders.readFresh(orderIdFor(holdId));
    return state.placed && state.status !== 'FAILED' ? state.placed.orderId : undefined;
  };

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
    /** See ExtendHoldForCheckout: an order placed near the end of its hold extends it by this, once. */
    private readonly checkoutGraceSeconds = 120,
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
   * (holdToOrder), the payment attempt recorded on the order's stream (OrderPaymentAuthorizing), the payment
   * authorized with the attempt's idempotency key (derived from the order id), then PlaceOrder with that attempt;
   * the payment saga takes it from there. A process killed between the authorization and
   * PlaceOrder leaves the attempt AUTHORIZING in the log: a retry of the same request continues it (same key, same
   * authorization), and the order watchdog releases it (voids the authorization) if nobody does.
   */
  async placeHeld(
    input: HeldOrderInput,
    metadata: CommandMetadata,
  ): Promise<{ order: OrderPlacedData; position: number }> {
    const { eventId, holdId, buyer: actor } = input;
    const orderId = orderIdFor(holdId);
    // Fresh, not cached: the hold may have been made (or released) by another API process (WORKERS > 1), and
    // nothing appended here would catch that (the order goes to the order stream, not the event's).
    const [{ state: event }, { state: order }] = await Promise.all([
      this.ticketedEvents.readFresh(eventId),
      // Kept: the order's commands follow at once (a hold that cannot be ordered is refused before any).
      this.orders.readFresh(orderId, { keep: true }),
    ]);
    const seats = event.details && (await this.seatIndexes.get(event.details.venueId));
    if (!seats) fail('EVENT_NOT_FOUND', 'Event not found');
    const now = this.clock.now();
    const { eventId: _same, ...held } = holdToOrder({ event, order, holdId, buyer: actor, now, seats });
    // Read now: the state is the processor's, folded in place by commands that run while this request waits.
    const extend = checkoutExtends(event.holds.get(holdId)!, now.getTime(), this.checkoutGraceSeconds);
    const shippingCents = input.shippingCents ?? 0;
    const orderable = shippingCents
      ? { ...held, shippingCents, totalCents: held.totalCents + shippingCents }
      : held;

    const method = await input.card();
    // Near its end, the hold is extended before the card is authorized (a payment method that is not the caller's
    // extends nothing): the authorization and the payment saga may outlast the hold, and its seats must still be
    // this order's when the saga sells them.
    if (extend)
      await this.ticketedEvents.execute(
        eventId,
        { type: 'ExtendHoldForCheckout', holdId, orderId, graceSeconds: this.checkoutGraceSeconds },
        metadata,
      );
    const attempt = await this.authorizationAttempt(
      orderId,
      {
        holdId,
        eventId,
        userId: actor.userId,
        amountCents: orderable.totalCents,
        paymentMethodId: method.paymentMethodId,
        cardToken: method.cardToken,
      },
      metadata,
    );

    let authorizationId: string;
    try {
      ({ authorizationId } = await this.gateway.authorize(authorizeRequest(attempt)));
    } catch (error) {
      if (error instanceof PaymentDeclinedError) {
        // A declined payment ends the purchase attempt: recorded on the order's stream (no authorization
        // exists), then the seats go back on sale at once.
        const declined = await this.orders.execute(
          orderId,
          { type: 'RecordPaymentDeclined', attempt: attempt.attempt, reason: error.reason },
          metadata,
        );
        // Unless a concurrent request moved the order on meanwhile (it abandoned this attempt for another card, or
        // placed the order): the hold is that request's now, and releasing it would fail an order answered 201.
        const ours =
          declined.events.length > 0 ||
          (await this.orders.read(orderId)).state.attempts?.find((a) => a.attempt === attempt.attempt)
            ?.status === 'DECLINED';
        const released = ours
          ? await this.ticketedEvents.execute(
              eventId,
              { type: 'ReleaseHold', holdId, reason: 'order_failed' },
              metadata,
            )
          : undefined;
        const refusal = new DomainError('PAYMENT_DECLINED', 'Payment declined', { reason: error.reason });
        refusal.logPosition = Math.max(declined.position, released?.position ?? 0);
        throw refusal;
      }
      // The attempt stays AUTHORIZING: a retry continues it with the same key; the watchdog ends it otherwise.
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
        paymentMethodId: attempt.paymentMethodId,
        cardToken: attempt.cardToken,
        authorizationId,
        deliveryMethod: input.deliveryMethod,
        billingAddress: input.billingAddress,
        paymentAttempt: attempt.attempt,
      },
      metadata,
    );
    return { order: (outcome.events[0] as { data: OrderPlacedData }).data, position: outcome.position };
  }

  /**
   * The attempt to authorize with, recorded on the order's stream before the gateway is called: a new one, or the
   * one a crashed or failed request left AUTHORIZING with this card and amount (continued with the same
   * idempotency key, so the gateway answers the authorization it already made). One left with another card (the
   * buyer switched card after a 503) is abandoned and voided first.
   */
  private async authorizationAttempt(
    orderId: string,
    request: Omit<RequestPaymentAuthorization, 'type' | 'orderId'>,
    metadata: CommandMetadata,
  ): Promise<PaymentAttempt> {
    const command: RequestPaymentAuthorization = { type: 'RequestPaymentAuthorization', orderId, ...request };
    const before = currentAttempt((await this.orders.read(orderId)).state);
    if (
      before?.status === 'AUTHORIZING' &&
      (before.cardToken !== request.cardToken ||
        before.paymentMethodId !== request.paymentMethodId ||
        before.amountCents !== request.amountCents)
    )
      await this.releasePaymentAttempt(orderId, before.attempt, 'payment_method_changed', metadata);
    const outcome = await this.orders.execute(orderId, command, metadata);
    const recorded = outcome.events.find((e) => e.type === 'OrderPaymentAuthorizing');
    if (recorded) return { ...(recorded.data as PaymentAttemptData), status: 'AUTHORIZING' };
    const { state } = await this.orders.read(orderId);
    const continued = currentAttempt(state);
    if (continued?.status === 'AUTHORIZING') return continued;
    // A concurrent request for the same hold placed the order between our command and this read: answered as a
    // request arriving a moment later would be (the cart commit answers that order).
    if (state.placed)
      fail('RESERVATION_ALREADY_ORDERED', 'This reservation already has an order', {
        order_id: state.placed.orderId,
      });
    // ... or the gateway declined the attempt we were continuing: the same answer that request got.
    if (continued?.status === 'DECLINED')
      fail('PAYMENT_DECLINED', 'Payment declined', { reason: continued.declineReason ?? 'declined' });
    fail('PAYMENT_UNAVAILABLE', 'The payment provider is unavailable; try again shortly');
  }

  /**
   * Ends a payment attempt that will not become an order and releases the buyer's money: OrderPaymentAbandoned
   * first (from then on PlaceOrder refuses the attempt, so the void cannot pull an authorization from under an
   * order being placed), then the authorization asked for again with the attempt's idempotency key (the gateway
   * answers the one it made; if the process stopped before calling it, one is made now) and voided, then
   * OrderPaymentVoided. Every step is idempotent: after a crash anywhere, calling this again finishes the job. An
   * attempt placed or declined meanwhile is left alone. Throws PaymentGatewayUnavailableError when the gateway
   * cannot be reached (the attempt stays abandoned; the watchdog tries again).
   */
  async releasePaymentAttempt(
    orderId: string,
    attemptNumber: number,
    reason: string,
    metadata: CommandMetadata,
  ): Promise<'voided' | 'not_open'> {
    await this.orders.execute(
      orderId,
      { type: 'AbandonPaymentAttempt', attempt: attemptNumber, reason },
      metadata,
    );
    const { state } = await this.orders.read(orderId);
    const attempt = state.attempts?.find((a) => a.attempt === attemptNumber);
    if (attempt?.status !== 'ABANDONED') return 'not_open';
    let authorizationId: string | null = null;
    try {
      ({ authorizationId } = await this.gateway.authorize(authorizeRequest(attempt)));
    } catch (error) {
      if (!(error instanceof PaymentDeclinedError)) throw error;
      // Declined: there is no authorization to void.
    }
    if (authorizationId)
      await this.gateway.voidAuthorization({
        authorizationId,
        idempotencyKey: `void:${attempt.idempotencyKey}`,
      });
    await this.orders.execute(
      orderId,
      { type: 'RecordPaymentVoided', attempt: attemptNumber, authorizationId },
      metadata,
    );
    return 'voided';
  }

  /** Releases every attempt of the order still authorizing or waiting for its void (the cart expiry job's). */
  async releaseOpenPaymentAttempts(
    orderId: string,
    reason: string,
    metadata: CommandMetadata,
  ): Promise<number> {
    const { state } = await this.orders.readFresh(orderId);
    let released = 0;
    for (const attempt of state.attempts ?? [])
      if (attempt.status === 'AUTHORIZING' || attempt.status === 'ABANDONED')
        if ((await this.releasePaymentAttempt(orderId, attempt.attempt, reason, metadata)) === 'voided')
          released += 1;
    return released;
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
