import { fromCents } from '../../domain/shared/money';
import { saleOpensAt } from '../../domain/ticketed-event/partner-settings';
import { COLLECTIONS, EventDoc, SeatMapSectionDoc, seatMapDocId } from '../read-models/documents';
import type { Clock } from '../ports/clock';
import type { ReadStore } from '../ports/read-store';

export interface SearchCriteria {
  query?: string;
  city?: string;
  category?: string;
  dateFrom?: Date;
  dateTo?: Date;
  page: number;
  perPage: number;
}

export type SaleStatus = 'ON_SALE' | 'PRESALE' | 'SCHEDULED' | 'SOLD_OUT' | 'CANCELLED' | 'PAST' | 'DRAFT';

function escapeRegex(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

const SEAT_MAP_CACHE_ENTRIES = 500;

/** Read side of the catalog: search, event details and seat maps, straight from the read models. */
export class CatalogQueries {
  private readonly seatMapCache = new Map<string, { version: string; json: string }>();

  constructor(
    private readonly readStore: ReadStore,
    private readonly clock: Clock,
  ) {}

  saleStatus(doc: EventDoc): SaleStatus {
    const now = this.clock.now().getTime();
    if (doc.status === 'CANCELLED') return 'CANCELLED';
    if (doc.status === 'DRAFT') return 'DRAFT';
    if (now >= Date.parse(doc.date)) return 'PAST';
    if (now < Date.parse(onSaleDate(doc))) return 'SCHEDULED';
    if (doc.available_seats <= 0) return 'SOLD_OUT';
    // A presale-only event (no general sale) stays in its presale until the event.
    if (doc.presale_start && (doc.general_sale_start === null || now < Date.parse(doc.general_sale_start)))
      return 'PRESALE';
    return 'ON_SALE';
  }

  async search(criteria: SearchCriteria) {
    const filter: Record<string, unknown> = { published: true };
    const and: Record<string, unknown>[] = [];
    if (criteria.query) {
      // Every word must appear in the name, artist or venue name ("taylor swift" matches "Taylor Swift - Eras Tour").
      for (const word of criteria.query.toLowerCase().split(/\s+/).filter(Boolean)) {
        and.push({ search_text: { $regex: escapeRegex(word) } });
      }
    }
    if (criteria.city)
      and.push({ 'venue.city': { $regex: `^${escapeRegex(criteria.city.trim())}$`, $options: 'i' } });
    if (criteria.category)
      and.push({ category: { $regex: `^${escapeRegex(criteria.category.trim())}$`, $options: 'i' } });
    // A fan searches for something to attend: without date_from, events that have started are left out (an
    // auditor or a fan looking back asks for them with a date_from in the past).
    const dateFrom = criteria.dateFrom ?? this.clock.now();
    and.push({ date: { $gte: dateFrom.toISOString() } });
    if (criteria.dateTo) and.push({ date: { $lte: criteria.dateTo.toISOString() } });
    if (and.length > 0) filter.$and = and;
    const events = this.readStore.collection<EventDoc>(COLLECTIONS.events);
    const [docs, total] = await Promise.all([
      events.find(filter, {
        sort: { date: 1, _id: 1 },
        skip: (criteria.page - 1) * criteria.perPage,
        limit: criteria.perPage,
      }),
      events.count(filter),
    ]);
    return {
      events: docs.map((doc) => ({
        event_id: doc.event_id,
        name: doc.name,
        artist: doc.artist,
        category: doc.category,
        venue: { name: doc.venue.name, city: doc.venue.city, state: doc.venue.state },
        date: doc.date,
        on_sale_date: onSaleDate(doc),
        price_range: priceRange(doc),
        availability: this.saleStatus(doc),
        available_seats: sellable(doc, doc.available_seats),
        image_url: null,
      })),
      pagination: { page: criteria.page, per_page: criteria.perPage, total },
    };
  }

  /** The event's read document, or undefined if it does not exist or (for non-admins) is not published. */
  async findEvent(eventId: string, includeUnpublished: boolean): Promise<EventDoc | undefined> {
    const doc = await this.readStore.collection<EventDoc>(COLLECTIONS.events).get(eventId);
    if (!doc || (!includeUnpublished && !doc.published)) return undefined;
    return doc;
  }

  details(doc: EventDoc) {
    return {
      event_id: doc.event_id,
      name: doc.name,
      description: doc.description,
      artist: doc.artist,
      artist_id: null,
      venue_id: doc.venue_id,
      venue: doc.venue,
      date: doc.date,
      doors_open: doc.doors_open,
      category: doc.category,
      pricing_tiers: doc.pricing_tiers.map((t) => ({
        tier_id: t.tier_id,
        name: t.name,
        price: fromCents(t.price_cents),
        fees: fromCents(t.fees_cents),
        total: fromCents(t.price_cents + t.fees_cents),
        available_seats: sellable(doc, t.available_seats),
        capacity: t.capacity,
      })),
      sale_info: {
        presale_start: doc.presale_start,
        general_sale_start: doc.general_sale_start,
        status: this.saleStatus(doc),
      },
      max_tickets_per_order: doc.max_tickets_per_order,
      restrict_single_seat: doc.restrict_single_seat,
      queue: doc.queue,
      total_capacity: doc.total_capacity,
      available_seats: sellable(doc, doc.available_seats),
    };
  }

  /**
   * The version of the event's details as `details()` shows them: the event document's log position (every change to
   * it, seat counts included, moves it) and the sale status, which also changes with the clock alone.
   */
  eventVersion(doc: EventDoc): string {
    return `e${doc._position ?? 0}-${this.saleStatus(doc)}`;
  }

  /**
   * The section documents a seat map answer is made of, and their version, without shaping the answer: a reader
   * that already holds this version is answered 304 before any JSON is built. The version is the highest log
   * position among the sections (log positions only grow, so any change to any of them raises it), their count,
   * and the event and the filter, which change the body (a filter that matches no section reads 0 and 0 at every
   * event: without the event, another event's tag named it).
   */
  async readSeatMap(doc: EventDoc, filter: SeatMapFilter = {}): Promise<SeatMapRead> {
    const maps = this.readStore.collection<SeatMapSectionDoc>(COLLECTIONS.seatMaps);
    let sections: SeatMapSectionDoc[];
    const byId = filter.section ? await maps.get(seatMapDocId(doc.event_id, filter.section)) : null;
    if (byId) sections = [byId];
    else if (filter.section) sections = await maps.find({ event_id: doc.event_id, name: filter.section });
    else sections = await maps.find({ event_id: doc.event_id }, { sort: { index: 1 } });
    let newest = 0;
    for (const section of sections) if ((section._position ?? 0) > newest) newest = section._position ?? 0;
    const cacheKey = `${doc.event_id}|${filter.section ?? '*'}|${filter.status ?? '*'}`;
    return {
      doc,
      filter,
      sections,
      // A cancellation changes the event's document, not its sections': it changes the tag too.
      version: `m${newest}-${sections.length}-${fnv1a(cacheKey)}${cancelled(doc) ? '-x' : ''}`,
      cacheKey,
    };
  }

  /**
   * The seat map as JSON text. During an on-sale many buyers look at the same section between two changes to it:
   * the text is kept per (event, section, status filter) together with the versions (log positions) of the
   * section documents it was made from, and reused while they have not changed. Call it in the same turn as
   * `readSeatMap` (no await between): the in-memory store hands out live documents.
   */
  seatMapJson(read: SeatMapRead): string {
    const { doc, filter, sections, cacheKey } = read;
    const gone = cancelled(doc);
    const version = `${sections.map((s) => s._position ?? 0).join(',')}${gone ? '-x' : ''}`;
    const cached = this.seatMapCache.get(cacheKey);
    if (cached && cached.version === version) return cached.json;
    // A cancellation changed every seat shown (all UNAVAILABLE): it is the map's last change at least.
    let lastUpdated = gone && doc.updated_at > doc.created_at ? doc.updated_at : doc.created_at;
    const shaped = sections.map((section) => {
      if (section.last_updated > lastUpdated) lastUpdated = section.last_updated;
      return {
        section_id: section.section_id,
        name: section.name,
        tier_id: section.tier_id,
        rows: section.rows.map((row) => {
          const seats = gone ? row.seats.map(unavailable) : row.seats;
          return {
            row: row.row,
            seats: filter.status ? seats.filter((seat) => seat.status === filter.status) : seats,
          };
        }),
      };
    });
    const json = JSON.stringify({ event_id: doc.event_id, sections: shaped, last_updated: lastUpdated });
    this.seatMapCache.delete(cacheKey);
    this.seatMapCache.set(cacheKey, { version, json });
    if (this.seatMapCache.size > SEAT_MAP_CACHE_ENTRIES)
      this.seatMapCache.delete(this.seatMapCache.keys().next().value!);
    return json;
  }
}

export interface SeatMapFilter {
  section?: string;
  status?: string;
}

/**
 * A cancelled event's seats are gone for good (reserving one answers 410 SEATS_GONE): its seat map shows every seat
 * UNAVAILABLE, whatever its document last said (the refunds put sold seats back as AVAILABLE).
 */
const cancelled = (doc: Pick<EventDoc, 'status'>) => doc.status === 'CANCELLED';

/**
 * Seats a buyer can still get, as every count shown to buyers and partners says it: none once the event is
 * cancelled (its seat map shows them all UNAVAILABLE; the refunds put the read model's counters back up).
 */
export const sellable = (doc: Pick<EventDoc, 'status'>, count: number): number =>
  cancelled(doc) ? 0 : count;
const unavailable = <S extends { status: string }>(seat: S): S =>
  seat.status === 'UNAVAILABLE' ? seat : { ...seat, status: 'UNAVAILABLE' };

/** A seat map read from the read models but not yet shaped (see CatalogQueries.readSeatMap). */
export interface SeatMapRead {
  doc: EventDoc;
  filter: SeatMapFilter;
  sections: SeatMapSectionDoc[];
  /** Changes whenever the answer would: usable as an ETag. */
  version: string;
  cacheKey: string;
}

/** FNV-1a, 32 bits, hex: a short tag for a filter (ETag text must stay within a few safe characters). */
export function fnv1a(text: string): string {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i += 1) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return (hash >>> 0).toString(16).padStart(8, '0');
}

/** When the sale opens: the presale if any, else the general sale (saleOpensAt, on the document's fields). */
function onSaleDate(doc: EventDoc): string {
  return saleOpensAt({
    presaleStart: doc.presale_start,
    generalSaleStart: doc.general_sale_start,
    date: doc.date,
  });
}

function priceRange(doc: EventDoc): { min: number; max: number } | null {
  if (doc.pricing_tiers.length === 0) return null;
  const prices = doc.pricing_tiers.map((t) => t.price_cents);
  return { min: fromCents(Math.min(...prices)), max: fromCents(Math.max(...prices)) };
}
