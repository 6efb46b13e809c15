import type { ReadStore } from '../application/ports/read-store';
import type { EventCreated } from '../domain/ticketed-event/events';
import { fromCents } from '../domain/shared/money';
import {
  recordedAtIso,
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
 * Seat maps: one document per event section. A hold or sale sets the status of its own seats only
 * (`rows.<r>.seats.<n-1>.status`), so the cost of an event does not depend on the size of the venue.
 */
export function createSeatMapProjection(): Projection {
  // Row label -> index, per event and section; venues never change, so this cache needs no invalidation.
  // Nested by event then section rather than keyed by `${eventId}:${sectionId}`: no string to build per seat.
  const rowIndexes = new Map<string, Map<string, Map<string, number>>>();

  /** A section's row indexes; read from its seat map the first time (undefined while it has none). */
  async function loadRowIndexes(
    store: ReadStore,
    eventId: string,
    sectionId: string,
  ): Promise<Map<string, number> | undefined> {
    const doc = await store
      .collection<SeatMapSectionDoc>(COLLECTIONS.seatMaps)
      .get(seatMapDocId(eventId, sectionId));
    if (!doc) return undefined;
    const rows = new Map(doc.rows.map((r, i) => [r.row, i]));
    let sections = rowIndexes.get(eventId);
    if (!sections) rowIndexes.set(eventId, (sections = new Map()));
    sections.set(sectionId, rows);
    return rows;
  }

  async function setStatus(store: ReadStore, event: Data<SeatMovement>, status: SeatStatus) {
    const { eventId, seatIds } = event.data;
    const bySection = new Map<string, Record<string, unknown>>();
    for (const seatId of seatIds) {
      const { sectionId, row, number } = parseSeatId(seatId);
      // Cached indexes are looked up without an await: a rebuild moves seats millions of times.
      const rows =
        rowIndexes.get(eventId)?.get(sectionId) ?? (await loadRowIndexes(store, eventId, sectionId));
      const r = rows?.get(row);
      if (r === undefined) continue;
      const set = bySection.get(sectionId) ?? { last_updated: recordedAtIso(event) };
      set[statusPath(r, number - 1)] = status;
      bySection.set(sectionId, set);
    }
    const maps = store.collection<SeatMapSectionDoc>(COLLECTIONS.seatMaps);
    for (const [sectionId, set] of bySection) {
      await maps.update(seatMapDocId(eventId, sectionId), { $set: set }, { position: event.position });
    }
  }

  return {
    name: 'seat-maps',
    handlers: {
      async EventCreated(event: Data<EventCreated>, store) {
        const e = event.data;
        const venue = await store.collection<VenueDoc>(COLLECTIONS.venues).get(e.venueId);
        if (!venue) return;
        const tierBySection = new Map<string, { tierId: string; price: number }>();
        for (const t of e.tiers)
          for (const s of t.sectionIds)
            tierBySection.set(s, { tierId: t.tierId, price: fromCents(t.priceCents) });
        const maps = store.collection<SeatMapSectionDoc>(COLLECTIONS.seatMaps);
        for (const [index, section] of venue.sections.entries()) {
          const tier = tierBySection.get(section.section_id);
          await maps.put({
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
                status: tier ? 'AVAILABLE' : 'UNAVAILABLE',
                price: tier ? tier.price : null,
              })),
            })),
            last_updated: e.createdAt,
          });
        }
      },
      ...seatMovementHandlers(SEAT_STATUS_AFTER, setStatus),
    },
  };
}

/** Event documents are needed by the seat map query for the event's existence and visibility. */
export type { EventDoc };
