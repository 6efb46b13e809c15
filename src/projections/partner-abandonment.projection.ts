import type { CartCommitted, CartDeleted, CartExpired } from '../domain/cart/events';
import type { ReadStore } from '../application/ports/read-store';
import { docs, type Data, type Projection } from './projection';
import {
  PARTNER_CART_OUTCOMES,
  type PartnerCartOutcomesDoc,
} from '../application/partner/partner-abandonment';

type Outcome = 'expired' | 'deleted' | 'committed';

/**
 * How each partner's carts ended, counted per partner (`partner_cart_outcomes`): left to expire, deleted, or
 * committed. Feeds the polling penalty (FAQ "Polling": partners who leave carts unpurchased and not deleted are
 * polled more). A failed commit counts as none of them: the partner did not abandon it.
 */
function count(outcome: Outcome) {
  return (event: Data<CartExpired | CartDeleted | CartCommitted>, store: ReadStore) =>
    docs.update(
      store.collection<PartnerCartOutcomesDoc>(PARTNER_CART_OUTCOMES),
      event.data.partnerId,
      { $inc: { [outcome]: 1 }, $set: { partner_id: event.data.partnerId } },
      { position: event.position, upsert: true },
    );
}

export const partnerAbandonmentProjection: Projection = {
  name: 'partner-abandonment',
  // It sees none of an on-sale's events: next to nothing to fold when replaying one.
  replayWeight: 0.02,
  handlers: {
    CartExpired: count('expired'),
    CartDeleted: count('deleted'),
    CartCommitted: count('committed'),
  },
};
