import type { ReadStore } from '../application/ports/read-store';
import type { EventCreated } from '../domain/ticketed-event/events';
import { fromCents } from '../domain/shared/money';
import {
  andThen,
  docs,
  eachInOrder,
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
  SeatMapSectionDoc,
  seatMapDocId,
  SeatStatus,
  VenueDoc,
} from '../application/read-models/documents';

/** The status each seat movement leaves its seats in. */
const SEAT_STATUS_AFTER: Record<SeatMovement['type'], SeatStatus> = {
  SeatsHeld: 'RESERVED',
  HoldReleased: 'AVAILABLE',
  SeatsSold: 'SOLD',
  SeatsReturned: 'AVAILABLE',
};

/**
 * `rows.<r>.seats.<i>.status`, built once per seat position (the same for every event and section): a rebuild
 * sets millions of statuses, and a string made once is hashed once by the store's path cache.
 */
const statusPaths: string[][] = [];
function statusPath(rowIndex: number, seatIndex: number): string {
  if (!Number.isInteger(seatIndex) || seatIndex < 0 || seatIndex >= 10_000)
    return `rows.${rowIndex}.seats.${seatIndex}.status`;
  const row = (statusPaths[rowIndex] ??= []);
  return (row[seatIndex] ??= `rows.${rowIndex}.seats.${seatIndex}.status`);
}

/**
 * A `$set` for seat statuses, in dictionary mode from the start (no prototype): keyed by seat paths, thousands of
 * them, a plain object literal would grow a hidden class per combination of seats set together.
 */
function statusSet(lastUpdated: string): Record<string, unknown> {
  const set = Object.create(null) as Record<string, unknown>;
  set.last_updated = lastUpdated;
  return set;
}

/**
 * Seat maps: one document per event section. A hold or sale sets the status of its own seats only
 * (`rows.<r>.seats.<n-1>.status`), so the cost of an event does not depend on the size of the venue.
 */
export function createSeatMapProjection(): Projection {
  // Row label -> index, per event and section; venues never change, so this cache needs no invalidation.
  // Nested by event then section rather than keyed by `${eventId}:${sectionId}`: no string to build per seat.
  const rowIndexes = new Map<string, Map<string, Map<string, number>>>();

  /** A section's row indexes, read from its seat map and kept (none while it has no seat map). */
  function loadRowIndexes(store: ReadStore, eventId: string, sectionId: string): Awaitable<void> {
    const maps = store.collection<SeatMapSectionDoc>(COLLECTIONS.seatMaps);
    return andThen(docs.get(maps, seatMapDocId(eventId, sectionId)), (doc) => {
      if (!doc) return;
      let sections = rowIndexes.get(eventId);
      if (!sections) rowIndexes.set(eventId, (sections = new Map()));
      sections.set(sectionId, new Map(doc.rows.map((r, i) => [r.row, i])));
    });
  }

  function setStatus(store: ReadStore, event: Data<SeatMovement>, status: SeatStatus): Awaitable<void> {
    const { eventId, seatIds } = event.data;
    const seats = seatIds.map(parseSeatId);
    // Row indexes come from the cache, without waiting, but for a section seen for the first time.
    const cached = rowIndexes.get(eventId);
    let missing: string[] | undefined;
    for (const { sectionId } of seats)
      if (!cached?.has(sectionId) && !missing?.includes(sectionId)) (missing ??= []).push(sectionId);
    if (!missing) return applyStatus(store, event, seats, status);
    const loading = eachInOrder(missing, (sectionId) => loadRowIndexes(store, eventId, sectionId));
    return andThen(loading, () => applyStatus(store, event, seats, status));
  }

  function applyStatus(
    store: ReadStore,
    event: Data<SeatMovement>,
    seats: Array<ReturnType<typeof parseSeatId>>,
    status: SeatStatus,
  ): Awaitable<void> {
    const { eventId } = event.data;
    const sections = rowIndexes.get(eventId);
    const bySection = new Map<string, Record<string, unknown>>();
    for (const { sectionId, row, number } of seats) {
      const r = sections?.get(sectionId)?.get(row);
      if (r === undefined) continue;
      const set = bySection.get(sectionId) ?? statusSet(recordedAtIso(event));
      set[statusPath(r, number - 1)] = status;
      bySection.set(sectionId, set);
    }
    const maps = store.collection<SeatMapSectionDoc>(COLLECTIONS.seatMaps);
    return eachInOrder([...bySection], ([sectionId, set]) =>
      docs.update(maps, seatMapDocId(eventId, sectionId), { $set: set }, { position: event.position }),
    );
  }

  return {
    name: 'seat-maps',
    replayWeight: 0.8,
    reads: ['catalog'], // the venue's layout
    handlers: {
      EventCreated(event: Data<EventCreated>, store) {
        const venues = store.collection<VenueDoc>(COLLECTIONS.venues);
        return andThen(docs.get(venues, event.data.venueId), (venue) => putSeatMaps(store, event, venue));
      },
      ...seatMovementHandlers(SEAT_STATUS_AFTER, setStatus),
    },
  };
}

/** One seat map per section of the event's venue, each seat available when its section is in a tier. */
function putSeatMaps(store: ReadStore, event: Data<EventCreated>, venue: VenueDoc | null): Awaitable<void> {
  const e = event.data;
  if (!venue) return;
  const tierBySection = new Map<string, { tierId: string; price: number }>();
  for (const t of e.tiers)
    for (const s of t.sectionIds) tierBySection.set(s, { tierId: t.tierId, price: fromCents(t.priceCents) });
  const maps = store.collection<SeatMapSectionDoc>(COLLECTIONS.seatMaps);
  return eachInOrder([...venue.sections.entries()], ([index, section]) => {
    const tier = tierBySection.get(section.section_id);
    const status: SeatStatus = tier ? 'AVAILABLE' : 'UNAVAILABLE';
    return docs.put(maps, {
      _id: seatMapDocId(e.eventId, section.section_id),
      _position: event.position,
      event_id: e.eventId,
      section_id: section.section_id,
      index,
      name: section.name,
      tier_id: tier?.tierId ?? null,
      rows: section.rows.map((r) => ({
        row: r.row,
        seats: Array.from({ length: r.seat_count }, (_, i) => ({
          seat_id: `${section.section_id}:${r.row}:${i + 1}`,
          number: String(i + 1),
          status,
          price: tier ? tier.price : null,
        })),
      })),
      last_updated: e.createdAt,
    });
  });
}

/** Event documents are needed by the seat map query for the event's existence and visibility. */
export type { EventDoc };
