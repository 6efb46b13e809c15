import { fail } from '../../domain/shared/errors';
import type { EventStore, RecordedEvent } from '../ports/event-store';
import type { ReadStore } from '../ports/read-store';
import {
  COLLECTIONS,
  parseSeatId,
  type EventDoc,
  type SeatMapSectionDoc,
  seatMapDocId,
} from '../read-models/documents';
import { AUDIT_COLLECTIONS, seatKey, type AuditPositionsDoc } from './audit-index';
import { auditEvent, type AuditEvent } from './redaction';

export const AUDIT_MAX_LIMIT = 1000;
/** GET /v1/audit/log with a type filter reads at most this many events per call, then answers what it found. */
export const AUDIT_SCAN_BOUND = 100_000;

export interface AuditPage {
  events: AuditEvent[];
  /** Where to continue (from_position / from_revision of the next call); null when the end was reached. */
  next: number | null;
}

/**
 * The auditors' view of the log: streams, the global log, one seat's history and one correlation, each event
 * with its envelope and redacted payload. Streams and the log are read from the event store itself; seat and
 * correlation lookups go through the audit index (a read model of log positions), then read those events from
 * the store, so their cost is the events they return, however long the log is.
 */
export class AuditService {
  constructor(
    private readonly store: EventStore,
    private readonly readStore: ReadStore,
  ) {}

  async stream(
    stream: string,
    options: { fromRevision?: number; limit?: number; direction?: 'forwards' | 'backwards' },
  ): Promise<AuditPage> {
    const limit = options.limit ?? 100;
    const direction = options.direction ?? 'forwards';
    const events = await this.store.readStream(stream, {
      direction,
      fromRevision: options.fromRevision,
      maxCount: limit + 1,
    });
    const more = events.length > limit;
    const page = events.slice(0, limit);
    const last = page[page.length - 1];
    return {
      events: page.map(auditEvent),
      next: more && last ? last.revision + (direction === 'forwards' ? 1 : -1) : null,
    };
  }

  /**
   * The global log after `fromPosition` (exclusive), optionally of one event type, scanning a bounded window.
   * One event past the page is looked for (limit + 1), so `next` is null exactly when the page ends the log (or,
   * with a type, when no later event of that type exists).
   */
  async log(options: { fromPosition?: number; limit?: number; type?: string }): Promise<AuditPage> {
    const limit = options.limit ?? 100;
    const { type } = options;
    let from = options.fromPosition ?? 0;
    const found: RecordedEvent[] = [];
    let scanned = 0;
    const chunk = type ? 5000 : limit + 1;
    for (;;) {
      const events = await this.store.readAll({ fromPosition: from, maxCount: chunk });
      for (const event of events) {
        if (!type || event.type === type) {
          // One more after a full page: there is a next page, and it starts after the last event scanned.
          if (found.length === limit) return { events: found.map(auditEvent), next: from };
          found.push(event);
        }
        scanned += 1;
        from = event.position;
      }
      if (events.length < chunk) return { events: found.map(auditEvent), next: null };
      // A rare type in a long log: answer what the window held, and where to go on.
      if (scanned >= AUDIT_SCAN_BOUND) return { events: found.map(auditEvent), next: from };
    }
  }

  /** Everything that happened to one seat of one event, in log order. */
  async seatHistory(
    eventId: string,
    seatId: string,
    options: { fromPosition?: number; limit?: number },
  ): Promise<AuditPage> {
    const event = await this.readStore.collection<EventDoc>(COLLECTIONS.events).get(eventId);
    if (!event) fail('EVENT_NOT_FOUND', 'Event not found', { event_id: eventId });
    if (!(await this.seatExists(eventId, seatId)))
      fail('SEAT_NOT_FOUND', 'The event has no such seat', { seat_id: seatId });
    return this.indexed(AUDIT_COLLECTIONS.seats, seatKey(eventId, seatId), options);
  }

  /** Every event one request caused, through the sagas, across streams, in log order. */
  async correlation(
    correlationId: string,
    options: { fromPosition?: number; limit?: number },
  ): Promise<AuditPage> {
    return this.indexed(AUDIT_COLLECTIONS.correlations, correlationId, options);
  }

  /**
   * Whether the event's seat map lists this very id: the ids a reservation takes are the venue's (its SeatIndex),
   * which are the ones the seat map lists. Only that canonical form is a seat: `s1:A:01`, `s1:A:1e0` or
   * `s1:A:1.0` parse to the same number but name no seat, as `POST /v1/seats/reserve` answers for them too.
   */
  private async seatExists(eventId: string, seatId: string): Promise<boolean> {
    const { sectionId, row, number } = parseSeatId(seatId);
    const section = await this.readStore
      .collection<SeatMapSectionDoc>(COLLECTIONS.seatMaps)
      .get(seatMapDocId(eventId, sectionId));
    const seats = section?.rows.find((r) => r.row === row)?.seats;
    // Seat n is listed at n - 1; a number that is no index (NaN, 1.5, -1, past the row) finds nothing.
    return seats?.[number - 1]?.seat_id === seatId;
  }

  private async indexed(
    collection: string,
    id: string,
    options: { fromPosition?: number; limit?: number },
  ): Promise<AuditPage> {
    const limit = options.limit ?? AUDIT_MAX_LIMIT;
    const doc = await this.readStore.collection<AuditPositionsDoc>(collection).get(id);
    const after = (doc?.positions ?? []).filter((p) => p > (options.fromPosition ?? 0));
    const wanted = after.slice(0, limit);
    const events = await this.readPositions(wanted);
    return {
      events: events.map(auditEvent),
      next: after.length > limit ? wanted[wanted.length - 1] : null,
    };
  }

  /** Reads the events at these positions (ascending), one read per run of consecutive positions. */
  private async readPositions(positions: number[]): Promise<RecordedEvent[]> {
    const out: RecordedEvent[] = [];
    for (let i = 0; i < positions.length;) {
      let j = i + 1;
      while (j < positions.length && positions[j] === positions[j - 1] + 1) j += 1;
      out.push(...(await this.store.readAll({ fromPosition: positions[i] - 1, maxCount: j - i })));
      i = j;
    }
    return out;
  }
}
