import type { Clock } from '../ports/clock';
import type { ReadDocument, ReadStore } from '../ports/read-store';

export const PARTNER_CART_OUTCOMES = 'partner_cart_outcomes';

/** How a partner's carts ended (read model of src/projections/partner-abandonment.projection.ts). */
export interface PartnerCartOutcomesDoc extends ReadDocument {
  partner_id: string;
  expired?: number;
  deleted?: number;
  committed?: number;
}

/** Carts a partner must have closed before a bad ratio counts fully: one early expiry is not a pattern. */
const PRIOR_CARTS = 4;
const CACHE_MS = 5_000;

/**
 * A partner's abandonment score, 0 (every cart deleted or committed) to just below 1 (every cart left to expire):
 * expired / (expired + deleted + committed + 4). It only tunes polling (never a write decision), so a read model a
 * few events behind is fine; scores are cached for 5 s per partner.
 */
export class PartnerAbandonment {
  private readonly cache = new Map<string, { score: number; at: number }>();

  constructor(
    private readonly readStore: ReadStore,
    private readonly clock: Clock,
  ) {}

  async score(partnerId: string): Promise<number> {
    const now = this.clock.now().getTime();
    const cached = this.cache.get(partnerId);
    if (cached && now - cached.at < CACHE_MS && now >= cached.at) return cached.score;
    const doc = await this.readStore.collection<PartnerCartOutcomesDoc>(PARTNER_CART_OUTCOMES).get(partnerId);
    const score = abandonmentScore(doc ?? undefined);
    if (this.cache.size > 10_000) this.cache.clear();
    this.cache.set(partnerId, { score, at: now });
    return score;
  }
}

export function abandonmentScore(outcomes: Partial<PartnerCartOutcomesDoc> | undefined): number {
  const expired = outcomes?.expired ?? 0;
  const closed = (outcomes?.deleted ?? 0) + (outcomes?.committed ?? 0);
  return expired / (expired + closed + PRIOR_CARTS);
}
