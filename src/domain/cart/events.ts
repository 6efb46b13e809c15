import type { DomainEvent } from '../shared/decider';
import type { Cents } from '../shared/money';

/**
 * A partner's cart (`cart-{id}`): its intent recorded first (CartRequested, naming the hold to be made), then
 * seats held for it on the event's stream (a hold whose holder is `cart:{cartId}`), then the cart with its seats
 * (CartCreated), payment and shipping, then a commit into an order through the consumer order path. The seats
 * themselves are decided on `event-{id}`; the cart records what the partner chose and where it stands. A creation
 * cut short between the hold and CartCreated leaves a REQUESTED cart: its seats are found by its holder, and it
 * can be deleted, or is failed by the expiry job, which releases them.
 */

export interface CartSeat {
  seatId: string;
  section: string;
  row: string;
  seat: string;
  priceCents: Cents;
  feesCents: Cents;
}

/** A cart is about to be created: written before the hold, so a hold whose holder is `cart:{id}` has a stream. */
export interface CartRequestedData {
  cartId: string;
  partnerId: string;
  eventId: string;
  /** The hold the creation makes on `event-{eventId}` (holder `cart:{cartId}`). */
  holdId: string;
  requestedAt: string;
}

export interface CartCreatedData {
  cartId: string;
  partnerId: string;
  eventId: string;
  /** The hold on `event-{eventId}` that keeps the seats (holder `cart:{cartId}`). */
  holdId: string;
  seats: CartSeat[];
  subtotalCents: Cents;
  feesCents: Cents;
  /** When the hold (and so the cart) expires. */
  expiresAt: string;
  createdAt: string;
}

/** Card facts only: the gateway's token for the card, never its number or security code. */
export interface CartPayment {
  cardToken: string;
  last4: string;
  brand: string;
  expMonth: number;
  expYear: number;
  holderName: string;
  billingAddress: Record<string, string> | null;
}

export type CartRequested = DomainEvent<'CartRequested', CartRequestedData>;
export type CartCreated = DomainEvent<'CartCreated', CartCreatedData>;
/** A creation that never finished (the process stopped between the hold and CartCreated): its seats are released. */
export type CartCreationFailed = DomainEvent<
  'CartCreationFailed',
  { cartId: string; partnerId: string; eventId: string; holdId: string; reason: string; failedAt: string }
>;
export type CartPaymentSet = DomainEvent<'CartPaymentSet', CartPayment & { cartId: string; setAt: string }>;
export type CartShippingSet = DomainEvent<
  'CartShippingSet',
  { cartId: string; shippingId: string; priceCents: Cents; setAt: string }
>;
/** The commit began: from here the cart no longer changes, and its order id is fixed. */
export type CartCheckoutStarted = DomainEvent<
  'CartCheckoutStarted',
  { cartId: string; orderId: string; startedAt: string }
>;
export type CartCommitted = DomainEvent<
  'CartCommitted',
  { cartId: string; partnerId: string; orderId: string; committedAt: string }
>;
/** The order could not be placed (payment declined, hold gone): the cart is closed and its seats released. */
export type CartCheckoutFailed = DomainEvent<
  'CartCheckoutFailed',
  { cartId: string; partnerId: string; orderId: string; reason: string; failedAt: string }
>;
export type CartDeleted = DomainEvent<
  'CartDeleted',
  { cartId: string; partnerId: string; eventId: string; holdId: string; deletedAt: string }
>;
/** The hold time ran out before a commit: the partner left the cart (its seats are free again). */
export type CartExpired = DomainEvent<
  'CartExpired',
  { cartId: string; partnerId: string; eventId: string; holdId: string; expiredAt: string }
>;

export type CartEvent =
  | CartRequested
  | CartCreated
  | CartCreationFailed
  | CartPaymentSet
  | CartShippingSet
  | CartCheckoutStarted
  | CartCommitted
  | CartCheckoutFailed
  | CartDeleted
  | CartExpired;

export const CART_EVENT_TYPES: ReadonlyArray<CartEvent['type']> = [
  'CartRequested',
  'CartCreated',
  'CartCreationFailed',
  'CartPaymentSet',
  'CartShippingSet',
  'CartCheckoutStarted',
  'CartCommitted',
  'CartCheckoutFailed',
  'CartDeleted',
  'CartExpired',
];

/** Records the intent to create a cart, before its seats are held. */
export interface RequestCart {
  type: 'RequestCart';
  cartId: string;
  partnerId: string;
  eventId: string;
  holdId: string;
}
/** The expiry job: a cart still REQUESTED long after its request was cut short; its seats were released. */
export interface FailCartCreation {
  type: 'FailCartCreation';
  reason: string;
}
export interface CreateCart {
  type: 'CreateCart';
  cartId: string;
  partnerId: string;
  eventId: string;
  holdId: string;
  seats: CartSeat[];
  subtotalCents: Cents;
  feesCents: Cents;
  expiresAt: string;
}
/** P3's payment route calls this (through CartService.setPayment) once the card is tokenized. */
export interface SetCartPayment extends CartPayment {
  type: 'SetCartPayment';
  partnerId: string;
}
/** P3's shipping route calls this (through CartService.setShipping) with an option of the cart's event. */
export interface SetCartShipping {
  type: 'SetCartShipping';
  partnerId: string;
  shippingId: string;
  priceCents: Cents;
}
export interface BeginCheckout {
  type: 'BeginCheckout';
  partnerId: string;
  /** Derived from the hold id: one cart, one order, however often the commit is retried. */
  orderId: string;
  /** The event offers a shipping choice the partner must make (more than one option). */
  shippingRequired: boolean;
}
export interface CompleteCheckout {
  type: 'CompleteCheckout';
  orderId: string;
}
export interface FailCheckout {
  type: 'FailCheckout';
  reason: string;
}
export interface DeleteCart {
  type: 'DeleteCart';
  partnerId: string;
}
/** The expiry job: records CartExpired for an open cart whose hold time ran out. */
export interface ExpireCart {
  type: 'ExpireCart';
}

export type CartCommand =
  | RequestCart
  | CreateCart
  | FailCartCreation
  | SetCartPayment
  | SetCartShipping
  | BeginCheckout
  | CompleteCheckout
  | FailCheckout
  | DeleteCart
  | ExpireCart;
