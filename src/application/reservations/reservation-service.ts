import type { SeatsHeld } from '../../domain/ticketed-event/events';
import { fail } from '../../domain/shared/errors';
import { COLLECTIONS, ReservationDoc } from '../read-models/documents';
import type { Clock } from '../ports/clock';
import type { IdGenerator } from '../ports/id-generator';
import type { ReadStore } from '../ports/read-store';
import type { TicketedEventProcessor } from '../catalog/ticketed-event-processor';
import type { CommandMetadata } from '../shared/command-metadata';

export interface Actor {
  userId: string;
  isAdmin: boolean;
}

export type ReservationView = ReturnType<ReservationService['view']>;

/** Seat holds: reserve, read, release, and the expiry job. The rules live in the ticketed-event decider. */
export class ReservationService {
  constructor(
    private readonly events: TicketedEventProcessor,
    private readonly readStore: ReadStore,
    private readonly clock: Clock,
    private readonly ids: IdGenerator,
    private readonly holdSeconds: number,
    /** Waits until projections reached the log's head; used before answering 404 for an id just written. */
    private readonly catchUp: () => Promise<unknown>,
  ) {}

  async reserve(eventId: string, userId: string, seatIds: string[], metadata: CommandMetadata) {
    const holdId = this.ids.uuid();
    const outcome = await this.events.execute(
      eventId,
      { type: 'HoldSeats', holdId, userId, seatIds, holdSeconds: this.holdSeconds },
      metadata,
    );
    const held = outcome.events.find((e): e is SeatsHeld => e.type === 'SeatsHeld')!.data;
    return { hold: held, position: outcome.position };
  }

  async get(reservationId: string, actor: Actor): Promise<ReservationDoc> {
    const collection = this.readStore.collection<ReservationDoc>(COLLECTIONS.reservations);
    let doc = await collection.get(reservationId);
    if (!doc) {
      await this.catchUp();
      doc = await collection.get(reservationId);
    }
    // Someone else's reservation is answered exactly like a missing one: ids are not an oracle.
    if (!doc || (doc.user_id !== actor.userId && !actor.isAdmin))
      fail('RESERVATION_NOT_FOUND', 'Reservation not found');
    return doc;
  }

  async release(
    reservationId: string,
    actor: Actor,
    metadata: CommandMetadata,
  ): Promise<{ position: number }> {
    const doc = await this.get(reservationId, actor);
    if (doc.status === 'SOLD')
      fail('RESERVATION_ALREADY_ORDERED', 'This reservation was paid for; cancel the order instead');
    const { position } = await this.events.execute(
      doc.event_id,
      { type: 'ReleaseHold', holdId: reservationId, reason: 'released' },
      metadata,
    );
    return { position };
  }

  /** The expiry job: explicitly release holds whose time ran out, so seat maps and availability catch up. */
  async releaseExpired(metadata: CommandMetadata): Promise<number> {
    const now = this.clock.now().toISOString();
    const expired = await this.readStore
      .collection<ReservationDoc>(COLLECTIONS.reservations)
      .find({ status: 'HELD', expires_at: { $lte: now } });
    const eventIds = [...new Set(expired.map((doc) => doc.event_id))];
    let released = 0;
    for (const eventId of eventIds) {
      const outcome = await this.events.execute(eventId, { type: 'ExpireHolds' }, metadata);
      released += outcome.events.length;
    }
    return released;
  }

  view(doc: ReservationDoc) {
    const expired = doc.status === 'HELD' && Date.parse(doc.expires_at) <= this.clock.now().getTime();
    return {
      reservation_id: doc.reservation_id,
      event_id: doc.event_id,
      user_id: doc.user_id,
      seat_ids: doc.seat_ids,
      status: expired ? 'EXPIRED' : doc.status,
      expires_at: doc.expires_at,
      total_price: doc.subtotal_cents / 100,
      fees: doc.fees_cents / 100,
      total: (doc.subtotal_cents + doc.fees_cents) / 100,
      order_id: doc.order_id,
      created_at: doc.created_at,
    };
  }
}
