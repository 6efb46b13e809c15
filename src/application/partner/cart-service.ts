/**
 * Partner carts. Public methods (each checks that the cart is the calling partner's and belongs to the event in
 * the path; someone else's cart is answered like a missing one, CART_NOT_FOUND):
 * - create(eventId, partnerId, request, metadata): the cart's intent recorded (CartRequested), best available seats
 *   held on `event-{id}` for it, then the cart with its seats (CartCreated) -> { cart, position }
 * - get(eventId, cartId, partnerId): the cart now -> CartView
 * - setPayment(eventId, cartId, partnerId, payment, metadata): card facts from the tokenized card (never its
 *   number) -> { cart, position }
 * - setShipping(eventId, cartId, partnerId, shippingId, metadata): one of the event's shipping options
 *   -> { cart, position }
 * - commit(eventId, cartId, partnerId, metadata): the order, through the consumer order path -> { order, position }
 * - delete(eventId, cartId, partnerId, metadata): the cart closed and its seats released (a cart whose creation
 *   never finished too) -> { position }
 * - order(partnerId, orderId): one of the partner's orders with its tickets (barcode_id when the event emits them)
 * - expireDue(metadata): the expiry job: records CartExpired for carts whose hold time ran out, and fails carts
 *   whose creation was cut short (releasing the seats held for them) -> how many
 */
import { v4 as uuidv4 } from 'uuid';
import {
  assertChangeable,
  createdCart,
  type CartCommand,
  type CartEvent,
  type CartPayment,
  type CartState,
} from '../../domain/cart/cart';
import type { OrderPlacedData } from '../../domain/order/order';
import { DomainError, fail } from '../../domain/shared/errors';
import type { BestAvailableScope } from '../../domain/ticketed-event/best-available';
import type { EventDetails, SeatsHeld } from '../../domain/ticketed-event/events';
import { partnerFlagsOf as partnerFlags } from '../../domain/ticketed-event/partner-settings';
import { shippingOptionById, shippingOptionsOf } from '../../domain/ticketed-event/shipping';
import { orderIdFor, type OrderService } from '../orders/order-service';
import type { OrderProcessor } from '../orders/order-processor';
import type { IdGenerator } from '../ports/id-generator';
import type { Clock } from '../ports/clock';
import type { ReadStore } from '../ports/read-store';
import { getCaughtUp } from '../read-models/caught-up';
import { COLLECTIONS, type EventDoc, type OrderDoc, type TicketDoc } from '../read-models/documents';
import type { CommandMetadata } from '../shared/command-metadata';
import type { TicketedEventProcessor } from '../ticketed-event/ticketed-event-processor';
import type { SeatIndexes } from '../venue/venue-processor';
import { cartHolder, cartOfHolder, type CartProcessor } from './cart-processor';
import {
  cartView,
  committedView,
  PARTNER_CARTS,
  partnerOrderView,
  type CartView,
  type PartnerCartDoc,
} from './cart-view';

export interface CreateCartRequest {
  scope: BestAvailableScope;
  quantity: number;
  /** The solved captcha (ALTCHA payload), needed when the event asks for one. */
  altcha?: string;
  /**
   * The id the cart gets (default: a new one). The API names it before the command runs, so an answer lost in a
   * crash can still say which cart it was (410 POLLED_RESULT_LOST `details.cart_id`).
   */
  cartId?: string;
}

/**
 * Checks and spends a partner's solved captcha (P1's PartnerCaptcha.verify); throws a DomainError (CAPTCHA_FAILED)
 * when it is missing, wrong, expired or reused.
 */
export type PartnerCaptchaCheck = (
  partnerId: string,
  altcha: string | undefined,
  metadata: CommandMetadata,
) => Promise<void>;

export interface CartServiceDependencies {
  carts: CartProcessor;
  ticketedEvents: TicketedEventProcessor;
  seatIndexes: SeatIndexes;
  orders: OrderService;
  orderProcessor: OrderProcessor;
  readStore: ReadStore;
  clock: Clock;
  /** Hold ids are time-ordered, as a fan's are: the cart's order and tickets inherit their time (derivedId). */
  ids: IdGenerator;
  /** How long a partner's cart holds its seats (seconds). */
  holdSeconds: (partnerId: string) => number | Promise<number>;
  /** Waits until projections reached the log's head (an order id just given out may not be projected yet). */
  catchUp: () => Promise<unknown>;
  captcha?: PartnerCaptchaCheck;
  /** Carts in checkout are settled by the expiry job only this long after their expiry (a commit may be in flight). */
  checkoutGraceMs?: number;
  /**
   * A cart still REQUESTED this long after its request (the process stopped between the hold and CartCreated) is
   * failed by the expiry job, and its seats released. Default: checkoutGraceMs.
   */
  creationGraceMs?: number;
  /** A cart the expiry job could not settle this time (it tries again on its next run). */
  onError?: (err: unknown, what: string) => void;
}

/** Codes from placing the order that end the cart: its seats are gone (declined: released; expired: lapsed). */
const FINAL_PLACEMENT_ERRORS = new Set([
  'PAYMENT_DECLINED',
  'RESERVATION_EXPIRED',
  'RESERVATION_NOT_FOUND',
  'EVENT_NOT_FOUND',
  'SEATS_GONE', // the event was cancelled
  'SALE_NOT_OPEN', // the event has started
]);

export class CartService {
  constructor(private readonly deps: CartServiceDependencies) {}

  async create(
    eventId: string,
    partnerId: string,
    request: CreateCartRequest,
    metadata: CommandMetadata,
  ): Promise<{ cart: CartView; position: number }> {
    const { ticketedEvents, carts, seatIndexes, clock } = this.deps;
    const { state: event } = await ticketedEvents.readFresh(eventId);
    const details = event.details;
    if (!details || event.status === 'DRAFT' || !partnerFlags(details).internetEnabled)
      fail('EVENT_NOT_FOUND', 'Event not found');
    if (partnerFlags(details).captchaRequired) {
      if (!this.deps.captcha) throw new Error('The event requires a captcha but no captcha check is wired');
      await this.deps.captcha(partnerId, request.altcha, metadata);
    }

    const cartId = request.cartId ?? uuidv4();
    const holdId = this.deps.ids.timeOrdered();
    const holdSeconds = await this.deps.holdSeconds(partnerId);
    // The intent first: a hold whose holder is `cart:{id}` always has a cart stream to find it by (a creation cut
    // short after the hold can then be deleted, and is failed by the expiry job, which releases the seats).
    await carts.execute(cartId, { type: 'RequestCart', cartId, partnerId, eventId, holdId }, metadata);
    let held: Awaited<ReturnType<TicketedEventProcessor['execute']>>;
    try {
      held = await ticketedEvents.execute(
        eventId,
        {
          type: 'HoldBestAvailable',
          holdId,
          userId: cartHolder(cartId),
          scope: request.scope,
          quantity: request.quantity,
          holdSeconds,
        },
        metadata,
      );
    } catch (error) {
      // No seats held (none left, a limit, contention): the cart ends here, and its log says why. Should this
      // record fail too, the expiry job fails the cart later (it holds nothing to release).
      const reason = error instanceof DomainError ? error.code : 'HOLD_FAILED';
      await carts.execute(cartId, { type: 'FailCartCreation', reason }, metadata).catch(() => undefined);
      throw error;
    }
    const hold = held.events.find((e): e is SeatsHeld => e.type === 'SeatsHeld')!.data;
    const seats = (await seatIndexes.get(details.venueId))!;
    const tierBySection = new Map(details.tiers.flatMap((t) => t.sectionIds.map((s) => [s, t] as const)));
    const created = carts.execute(
      cartId,
      {
        type: 'CreateCart',
        cartId,
        partnerId,
        eventId,
        holdId,
        seats: hold.seatIds.map((seatId) => {
          const place = seats.seats.get(seatId)!;
          const tier = tierBySection.get(place.sectionId)!;
          return {
            seatId,
            section: place.sectionName,
            row: place.row,
            seat: String(place.number),
            priceCents: tier.priceCents,
            feesCents: tier.feesCents,
          };
        }),
        subtotalCents: hold.subtotalCents,
        feesCents: hold.feesCents,
        expiresAt: hold.expiresAt,
      },
      metadata,
    );
    let outcome: Awaited<typeof created>;
    try {
      outcome = await created;
    } catch (error) {
      // Deleted, or failed by the expiry job, while its seats were being held: they are released again here.
      if (error instanceof DomainError && ['CART_DELETED', 'CART_CREATION_FAILED'].includes(error.code))
        await this.releaseHoldsOf(eventId, cartId, holdId, metadata);
      throw error;
    }
    const { state } = await carts.read(cartId);
    return { cart: cartView(state, clock.now()), position: outcome.position };
  }

  async get(eventId: string, cartId: string, partnerId: string): Promise<CartView> {
    const state = await this.owned(eventId, cartId, partnerId);
    createdCart(state);
    return cartView(state, this.deps.clock.now());
  }

  /** Card facts only (P3 tokenized the card): the cart never sees a card number or security code. */
  setPayment(
    eventId: string,
    cartId: string,
    partnerId: string,
    payment: CartPayment,
    metadata: CommandMetadata,
  ): Promise<{ cart: CartView; position: number }> {
    return this.change(eventId, cartId, partnerId, metadata, async () => ({
      type: 'SetCartPayment',
      partnerId,
      ...payment,
    }));
  }

  /** One of the event's shipping options (UNKNOWN_SHIPPING_OPTION otherwise); its price joins the totals. */
  setShipping(
    eventId: string,
    cartId: string,
    partnerId: string,
    shippingId: string,
    metadata: CommandMetadata,
  ): Promise<{ cart: CartView; position: number }> {
    return this.change(eventId, cartId, partnerId, metadata, async () => {
      const option = shippingOptionById(await this.eventDetails(eventId), shippingId);
      return {
        type: 'SetCartShipping',
        partnerId,
        shippingId: option.shippingId,
        priceCents: option.priceCents,
      };
    });
  }

  /**
   * The order of the cart, placed through the consumer order path (OrderService.placeHeld: the hold checked on
   * the event's stream, the card authorized, OrderPlaced; the payment saga does the rest).
   * CartCheckoutStarted comes first, so the cart no longer changes and a delete racing the commit is refused;
   * the order id derives from the hold, so a repeated or concurrent commit continues the same order and answers
   * it again. A refusal that ends the purchase (declined card, lapsed hold) closes the cart (CartCheckoutFailed).
   */
  async commit(
    eventId: string,
    cartId: string,
    partnerId: string,
    metadata: CommandMetadata,
  ): Promise<{ order: ReturnType<typeof committedView>; position: number }> {
    const { carts, orders, orderProcessor } = this.deps;
    const before = await this.owned(eventId, cartId, partnerId);
    const cart = createdCart(before);
    const orderId = orderIdFor(cart.holdId);
    // A choice is needed when there is one to make, or when the only option costs something; otherwise the
    // event's one free option applies without being chosen.
    const options = shippingOptionsOf(await this.eventDetails(eventId));
    const shippingRequired = options.length > 1 || options[0].priceCents > 0;
    const begun = await carts.execute(
      cartId,
      { type: 'BeginCheckout', partnerId, orderId, shippingRequired },
      metadata,
    );
    expiredAnswer(begun.events);
    // From here payment and shipping are frozen: the state read now is what the order is placed with.
    const { state } = await carts.read(cartId);
    let placed: { order: OrderPlacedData; position: number };
    try {
      placed = await orders.placeHeld(
        {
          eventId,
          holdId: cart.holdId,
          buyer: { userId: cartHolder(cartId), isAdmin: false },
          card: async () => ({ paymentMethodId: `cart:${cartId}`, cardToken: state.payment!.cardToken }),
          billingAddress: state.payment!.billingAddress,
          deliveryMethod: state.shipping?.shippingId ?? options[0].shippingId,
          shippingCents: state.shipping?.priceCents ?? 0,
        },
        metadata,
      );
    } catch (error) {
      if (!(error instanceof DomainError)) throw error;
      if (error.code === 'RESERVATION_ALREADY_ORDERED') {
        // Placed by an earlier (or a concurrent) commit of this cart: answer that order.
        const { state: order } = await orderProcessor.readFresh(orderId);
        if (!order.placed) throw error;
        placed = { order: order.placed, position: begun.position };
      } else {
        // The hold is gone because a concurrent commit's payment was declined: the checkout failed, it did not expire.
        const declined =
          error.code === 'RESERVATION_EXPIRED' && error.details?.released_because === 'payment_declined';
        const reason = declined ? 'PAYMENT_DECLINED' : error.code;
        if (FINAL_PLACEMENT_ERRORS.has(error.code))
          await carts.execute(cartId, { type: 'FailCheckout', reason }, metadata);
        // Answered as the failed checkout now answers every commit (410 CART_CHECKOUT_FAILED with its reason).
        if (declined) assertChangeable((await carts.read(cartId)).state);
        if (error.code === 'RESERVATION_EXPIRED')
          fail('CART_EXPIRED', 'The cart expired: its hold time ran out', { cart_id: cartId });
        // PAYMENT_UNAVAILABLE and the like: the cart stays in checkout; the same commit may be retried.
        throw error;
      }
    }
    const done = await carts.execute(cartId, { type: 'CompleteCheckout', orderId }, metadata);
    return {
      order: committedView(placed.order),
      position: Math.max(placed.position, done.position),
    };
  }

  /**
   * Closes the cart (CartDeleted), then releases its hold on the event's stream. The release is attempted on every
   * delete of a closed cart too, so a retry after a crash in between still frees the seats. A cart whose creation
   * never finished is deleted the same way; its seats are whatever the event's stream holds for `cart:{id}`.
   */
  async delete(
    eventId: string,
    cartId: string,
    partnerId: string,
    metadata: CommandMetadata,
  ): Promise<{ position: number }> {
    const { carts, ticketedEvents } = this.deps;
    const state = await this.owned(eventId, cartId, partnerId);
    const closed = await carts.execute(cartId, { type: 'DeleteCart', partnerId }, metadata);
    if (!state.cart) {
      const position = await this.releaseHoldsOf(eventId, cartId, state.requested!.holdId, metadata);
      return { position: Math.max(closed.position, position) };
    }
    const released = await ticketedEvents.execute(
      eventId,
      { type: 'ReleaseHold', holdId: state.cart.holdId, reason: 'released', userId: cartHolder(cartId) },
      metadata,
    );
    return { position: Math.max(closed.position, released.position) };
  }

  /**
   * Releases every hold the event's stream keeps for the cart (holder `cart:{id}`), and the one its request named:
   * read on the write side, so a creation cut short between its hold and CartCreated loses no seat for long.
   * Returns the log position of the last release (0 when there was nothing to release).
   */
  private async releaseHoldsOf(
    eventId: string,
    cartId: string,
    holdId: string,
    metadata: CommandMetadata,
  ): Promise<number> {
    const { ticketedEvents } = this.deps;
    const holder = cartHolder(cartId);
    const { state: event } = await ticketedEvents.readFresh(eventId);
    const holdIds = new Set([holdId, ...(event.holdsByUser.get(holder) ?? [])]);
    let position = 0;
    for (const id of holdIds) {
      const released = await ticketedEvents.execute(
        eventId,
        { type: 'ReleaseHold', holdId: id, reason: 'released', userId: holder },
        metadata,
      );
      position = Math.max(position, released.position);
    }
    return position;
  }

  /**
   * Carts still REQUESTED long after their request: the process stopped between the hold and CartCreated. Each is
   * failed first (a creation still running is then refused, and releases its own hold), then the seats the event's
   * stream holds for it are released. Returns how many were failed.
   */
  private async failInterruptedCreations(now: number, metadata: CommandMetadata): Promise<number> {
    const { readStore, carts } = this.deps;
    const grace = this.deps.creationGraceMs ?? this.deps.checkoutGraceMs ?? 60_000;
    const stuck = await readStore.collection<PartnerCartDoc>(PARTNER_CARTS).find({
      status: 'REQUESTED',
      requested_at: { $lte: new Date(now - grace).toISOString() },
    });
    let failed = 0;
    for (const doc of stuck) {
      try {
        const outcome = await carts.execute(
          doc.cart_id,
          { type: 'FailCartCreation', reason: 'CREATION_INTERRUPTED' },
          metadata,
        );
        if (outcome.events.length === 0) continue; // created or closed meanwhile
        await this.releaseHoldsOf(doc.event_id, doc.cart_id, doc.hold_id, metadata);
        failed += 1;
      } catch (err) {
        // The next run tries again; the hold lapses at its hold time regardless.
        this.deps.onError?.(err, `failing the interrupted creation of cart ${doc.cart_id}`);
      }
    }
    return failed;
  }

  /** One of the partner's orders (someone else's, or a fan's, is ORDER_NOT_FOUND). */
  async order(partnerId: string, orderId: string) {
    const { readStore, catchUp, carts } = this.deps;
    const doc = await getCaughtUp(readStore.collection<OrderDoc>(COLLECTIONS.orders), orderId, catchUp);
    const cartId = doc && cartOfHolder(doc.user_id);
    const cart = cartId ? (await carts.readFresh(cartId)).state.cart : undefined;
    if (!doc || cart?.partnerId !== partnerId) fail('ORDER_NOT_FOUND', 'Order not found');
    const tickets = readStore.collection<TicketDoc>(COLLECTIONS.tickets);
    const statuses = new Map<string, TicketDoc['status']>();
    for (const t of doc.tickets)
      statuses.set(t.ticket_id, (await tickets.get(t.ticket_id))?.status ?? 'ACTIVE');
    return partnerOrderView(doc, await this.emitsBarcodes(doc.event_id), statuses);
  }

  /**
   * The expiry job: the carts read model nominates carts past their expiry; each cart's stream decides. An open
   * cart records CartExpired (its hold lapses on the event's stream by itself). A cart stuck in checkout (the
   * process stopped mid-commit) is finished from its order's stream: committed if the order exists, failed if not,
   * after releasing the payment attempt the commit may have left (its authorization voided).
   */
  async expireDue(metadata: CommandMetadata): Promise<number> {
    const { readStore, clock, carts, orderProcessor, orders } = this.deps;
    const now = clock.now().getTime();
    const grace = this.deps.checkoutGraceMs ?? 60_000;
    let settled = await this.failInterruptedCreations(now, metadata);
    const due = await readStore
      .collection<PartnerCartDoc>(PARTNER_CARTS)
      .find({ status: { $in: ['OPEN', 'CHECKOUT'] }, expires_at: { $lte: new Date(now).toISOString() } });
    for (const doc of due) {
      let command: CartCommand = { type: 'ExpireCart' };
      if (doc.status === 'CHECKOUT') {
        if (Date.parse(doc.expires_at) + grace > now) continue;
        const orderId = orderIdFor(doc.hold_id);
        const { state: order } = await orderProcessor.readFresh(orderId);
        if (!order.placed && order.attempts?.length) {
          // The commit stopped after recording its payment attempt: the buyer's money is released (the
          // authorization voided) before the cart says its checkout failed. If the gateway cannot be reached the
          // cart waits for the next run (the order watchdog retries the void as well).
          try {
            await orders.releaseOpenPaymentAttempts(orderId, 'checkout_interrupted', metadata);
          } catch (err) {
            this.deps.onError?.(err, `releasing the payment of cart ${doc.cart_id}`);
            continue;
          }
        }
        const { state: latest } = await orderProcessor.readFresh(orderId);
        command = latest.placed
          ? { type: 'CompleteCheckout', orderId: latest.placed.orderId }
          : { type: 'FailCheckout', reason: 'CHECKOUT_INTERRUPTED' };
      }
      const outcome = await carts.execute(doc.cart_id, command, metadata);
      settled += outcome.events.length;
    }
    return settled;
  }

  /** A change of an open cart (payment, shipping), decided on the cart's stream; its answer is the cart after it. */
  private async change(
    eventId: string,
    cartId: string,
    partnerId: string,
    metadata: CommandMetadata,
    command: () => Promise<CartCommand>,
  ): Promise<{ cart: CartView; position: number }> {
    await this.owned(eventId, cartId, partnerId);
    const outcome = await this.deps.carts.execute(cartId, await command(), metadata);
    expiredAnswer(outcome.events);
    const { state } = await this.deps.carts.read(cartId);
    return { cart: cartView(state, this.deps.clock.now()), position: outcome.position };
  }

  /**
   * The cart as its stream says now, if it is this partner's and this event's. The partner and event of a cart
   * never change, so checking them before a command is safe; the command itself is decided on the stream.
   */
  private async owned(eventId: string, cartId: string, partnerId: string): Promise<CartState> {
    const { state } = await this.deps.carts.readFresh(cartId);
    const cart = state.cart ?? state.requested;
    if (!cart || cart.partnerId !== partnerId || cart.eventId !== eventId)
      fail('CART_NOT_FOUND', 'Cart not found', { cart_id: cartId });
    return state;
  }

  private async eventDetails(eventId: string): Promise<EventDetails> {
    const { state } = await this.deps.ticketedEvents.read(eventId);
    if (!state.details) fail('EVENT_NOT_FOUND', 'Event not found');
    return state.details;
  }

  /** The event's barcode flag, from the catalog read model (a query), the event's stream when not projected. */
  private async emitsBarcodes(eventId: string): Promise<boolean> {
    const doc = await this.deps.readStore
      .collection<EventDoc & { emits_barcodes?: boolean }>(COLLECTIONS.events)
      .get(eventId);
    if (doc) return doc.emits_barcodes !== false;
    return partnerFlags(await this.eventDetails(eventId)).emitsBarcodes;
  }
}

/** A command on a cart whose hold time ran out records CartExpired; the caller is told so (410). */
function expiredAnswer(events: CartEvent[]): void {
  if (events.some((e) => e.type === 'CartExpired'))
    fail('CART_EXPIRED', 'The cart expired: its hold time ran out');
}
