import { cartDecider, type CartCommand, type CartEvent, type CartState } from '../../domain/cart/cart';
import type { Clock } from '../ports/clock';
import type { EventStore } from '../ports/event-store';
import { clockedProcessor, StreamCommandProcessor } from '../shared/stream-command-processor';

/**
 * The one command path of `cart-{id}`: concurrent calls on one cart queue here and are decided one after the
 * other against the cart's state (another process writing the same cart meets the expected revision).
 */
export type CartProcessor = StreamCommandProcessor<CartCommand, CartEvent, CartState, { now: Date }>;

export const cartStream = (id: string) => `cart-${id}`;

/** The holder of a cart's seats on the event's stream: the purchase limit counts per cart. */
export const cartHolder = (cartId: string) => `cart:${cartId}`;

/** The cart a holder id names, if it is a cart's. */
export function cartOfHolder(userId: string): string | undefined {
  return userId.startsWith('cart:') ? userId.slice('cart:'.length) : undefined;
}

export function createCartProcessor(store: EventStore, clock: Clock): CartProcessor {
  return clockedProcessor(store, clock, cartStream, cartDecider);
}
