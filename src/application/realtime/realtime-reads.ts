import {
  COLLECTIONS,
  type EventDoc,
  type ReservationDoc,
  type SeatMapSectionDoc,
  seatMapDocId,
} from '../read-models/documents';
import { sellable } from '../catalog/catalog-queries';
import type { ReadStore } from '../ports/read-store';

export interface SectionCount {
  sectionId: string;
  name: string;
  availableSeats: number;
}

/**
 * What realtime reads, all from the read models (never a write decision): the seat-map section documents that
 * GET /v1/events/{id}/seats serves, so a pushed count is the count that map shows; whether an event is visible;
 * the live holds at start-up.
 */
export class RealtimeReads {
  constructor(private readonly readStore: ReadStore) {}

  async eventVisible(eventId: string, includeUnpublished: boolean): Promise<boolean> {
    const doc = await this.readStore.collection<EventDoc>(COLLECTIONS.events).get(eventId);
    return doc !== null && (includeUnpublished || doc.published);
  }

  /** Every section of the event, in venue order. */
  async sections(eventId: string): Promise<SectionCount[]> {
    const [event, docs] = await Promise.all([
      this.event(eventId),
      this.readStore
        .collection<SeatMapSectionDoc>(COLLECTIONS.seatMaps)
        .find({ event_id: eventId }, { sort: { index: 1 } }),
    ]);
    return docs.map((doc) => countOf(doc, event));
  }

  async section(eventId: string, sectionId: string): Promise<SectionCount | undefined> {
    const [event, doc] = await Promise.all([
      this.event(eventId),
      this.readStore
        .collection<SeatMapSectionDoc>(COLLECTIONS.seatMaps)
        .get(seatMapDocId(eventId, sectionId)),
    ]);
    return doc ? countOf(doc, event) : undefined;
  }

  private event(eventId: string): Promise<EventDoc | null> {
    return this.readStore.collection<EventDoc>(COLLECTIONS.events).get(eventId);
  }

  /** Holds not released, sold nor expired at `now` (the reservations read model). */
  async liveHolds(now: Date): Promise<Array<{ holdId: string; userId: string; expiresAt: Date }>> {
    const docs = await this.readStore
      .collection<ReservationDoc>(COLLECTIONS.reservations)
      .find({ status: 'HELD', expires_at: { $gt: now.toISOString() } });
    return docs.map((d) => ({
      holdId: d.reservation_id,
      userId: d.user_id,
      expiresAt: new Date(d.expires_at),
    }));
  }
}

/** The section's count as its seat map shows it (none left once the event is cancelled). */
function countOf(doc: SeatMapSectionDoc, event: EventDoc | null): SectionCount {
  let available = 0;
  for (const row of doc.rows) for (const seat of row.seats) if (seat.status === 'AVAILABLE') available += 1;
  return {
    sectionId: doc.section_id,
    name: doc.name,
    availableSeats: event ? sellable(event, available) : available,
  };
}
