import { fail } from '../../domain/shared/errors';
import { fromCents } from '../../domain/shared/money';
import type { ReadDocument, ReadStore } from '../ports/read-store';

/** The sales analytics read model (src/projections/sales-analytics.projection.ts): one document per event. */
export const SALES_ANALYTICS = 'sales_analytics';

export interface SalesAnalyticsDoc extends ReadDocument {
  event_id: string;
  tiers: Array<{
    tier_id: string;
    name: string;
    price_cents: number;
    fees_cents: number;
    section_ids: string[];
    sold: number;
    held: number;
    /** Face value of the seats sold (less those returned). */
    revenue_cents: number;
  }>;
  totals: {
    sold: number;
    held: number;
    revenue_cents: number;
    fees_cents: number;
    /** Taxes of confirmed orders (less cancelled ones). */
    taxes_cents: number;
    /** Confirmed orders, less cancelled ones. */
    orders: number;
    /** Confirmed orders cancelled and refunded. */
    refunds: number;
    /** Tickets handed to another account. */
    transfers: number;
  };
  /** Seats sold per minute (UTC, `YYYY-MM-DDTHH:MM:00Z`), in log order. */
  per_minute: Array<{ minute: string; sold: number; revenue_cents: number }>;
}

export interface SalesReport {
  event_id: string;
  totals: {
    sold: number;
    held: number;
    revenue: number;
    fees: number;
    taxes: number;
    orders: number;
    refunds: number;
    transfers: number;
  };
  tiers: Array<{ tier_id: string; name: string; sold: number; held: number; revenue: number }>;
  per_minute: Array<{ minute: string; sold: number; revenue: number }>;
}

/** GET /v1/analytics/events/{id}/sales: the read model in the API's shape (money with two decimals). */
export class SalesAnalytics {
  constructor(private readonly readStore: ReadStore) {}

  async sales(eventId: string): Promise<SalesReport> {
    const doc = await this.readStore.collection<SalesAnalyticsDoc>(SALES_ANALYTICS).get(eventId);
    if (!doc) fail('EVENT_NOT_FOUND', 'Event not found', { event_id: eventId });
    const t = doc.totals;
    return {
      event_id: doc.event_id,
      totals: {
        sold: t.sold,
        held: t.held,
        revenue: fromCents(t.revenue_cents),
        fees: fromCents(t.fees_cents),
        taxes: fromCents(t.taxes_cents),
        orders: t.orders,
        refunds: t.refunds,
        transfers: t.transfers,
      },
      tiers: doc.tiers.map((tier) => ({
        tier_id: tier.tier_id,
        name: tier.name,
        sold: tier.sold,
        held: tier.held,
        revenue: fromCents(tier.revenue_cents),
      })),
      per_minute: [...doc.per_minute]
        .sort((a, b) => a.minute.localeCompare(b.minute))
        .map((m) => ({ minute: m.minute, sold: m.sold, revenue: fromCents(m.revenue_cents) })),
    };
  }
}
