import type { EventStore, RecordedEvent } from '../ports/event-store';

export interface SeatViolation {
  eventId: string;
  seatId: string;
  position: number;
  problem: 'held_while_taken' | 'sold_while_taken' | 'sold_without_hold' | 'released_by_stranger';
  detail: string;
}

interface SeatOwner {
  holdId: string;
  status: 'HELD' | 'SOLD';
  orderId?: string;
}

/**
 * Replays seat events from the log alone (no domain code, no cache) and reports every moment a seat was
 * claimed by two holds or sales at once. The decider must make this list empty; the auditor's check and the
 * tests use this independent fold to prove it.
 */
export class SeatLedger {
  private readonly owners = new Map<string, SeatOwner>();
  readonly violations: SeatViolation[] = [];
  holds = 0;
  sales = 0;

  apply(event: RecordedEvent): void {
    const data = event.data as { eventId: string; holdId: string; orderId?: string; seatIds: string[] };
    switch (event.type) {
      case 'SeatsHeld':
        this.holds += 1;
        for (const seatId of data.seatIds) {
          const key = `${data.eventId}/${seatId}`;
          const owner = this.owners.get(key);
          if (owner)
            this.violate(
              event,
              data.eventId,
              seatId,
              'held_while_taken',
              `already ${owner.status} by hold ${owner.holdId}`,
            );
          this.owners.set(key, { holdId: data.holdId, status: 'HELD' });
        }
        return;
      case 'HoldReleased':
        for (const seatId of data.seatIds) {
          const key = `${data.eventId}/${seatId}`;
          const owner = this.owners.get(key);
          if (owner?.holdId === data.holdId && owner.status === 'HELD') this.owners.delete(key);
          else if (owner && owner.holdId !== data.holdId)
            this.violate(event, data.eventId, seatId, 'released_by_stranger', `owned by ${owner.holdId}`);
        }
        return;
      case 'SeatsSold':
        this.sales += 1;
        for (const seatId of data.seatIds) {
          const key = `${data.eventId}/${seatId}`;
          const owner = this.owners.get(key);
          if (!owner) this.violate(event, data.eventId, seatId, 'sold_without_hold', 'no live hold');
          else if (owner.holdId !== data.holdId || owner.status !== 'HELD')
            this.violate(
              event,
              data.eventId,
              seatId,
              'sold_while_taken',
              `${owner.status} by ${owner.holdId}`,
            );
          this.owners.set(key, { holdId: data.holdId, status: 'SOLD', orderId: data.orderId });
        }
        return;
      case 'SeatsReturned':
        for (const seatId of data.seatIds) {
          const key = `${data.eventId}/${seatId}`;
          if (this.owners.get(key)?.orderId === data.orderId) this.owners.delete(key);
        }
        return;
    }
  }

  /** Seats currently held or sold, per event: `${eventId}/${seatId}` -> status. */
  claims(): Map<string, 'HELD' | 'SOLD'> {
    return new Map([...this.owners].map(([key, owner]) => [key, owner.status]));
  }

  private violate(
    event: RecordedEvent,
    eventId: string,
    seatId: string,
    problem: SeatViolation['problem'],
    detail: string,
  ) {
    this.violations.push({ eventId, seatId, position: event.position, problem, detail });
  }
}

/** Folds the whole log through a fresh ledger. */
export async function replaySeatLedger(store: EventStore, pageSize = 10_000): Promise<SeatLedger> {
  const ledger = new SeatLedger();
  let from = 0;
  for (;;) {
    const page = await store.readAll({ fromPosition: from, maxCount: pageSize });
    for (const event of page) ledger.apply(event);
    if (page.length < pageSize) return ledger;
    from = page[page.length - 1].position;
  }
}
