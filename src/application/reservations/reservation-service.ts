import type { SeatsHeld } from '../../domain/ticketed-event/events';
import { fail } from '../../domain/shared/errors';
import { COLLECTIONS, ReservationDoc } from '../read-models/documents';
import { getCaughtUp } from '../read-models/caught-up';
import type { Clock } from '../ports/clock';
import type { IdGenerator } from '../ports/id-generator';
import type { ReadStore } from '../ports/read-store';
import type { TicketedEventProcessor } from '../ticketed-event/ticketed-event-processor';
import type { CommandMetadata } from '../shared/command-metadata';
import { newReservationView, reservationView } from './reservation-view';

export interface Actor {
  userId: string;
  isAdmin: boolean;
}

export type { ReservationView } from './reservation-view';

/**
 * Reservations (the domain's seat holds): reserve, read, release, and the expiry job. Every decision is the
 * ticketed-event decider's, on the event's stream; the reservations read model only answers queries and
 * says which event stream a reservation id lives in.
 */
export class ReservationService {
  constructor(
    private readonly ticketedEvents: TicketedEventProcessor,
    private readonly readStore: ReadStore,
    private readonly clock: Clock,
    private readonly ids: IdGenerator,
    private readonly holdSeconds: number,
    /** Waits until projections reached the log's head; used before answering 404 for an id just written. */
    private readonly catchUp: () => Promise<unknown>,
    /** The order under way for a hold (placed, not failed), read from its order stream; none by default. */
    private readonly orderUnderWay: (holdId: string) => Promise<string | undefined> = async () => undefined,
  ) {}

  async reserve(eventId: string, userId: string, seatIds: string[], metadata: CommandMetadata) {
    const holdId = this.ids.timeOrdered(); // its order and tickets inherit its time prefix (derivedId)
    const outcome = await this.ticketedEvents.execute(
      eventId,
      { type: 'HoldSeats', holdId, userId, seatIds, holdSeconds: this.holdSeconds },
      metadata,
    );
    const held = outcome.events.find((e): e is SeatsHeld => e.type === 'SeatsHeld')!.data;
    return {
      hold: held,
      reservation: newReservationView(held, this.clock.now()),
      position: outcome.position,
    };
  }

  /**
   * The reservation as the read model shows it (for queries), or RESERVATION_NOT_FOUND. Commands use it only
   * to find the event stream the hold lives in (facts SeatsHeld fixed for good); the stream decides.
   */
  async get(reservationId: string, actor: Actor): Promise<ReservationDoc> {
    const collection = this.readStore.collection<ReservationDoc>(COLLECTIONS.reservations);
    const doc = await getCaughtUp(collection, reservationId, this.catchUp);
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
    const { event_id: eventId } = await this.get(reservationId, actor);
    const orderId = await this.orderUnderWay(reservationId);
    const { position } = await this.ticketedEvents.execute(
      eventId,
      {
        type: 'ReleaseHold',
        holdId: reservationId,
        reason: 'released',
        ...(actor.isAdmin ? {} : { userId: actor.userId }),
        ...(orderId !== undefined ? { orderId } : {}),
      },
      metadata,
    );
    return { position };
  }

  /**
   * The expiry job: explicitly release holds whose time ran out, so seat maps and availability catch up. The
   * read model only nominates the events to look at; ExpireHolds decides on each event's stream.
   */
  async releaseExpired(metadata: CommandMetadata): Promise<number> {
    const now = this.clock.now().toISOString();
    const expired = await this.readStore
      .collection<ReservationDoc>(COLLECTIONS.reservations)
      .find({ status: 'HELD', expires_at: { $lte: now } });
    const eventIds = [...new Set(expired.map((doc) => doc.event_id))];
    let released = 0;
    for (const eventId of eventIds) {
      const outcome = await this.ticketedEvents.execute(eventId, { type: 'ExpireHolds' }, metadata);
      released += outcome.events.length;
    }
    return released;
  }

  view(doc: ReservationDoc) {
    return reservationView(doc, this.clock.now());
  }
}
