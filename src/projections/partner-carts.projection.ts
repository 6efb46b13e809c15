import type {
  CartCheckoutFailed,
  CartCheckoutStarted,
  CartCommitted,
  CartCreated,
  CartCreationFailed,
  CartDeleted,
  CartExpired,
  CartRequested,
} from '../domain/cart/events';
import { PARTNER_CARTS, type PartnerCartDoc } from '../application/partner/cart-view';
import { docs, fieldSetter, type Data, type Projection } from './projection';

const set = fieldSetter<PartnerCartDoc>(PARTNER_CARTS);

/**
 * Partner carts by id, with where each stands: the expiry job finds here the carts whose hold time ran out, and
 * those whose creation never finished (still REQUESTED).
 */
export const partnerCartsProjection: Projection = {
  name: 'partner-carts',
  // It sees none of an on-sale's events: next to nothing to fold when replaying one.
  replayWeight: 0.02,
  handlers: {
    CartRequested(event: Data<CartRequested>, store) {
      const cart = event.data;
      return docs.put(store.collection<PartnerCartDoc>(PARTNER_CARTS), {
        _id: cart.cartId,
        _position: event.position,
        cart_id: cart.cartId,
        partner_id: cart.partnerId,
        event_id: cart.eventId,
        hold_id: cart.holdId,
        status: 'REQUESTED',
        // No hold time yet: CartCreated sets it.
        expires_at: cart.requestedAt,
        order_id: null,
        requested_at: cart.requestedAt,
        created_at: cart.requestedAt,
        closed_at: null,
      });
    },
    CartCreationFailed(event: Data<CartCreationFailed>, store) {
      return set(store, event, event.data.cartId, { status: 'FAILED', closed_at: event.data.failedAt });
    },
    CartCreated(event: Data<CartCreated>, store) {
      const cart = event.data;
      return docs.put(store.collection<PartnerCartDoc>(PARTNER_CARTS), {
        _id: cart.cartId,
        _position: event.position,
        cart_id: cart.cartId,
        partner_id: cart.partnerId,
        event_id: cart.eventId,
        hold_id: cart.holdId,
        status: 'OPEN',
        expires_at: cart.expiresAt,
        order_id: null,
        created_at: cart.createdAt,
        closed_at: null,
      });
    },
    CartCheckoutStarted(event: Data<CartCheckoutStarted>, store) {
      return set(store, event, event.data.cartId, { status: 'CHECKOUT', order_id: event.data.orderId });
    },
    CartCommitted(event: Data<CartCommitted>, store) {
      const { cartId, orderId, committedAt } = event.data;
      return set(store, event, cartId, { status: 'COMMITTED', order_id: orderId, closed_at: committedAt });
    },
    CartCheckoutFailed(event: Data<CartCheckoutFailed>, store) {
      return set(store, event, event.data.cartId, { status: 'FAILED', closed_at: event.data.failedAt });
    },
    CartDeleted(event: Data<CartDeleted>, store) {
      return set(store, event, event.data.cartId, { status: 'DELETED', closed_at: event.data.deletedAt });
    },
    CartExpired(event: Data<CartExpired>, store) {
      return set(store, event, event.data.cartId, { status: 'EXPIRED', closed_at: event.data.expiredAt });
    },
  },
};
