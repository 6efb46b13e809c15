import type { Decider } from '../shared/decider';
import { fail } from '../shared/errors';
import type { Cents } from '../shared/money';
import { orderTotals, type OrderTotals } from '../order/pricing';
import type {
  CartCommand,
  CartCreatedData,
  CartEvent,
  CartExpired,
  CartPayment,
  CartRequestedData,
  SetCartPayment,
} from './events';

export * from './events';

/**
 * REQUESTED: the creation began (its hold may exist on the event's stream) and has not finished. OPEN: seats held,
 * payment and shipping may change. CHECKOUT: the commit began (nothing changes any more; a retried commit
 * continues it). COMMITTED: the order exists. FAILED: the order could not be placed, or the creation never
 * finished, and the seats were released. DELETED / EXPIRED: the partner deleted it, or its hold time ran out first.
 */
export type CartStatus = 'REQUESTED' | 'OPEN' | 'CHECKOUT' | 'COMMITTED' | 'FAILED' | 'DELETED' | 'EXPIRED';

export interface CartState {
  /** The creation's intent: who, where, and the hold it makes (every cart's first event). */
  requested?: CartRequestedData;
  /** The cart with its seats, once created. */
  cart?: CartCreatedData;
  status?: CartStatus;
  payment?: CartPayment;
  shipping?: { shippingId: string; priceCents: Cents };
  orderId?: string;
  failureReason?: string;
}

export interface CartTotals extends OrderTotals {
  shippingCents: Cents;
}

/** What the cart costs now: the held seats' prices and fees, tax on the prices, plus the chosen shipping. */
export function cartTotals(state: CartState): CartTotals {
  const cart = state.cart!;
  const shippingCents = state.shipping?.priceCents ?? 0;
  return { ...orderTotals(cart.subtotalCents, cart.feesCents, shippingCents), shippingCents };
}

export const cartDecider: Decider<CartCommand, CartEvent, CartState, { now: Date }> = {
  initialState: () => ({}),

  decide(command, state, { now }) {
    const at = now.toISOString();
    if (command.type === 'RequestCart') {
      const known = state.requested ?? state.cart;
      if (known) {
        if (known.holdId === command.holdId) return []; // the same request decided twice
        fail('CART_EXISTS', `Cart ${command.cartId} already exists`);
      }
      const { type: _type, ...data } = command;
      return [{ type: 'CartRequested', data: { ...data, requestedAt: at } }];
    }
    if (command.type === 'CreateCart') {
      if (state.cart) {
        if (state.cart.holdId === command.holdId) return []; // the same creation decided twice
        fail('CART_EXISTS', `Cart ${command.cartId} already exists`);
      }
      if (state.requested) {
        if (state.requested.holdId !== command.holdId)
          fail('CART_EXISTS', `Cart ${command.cartId} already exists`);
        // Given up while its seats were being held: the creation must release what it holds.
        if (state.status === 'DELETED') fail('CART_DELETED', 'The cart was deleted before it was created');
        if (state.status === 'FAILED') creationFailed(state);
      }
      const { type: _type, ...data } = command;
      return [{ type: 'CartCreated', data: { ...data, createdAt: at } }];
    }
    const cart = state.cart;
    if (!cart) return decideUncreated(command, state, at);
    // The hold lapses at expiresAt exactly, on the event's stream too (a hold is live while expiresAt > now).
    const expired = state.status === 'OPEN' && Date.parse(cart.expiresAt) <= now.getTime();

    switch (command.type) {
      case 'SetCartPayment': {
        ownedBy(state, command.partnerId);
        if (expired) return [expiry(cart, at)];
        assertChangeable(state);
        assertCardUsable(command, now);
        const { type: _type, partnerId: _partner, ...payment } = command;
        return [{ type: 'CartPaymentSet', data: { cartId: cart.cartId, ...payment, setAt: at } }];
      }
      case 'SetCartShipping': {
        ownedBy(state, command.partnerId);
        if (expired) return [expiry(cart, at)];
        assertChangeable(state);
        if (!Number.isInteger(command.priceCents) || command.priceCents < 0)
          fail('VALIDATION_ERROR', 'A shipping price is a whole, non-negative number of cents', {
            field: 'shipping_id',
          });
        return [
          {
            type: 'CartShippingSet',
            data: {
              cartId: cart.cartId,
              shippingId: command.shippingId,
              priceCents: command.priceCents,
              setAt: at,
            },
          },
        ];
      }
      case 'BeginCheckout': {
        ownedBy(state, command.partnerId);
        // A repeated commit continues (or answers) the one that began: same order id, nothing new recorded.
        if (state.status === 'CHECKOUT' || state.status === 'COMMITTED') return [];
        if (expired) return [expiry(cart, at)];
        assertChangeable(state);
        const missing = [
          ...(state.payment ? [] : ['payment']),
          ...(command.shippingRequired && !state.shipping ? ['shipping'] : []),
        ];
        if (missing.length > 0)
          fail('CART_INCOMPLETE', `The cart cannot be committed without ${missing.join(' and ')}`, {
            missing,
          });
        return [
          {
            type: 'CartCheckoutStarted',
            data: { cartId: cart.cartId, orderId: command.orderId, startedAt: at },
          },
        ];
      }
      case 'CompleteCheckout':
        if (state.status === 'COMMITTED') return [];
        if (state.status !== 'CHECKOUT' || state.orderId !== command.orderId)
          fail('CART_NOT_CHECKING_OUT', 'The cart has no commit in progress for this order', {
            order_id: command.orderId,
          });
        return [
          {
            type: 'CartCommitted',
            data: {
              cartId: cart.cartId,
              partnerId: cart.partnerId,
              orderId: command.orderId,
              committedAt: at,
            },
          },
        ];
      case 'FailCheckout':
        if (state.status !== 'CHECKOUT') return [];
        return [
          {
            type: 'CartCheckoutFailed',
            data: {
              cartId: cart.cartId,
              partnerId: cart.partnerId,
              orderId: state.orderId!,
              reason: command.reason,
              failedAt: at,
            },
          },
        ];
      case 'DeleteCart': {
        ownedBy(state, command.partnerId);
        // Deleting a cart that is already closed changes nothing (its seats are free already): idempotent.
        if (state.status === 'DELETED' || state.status === 'EXPIRED' || state.status === 'FAILED') return [];
        // Deleted after its hold time ran out: the cart was left to expire, and the log says so.
        if (expired) return [expiry(cart, at)];
        assertChangeable(state);
        return [
          {
            type: 'CartDeleted',
            data: {
              cartId: cart.cartId,
              partnerId: cart.partnerId,
              eventId: cart.eventId,
              holdId: cart.holdId,
              deletedAt: at,
            },
          },
        ];
      }
      case 'ExpireCart':
        return expired ? [expiry(cart, at)] : [];
      case 'FailCartCreation':
        return []; // created after all: the expiry job leaves it to its hold time
    }
  },

  evolve(state, event) {
    switch (event.type) {
      case 'CartRequested':
        return { ...state, requested: event.data, status: 'REQUESTED' };
      case 'CartCreated':
        return { ...state, cart: event.data, status: 'OPEN' };
      case 'CartCreationFailed':
        return { ...state, status: 'FAILED', failureReason: event.data.reason };
      case 'CartPaymentSet': {
        const { cartId: _cart, setAt: _at, ...payment } = event.data;
        return { ...state, payment };
      }
      case 'CartShippingSet':
        return {
          ...state,
          shipping: { shippingId: event.data.shippingId, priceCents: event.data.priceCents },
        };
      case 'CartCheckoutStarted':
        return { ...state, status: 'CHECKOUT', orderId: event.data.orderId };
      case 'CartCommitted':
        return { ...state, status: 'COMMITTED', orderId: event.data.orderId };
      case 'CartCheckoutFailed':
        return { ...state, status: 'FAILED', failureReason: event.data.reason };
      case 'CartDeleted':
        return { ...state, status: 'DELETED' };
      case 'CartExpired':
        return { ...state, status: 'EXPIRED' };
    }
  },
};

/** Someone else's cart is answered exactly like a missing one: cart ids are not an oracle. */
function ownedBy(state: CartState, partnerId: string): void {
  if ((state.cart ?? state.requested)!.partnerId !== partnerId) fail('CART_NOT_FOUND', 'Cart not found');
}

/**
 * A cart that was requested and never created: REQUESTED (a creation in progress, or one cut short with its seats
 * perhaps held), or given up before it was created (deleted, or failed by the expiry job). It can be deleted (its
 * seats are then released by the service) and failed; it has nothing to pay for or commit.
 */
function decideUncreated(command: CartCommand, state: CartState, at: string): CartEvent[] {
  const requested = state.requested;
  if (!requested) fail('CART_NOT_FOUND', 'Cart not found');
  const { cartId, partnerId, eventId, holdId } = requested;
  if ('partnerId' in command) ownedBy(state, command.partnerId);
  const open = state.status === 'REQUESTED';
  switch (command.type) {
    case 'DeleteCart':
      return open
        ? [{ type: 'CartDeleted', data: { cartId, partnerId, eventId, holdId, deletedAt: at } }]
        : []; // deleted or failed already: its seats are free
    case 'FailCartCreation':
      return open
        ? [
            {
              type: 'CartCreationFailed',
              data: { cartId, partnerId, eventId, holdId, reason: command.reason, failedAt: at },
            },
          ]
        : [];
    case 'ExpireCart':
    case 'FailCheckout':
      return [];
    default:
      return notCreated(state);
  }
}

/** The cart's seats and totals; a cart whose creation did not finish says why it has none. */
export function createdCart(state: CartState): CartCreatedData {
  return state.cart ?? notCreated(state);
}

function notCreated(state: CartState): never {
  if (!state.requested) return fail('CART_NOT_FOUND', 'Cart not found');
  if (state.status === 'REQUESTED')
    return fail('CART_NOT_CREATED', 'The creation of this cart did not finish: it has no seats to pay for', {
      cart_id: state.requested.cartId,
    });
  if (state.status === 'DELETED') return fail('CART_DELETED', 'The cart was deleted');
  return creationFailed(state);
}

function creationFailed(state: CartState): never {
  return fail(
    'CART_CREATION_FAILED',
    'The creation of this cart was cut short; its seats were released (create another cart)',
    { reason: state.failureReason },
  );
}

/** Only an open cart changes: later ones say why not (409 while it moves on, 410 once it is gone). */
export function assertChangeable(state: CartState): void {
  switch (state.status) {
    case 'OPEN':
      return;
    case 'CHECKOUT':
      return fail('CART_CHECKOUT_IN_PROGRESS', 'The cart is being committed; it can no longer change', {
        order_id: state.orderId,
      });
    case 'COMMITTED':
      return fail('CART_COMMITTED', 'The cart was committed; it can no longer change', {
        order_id: state.orderId,
      });
    case 'FAILED':
      return fail('CART_CHECKOUT_FAILED', 'The commit of this cart failed and its seats were released', {
        reason: state.failureReason,
      });
    case 'DELETED':
      return fail('CART_DELETED', 'The cart was deleted');
    default: // EXPIRED
      return fail('CART_EXPIRED', 'The cart expired: its hold time ran out');
  }
}

/** A card that expired before now cannot pay (its month still counts: a card is valid to its month's end). */
function assertCardUsable(command: SetCartPayment, now: Date): void {
  if (!Number.isInteger(command.expMonth) || command.expMonth < 1 || command.expMonth > 12)
    fail('VALIDATION_ERROR', 'exp_month must be 1-12', { field: 'exp_month' });
  const months = (year: number, month: number) => year * 12 + month;
  if (months(command.expYear, command.expMonth) < months(now.getUTCFullYear(), now.getUTCMonth() + 1))
    fail('CARD_EXPIRED', 'The card has expired', { exp_month: command.expMonth, exp_year: command.expYear });
}

function expiry(cart: CartCreatedData, at: string): CartExpired {
  return {
    type: 'CartExpired',
    data: {
      cartId: cart.cartId,
      partnerId: cart.partnerId,
      eventId: cart.eventId,
      holdId: cart.holdId,
      expiredAt: at,
    },
  };
}
