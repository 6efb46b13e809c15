import type { ReadCollection, ReadStore } from '../application/ports/read-store';
import type { EventCancelled, EventCreated, EventPublished } from '../domain/ticketed-event/events';
import { shippingOptionsOf } from '../domain/ticketed-event/shipping';
import { partnerFlagsOf } from '../domain/ticketed-event/partner-settings';
import type { VenueCreated } from '../domain/venue/venue';
import {
  andThen,
  docs,
  fieldSetter,
  indexedPath,
  recordedAtIso,
  type Awaitable,
  seatMovementHandlers,
  type Data,
  type Projection,
  type SeatMovement,
} from './projection';
import {
  COLLECTIONS,
  EventDoc,
  parseSeatId,
  queueSettingsDoc,
  VenueDoc,
  venueView,
} from '../application/read-models/documents';

const setEvent = fieldSetter<EventDoc>(COLLECTIONS.events);

type SeatCounter = 'available_seats' | 'held_seats' | 'sold_seats';

/** What each seat movement does to the per-tier counters, per seat. */
const SEAT_COUNTER_MOVES: Record<SeatMovement['type'], Partial<Record<SeatCounter, number>>> = {
  SeatsHeld: { available_seats: -1, held_seats: 1 },
  HoldReleased: { available_seats: 1, held_seats: -1 },
  SeatsSold: { held_seats: -1, sold_seats: 1 },
  SeatsReturned: { available_seats: 1, sold_seats: -1 },
};

/** Venues, and events with per-tier availability: feeds search and event details. */
export const catalogProjection: Projection = {
  name: 'catalog',
  replayWeight: 0.3,
  handlers: {
    VenueCreated(event: Data<VenueCreated>, store) {
      const v = event.data;
      return docs.put(store.collection<VenueDoc>(COLLECTIONS.venues), {
        _id: v.venueId,
        _position: event.position,
        ...venueView(v),
      });
    },

    EventCreated(event: Data<EventCreated>, store) {
      return andThen(docs.get(store.collection<VenueDoc>(COLLECTIONS.venues), event.data.venueId), (venue) =>
        putEvent(store, event, venue),
      );
    },

    EventPublished(event: Data<EventPublished>, store) {
      const { eventId, publishedAt } = event.data;
      return setEvent(store, event, eventId, {
        status: 'PUBLISHED',
        published: true,
        updated_at: publishedAt,
      });
    },

    EventCancelled(event: Data<EventCancelled>, store) {
      const { eventId, cancelledAt } = event.data;
      return setEvent(store, event, eventId, { status: 'CANCELLED', updated_at: cancelledAt });
    },

    ...seatMovementHandlers(SEAT_COUNTER_MOVES, moveSeats),
  },
};

/** The event's document, its tiers' capacities counted in its venue's sections. */
function putEvent(store: ReadStore, event: Data<EventCreated>, venue: VenueDoc | null) {
  const e = event.data;
  const seatsInSection = new Map(
    venue?.sections.map((s) => [s.section_id, s.rows.reduce((n, r) => n + r.seat_count, 0)]) ?? [],
  );
  const tiers = e.tiers.map((t) => {
    const capacity = t.sectionIds.reduce((n, id) => n + (seatsInSection.get(id) ?? 0), 0);
    return {
      tier_id: t.tierId,
      name: t.name,
      price_cents: t.priceCents,
      fees_cents: t.feesCents,
      section_ids: t.sectionIds,
      capacity,
      available_seats: capacity,
      held_seats: 0,
      sold_seats: 0,
    };
  });
  const onSale = tiers.reduce((n, t) => n + t.capacity, 0);
  return docs.put(store.collection<EventDoc>(COLLECTIONS.events), {
    _id: e.eventId,
    _position: event.position,
    event_id: e.eventId,
    name: e.name,
    artist: e.artist,
    description: e.description,
    category: e.category,
    venue_id: e.venueId,
    venue: { name: e.venueName, city: e.city, state: e.state, country: e.country },
    date: e.date,
    doors_open: e.doorsOpen,
    presale_start: e.presaleStart,
    general_sale_start: e.generalSaleStart,
    status: 'DRAFT',
    published: false,
    pricing_tiers: tiers,
    total_capacity: e.capacity,
    available_seats: onSale,
    max_tickets_per_order: e.maxTicketsPerOrder,
    restrict_single_seat: e.restrictSingleSeat,
    queue: queueSettingsDoc(e.queue),
    shipping_options: shippingOptionsOf(e).map((o) => ({
      shipping_id: o.shippingId,
      name: o.name,
      price_cents: o.priceCents,
    })),
    ...partnerFlagFields(e),
    search_text: `${e.name} ${e.artist} ${e.venueName}`.toLowerCase(),
    created_at: e.createdAt,
    updated_at: e.createdAt,
  });
}

/** The partner channel flags as the documents spell them (defaults for events recorded before them). */
function partnerFlagFields(e: EventCreated['data']) {
  const flags = partnerFlagsOf(e);
  return {
    internet_enabled: flags.internetEnabled,
    emits_barcodes: flags.emitsBarcodes,
    captcha_required: flags.captchaRequired,
  };
}

/** Adjusts per-tier counters by the number of seats of each tier the event touched. */
function moveSeats(
  store: ReadStore,
  event: Data<SeatMovement>,
  perSeat: Partial<Record<SeatCounter, number>>,
): Awaitable<void> {
  const events = store.collection<EventDoc>(COLLECTIONS.events);
  return andThen(docs.get(events, event.data.eventId), (doc) => countSeats(events, event, perSeat, doc));
}

function countSeats(
  events: ReadCollection<EventDoc>,
  event: Data<SeatMovement>,
  perSeat: Partial<Record<SeatCounter, number>>,
  doc: EventDoc | null,
): Awaitable<void> {
  const { eventId, seatIds } = event.data;
  if (!doc || (doc._position ?? -1) >= event.position) return;
  // Seats per tier first (a movement's seats are nearly always in one tier), then one set of paths per tier.
  const seatsPerTier = new Map<number, number>();
  for (const seatId of seatIds) {
    const { sectionId } = parseSeatId(seatId);
    const tierIndex = doc.pricing_tiers.findIndex((t) => t.section_ids.includes(sectionId));
    if (tierIndex >= 0) seatsPerTier.set(tierIndex, (seatsPerTier.get(tierIndex) ?? 0) + 1);
  }
  const inc: Record<string, number> = {};
  for (const [tierIndex, seats] of seatsPerTier)
    for (const field in perSeat) {
      const delta = perSeat[field as SeatCounter]! * seats;
      const path = indexedPath('pricing_tiers', tierIndex, field);
      inc[path] = (inc[path] ?? 0) + delta;
      if (field === 'available_seats') inc.available_seats = (inc.available_seats ?? 0) + delta;
    }
  return docs.update(
    events,
    eventId,
    { $inc: inc, $set: { updated_at: recordedAtIso(event) } },
    { position: event.position },
  );
}
