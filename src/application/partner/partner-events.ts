import { fromCents } from '../../domain/shared/money';
import { sellable, type CatalogQueries, type SaleStatus } from '../catalog/catalog-queries';
import type { Clock } from '../ports/clock';
import type { ReadStore } from '../ports/read-store';
import { COLLECTIONS, type EventDoc, type SeatMapSectionDoc } from '../read-models/documents';

/**
 * Events as partners see them (GET /partners/v1/events...), from the read models: only published events that are
 * "internet enabled" (the FAQ's Events answer); an event without the flag (recorded before it existed) is.
 *
 * `onsale` is the public on-sale window, present exactly when the event has a general sale date (FAQ "Event
 * Details": a missing key is an event set-up issue). A presale-only event has none: it shows `presale` only. The
 * window ends when the event starts, when the sale closes (SALE_NOT_OPEN after).
 */

export interface SaleWindow {
  start: string;
  end: string;
}

export interface PartnerEventSummary {
  event_id: string;
  name: string;
  artist: string;
  category: string;
  date: string;
  venue: { venue_id: string; name: string; city: string; state: string; country: string };
  status: 'PUBLISHED' | 'CANCELLED';
  sale_status: SaleStatus;
  onsale?: SaleWindow;
  presale?: SaleWindow;
}

export interface PartnerPriceLevel {
  tier_id: string;
  name: string;
  price: number;
  fees: number;
  total: number;
}

/** What an availability answer is counted from (see PartnerEventQueries.readAvailability). */
export interface AvailabilityRead {
  doc: EventDoc;
  sections: SeatMapSectionDoc[];
  /** Changes whenever the answer would: usable as an ETag. */
  version: string;
}

/** The filter of what partners may see: published, and sold online (missing flag: yes). */
const VISIBLE = { published: true, internet_enabled: { $ne: false } };

export class PartnerEventQueries {
  constructor(
    private readonly readStore: ReadStore,
    private readonly catalog: CatalogQueries,
    private readonly clock: Clock,
  ) {}

  /** Events partners can sell: published, not cancelled, not started yet, without a waiting room; by date. */
  async list(page: number, perPage: number) {
    const filter = {
      ...VISIBLE,
      status: 'PUBLISHED',
      date: { $gt: this.clock.now().toISOString() },
      // A waiting room's event sells only through it.
      'queue.enabled': { $ne: true },
    };
    const events = this.readStore.collection<EventDoc>(COLLECTIONS.events);
    const [docs, total] = await Promise.all([
      events.find(filter, { sort: { date: 1, _id: 1 }, skip: (page - 1) * perPage, limit: perPage }),
      events.count(filter),
    ]);
    return {
      events: docs.map((doc) => this.summary(doc)),
      pagination: { page, per_page: perPage, total },
    };
  }

  /** The event's document when a partner may see it (published, including cancelled ones, and internet enabled). */
  async find(eventId: string): Promise<EventDoc | undefined> {
    const doc = await this.readStore.collection<EventDoc>(COLLECTIONS.events).get(eventId);
    if (!doc || !doc.published || doc.internet_enabled === false) return undefined;
    return doc;
  }

  details(doc: EventDoc) {
    return {
      ...this.summary(doc),
      description: doc.description,
      doors_open: doc.doors_open,
      max_tickets_per_order: doc.max_tickets_per_order,
      restrict_single_seat: doc.restrict_single_seat,
      captcha_required: doc.captcha_required ?? false,
      emits_barcodes: doc.emits_barcodes ?? true,
      price_levels: doc.pricing_tiers.map((tier) => ({
        ...priceLevel(tier),
        section_ids: tier.section_ids,
      })),
      total_capacity: doc.total_capacity,
    };
  }

  /**
   * The documents availability is counted from, and their version, without counting: a partner that already holds
   * this version is answered 304 before the seats are counted. The version is the event document's log position
   * (tier counts) with the highest among its sections (seat statuses) and their count.
   */
  async readAvailability(doc: EventDoc): Promise<AvailabilityRead> {
    const sections = await this.readStore
      .collection<SeatMapSectionDoc>(COLLECTIONS.seatMaps)
      .find({ event_id: doc.event_id }, { sort: { index: 1 } });
    let newest = 0;
    for (const section of sections) if ((section._position ?? 0) > newest) newest = section._position ?? 0;
    return { doc, sections, version: `a${doc._position ?? 0}-${newest}-${sections.length}` };
  }

  /**
   * Seats neither held nor sold, per price level and per section (from the catalog and the seat maps). Call it in
   * the same turn as `readAvailability` (no await between): the in-memory store hands out live documents.
   */
  availability({ doc, sections }: AvailabilityRead) {
    const tiers = new Map(doc.pricing_tiers.map((t) => [t.tier_id, t]));
    return {
      event_id: doc.event_id,
      available_seats: sellable(doc, doc.available_seats),
      price_levels: doc.pricing_tiers.map((tier) => ({
        ...priceLevel(tier),
        available_seats: sellable(doc, tier.available_seats),
        capacity: tier.capacity,
      })),
      sections: sections.map((section) => {
        let available = 0;
        let capacity = 0;
        for (const row of section.rows)
          for (const seat of row.seats) {
            capacity += 1;
            if (seat.status === 'AVAILABLE') available += 1;
          }
        const tier = section.tier_id ? tiers.get(section.tier_id) : undefined;
        return {
          section_id: section.section_id,
          name: section.name,
          tier_id: section.tier_id,
          price: tier ? fromCents(tier.price_cents) : null,
          available_seats: tier ? sellable(doc, available) : 0,
          capacity,
        };
      }),
    };
  }

  private summary(doc: EventDoc): PartnerEventSummary {
    return {
      event_id: doc.event_id,
      name: doc.name,
      artist: doc.artist,
      category: doc.category,
      date: doc.date,
      venue: { venue_id: doc.venue_id, ...doc.venue },
      status: doc.status === 'CANCELLED' ? 'CANCELLED' : 'PUBLISHED',
      sale_status: this.catalog.saleStatus(doc),
      ...(doc.general_sale_start ? { onsale: { start: doc.general_sale_start, end: doc.date } } : {}),
      ...(doc.presale_start
        ? { presale: { start: doc.presale_start, end: doc.general_sale_start ?? doc.date } }
        : {}),
    };
  }
}

function priceLevel(tier: EventDoc['pricing_tiers'][number]): PartnerPriceLevel {
  return {
    tier_id: tier.tier_id,
    name: tier.name,
    price: fromCents(tier.price_cents),
    fees: fromCents(tier.fees_cents),
    total: fromCents(tier.price_cents + tier.fees_cents),
  };
}
