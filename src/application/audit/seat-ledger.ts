import type { EventStore, RecordedEvent } from '../ports/event-store';

/**
 * Events per page when an audit reads the whole log. Small enough that a page's events die young (pages of
 * 10,000 outlived young-generation collections and made garbage collection a third of the replay; measured on
 * 1,000,000 events, 500 beat 1,000 and 2,000), large enough that per-page costs vanish.
 */
export const LOG_PAGE_SIZE = 500;

/** An event as a violation names it: where it is in its stream and in the log. */
export interface EventRef {
  stream: string;
  revision: number;
  position: number;
  type: string;
  id: string;
}

export const refOf = (event: RecordedEvent): EventRef => ({
  stream: event.streamName,
  revision: event.revision,
  position: event.position,
  type: event.type,
  id: event.id,
});

export interface SeatViolation {
  eventId: string;
  seatId: string;
  /** The offending event: its log position, stream and revision. */
  position: number;
  stream: string;
  revision: number;
  problem:
    | 'held_while_taken'
    | 'sold_while_taken'
    | 'sold_without_hold'
    | 'released_by_stranger'
    | 'sold_after_expiry'
    | 'extended_after_expiry';
  detail: string;
  /** The offending event, then the event that had claimed the seat (when there was one). */
  events: EventRef[];
}

interface SeatOwner {
  holdId: string;
  status: 'HELD' | 'SOLD';
  orderId?: string;
  /** The event that claimed the seat. */
  by: EventRef;
}

interface HoldInfo {
  expiresAt: number;
  by: EventRef;
}

/**
 * Replays seat events from the log alone (no domain code, no cache) and reports every moment a seat was
 * claimed by two holds or sales at once, or a hold was sold after it expired. The decider must make this list
 * empty; the auditor's check and the tests use this independent fold to prove it.
 */
export class SeatLedger {
  /**
   * Seat owners and live holds (with when they expire), per ticketed event: nested maps rather than
   * `${eventId}/${seatId}` keys, which cost a string to build and hash at every seat of every event.
   */
  private readonly owners = new Map<string, Map<string, SeatOwner>>();
  private readonly holdsById = new Map<string, Map<string, HoldInfo>>();
  readonly violations: SeatViolation[] = [];
  holds = 0;
  sales = 0;

  /**
   * @param onExpiredRelease called for each hold released as `expired`, with how late the release came (ms);
   *   the replay's hold-expiry invariant listens here.
   */
  constructor(
    private readonly onExpiredRelease?: (event: RecordedEvent, lateMs: number, hold: EventRef) => void,
  ) {}

  apply(event: RecordedEvent): void {
    const data = event.data as {
      eventId: string;
      holdId: string;
      orderId?: string;
      seatIds: string[];
      expiresAt?: string;
      releasedAt?: string;
      soldAt?: string;
      reason?: string;
    };
    switch (event.type) {
      case 'SeatsHeld': {
        this.holds += 1;
        const by = refOf(event);
        this.holdsOf(data.eventId).set(data.holdId, { expiresAt: Date.parse(data.expiresAt ?? ''), by });
        const owners = this.ownersOf(data.eventId);
        for (const seatId of data.seatIds) {
          const owner = owners.get(seatId);
          if (owner)
            this.violate(
              event,
              data.eventId,
              seatId,
              'held_while_taken',
              `already ${owner.status} by hold ${owner.holdId}`,
              owner.by,
            );
          owners.set(seatId, { holdId: data.holdId, status: 'HELD', by });
        }
        return;
      }
      case 'HoldExtended': {
        // An order's checkout near the hold's end: the hold now lasts longer. Only a live hold may be extended.
        const hold = this.holdsOf(data.eventId).get(data.holdId);
        const extendedAt = Date.parse((data as { extendedAt?: string }).extendedAt ?? '');
        if (!hold || !(extendedAt < hold.expiresAt))
          this.violate(
            event,
            data.eventId,
            data.seatIds[0] ?? '',
            'extended_after_expiry',
            hold
              ? `hold ${data.holdId} expired at ${new Date(hold.expiresAt).toISOString()}`
              : 'no live hold',
            hold?.by,
          );
        else hold.expiresAt = Math.max(hold.expiresAt, Date.parse(data.expiresAt ?? ''));
        return;
      }
      case 'HoldReleased': {
        const holds = this.holdsOf(data.eventId);
        const hold = holds.get(data.holdId);
        holds.delete(data.holdId);
        if (hold && data.reason === 'expired' && data.releasedAt)
          this.onExpiredRelease?.(event, Date.parse(data.releasedAt) - hold.expiresAt, hold.by);
        const owners = this.ownersOf(data.eventId);
        for (const seatId of data.seatIds) {
          const owner = owners.get(seatId);
          if (owner?.holdId === data.holdId && owner.status === 'HELD') owners.delete(seatId);
          else if (owner && owner.holdId !== data.holdId)
            this.violate(
              event,
              data.eventId,
              seatId,
              'released_by_stranger',
              `owned by ${owner.holdId}`,
              owner.by,
            );
        }
        return;
      }
      case 'SeatsSold': {
        this.sales += 1;
        const by = refOf(event);
        const holds = this.holdsOf(data.eventId);
        const hold = holds.get(data.holdId);
        holds.delete(data.holdId);
        if (hold && data.soldAt && Date.parse(data.soldAt) >= hold.expiresAt)
          this.violate(
            event,
            data.eventId,
            data.seatIds[0] ?? '',
            'sold_after_expiry',
            `hold ${data.holdId} expired at ${new Date(hold.expiresAt).toISOString()}, sold at ${data.soldAt}`,
            hold.by,
          );
        const owners = this.ownersOf(data.eventId);
        for (const seatId of data.seatIds) {
          const owner = owners.get(seatId);
          if (!owner) this.violate(event, data.eventId, seatId, 'sold_without_hold', 'no live hold');
          else if (owner.holdId !== data.holdId || owner.status !== 'HELD')
            this.violate(
              event,
              data.eventId,
              seatId,
              'sold_while_taken',
              `${owner.status} by ${owner.holdId}`,
              owner.by,
            );
          owners.set(seatId, { holdId: data.holdId, status: 'SOLD', orderId: data.orderId, by });
        }
        return;
      }
      case 'SeatsReturned': {
        const owners = this.ownersOf(data.eventId);
        for (const seatId of data.seatIds)
          if (owners.get(seatId)?.orderId === data.orderId) owners.delete(seatId);
        return;
      }
    }
  }

  /** Seats currently held or sold, per event: `${eventId}/${seatId}` -> status. */
  claims(): Map<string, 'HELD' | 'SOLD'> {
    const claims = new Map<string, 'HELD' | 'SOLD'>();
    for (const [eventId, owners] of this.owners)
      for (const [seatId, owner] of owners) claims.set(`${eventId}/${seatId}`, owner.status);
    return claims;
  }

  private ownersOf(eventId: string): Map<string, SeatOwner> {
    let owners = this.owners.get(eventId);
    if (!owners) this.owners.set(eventId, (owners = new Map()));
    return owners;
  }

  private holdsOf(eventId: string): Map<string, HoldInfo> {
    let holds = this.holdsById.get(eventId);
    if (!holds) this.holdsById.set(eventId, (holds = new Map()));
    return holds;
  }

  private violate(
    event: RecordedEvent,
    eventId: string,
    seatId: string,
    problem: SeatViolation['problem'],
    detail: string,
    other?: EventRef,
  ) {
    this.violations.push({
      eventId,
      seatId,
      position: event.position,
      stream: event.streamName,
      revision: event.revision,
      problem,
      detail,
      events: other ? [refOf(event), other] : [refOf(event)],
    });
  }
}

/** Folds the whole log through a fresh ledger. */
export async function replaySeatLedger(store: EventStore, pageSize = LOG_PAGE_SIZE): Promise<SeatLedger> {
  const ledger = new SeatLedger();
  let from = 0;
  for (;;) {
    const page = await store.readAll({ fromPosition: from, maxCount: pageSize });
    for (const event of page) ledger.apply(event);
    if (page.length < pageSize) return ledger;
    from = page[page.length - 1].position;
  }
}
