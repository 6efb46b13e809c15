import { SeatLedger } from '../../src/application/audit/seat-ledger';
import type { EventStore } from '../../src/application/ports/event-store';

/** Replays the whole log through the independent seat ledger. */
export async function replaySeats(store: EventStore): Promise<SeatLedger> {
  const ledger = new SeatLedger();
  let from = 0;
  for (;;) {
    const page = await store.readAll({ fromPosition: from, maxCount: 5000 });
    for (const event of page) ledger.apply(event);
    if (page.length < 5000) return ledger;
    from = page[page.length - 1].position;
  }
}

/** Seat id -> status from a seat map response. */
export function seatStatuses(seatMap: {
  sections: Array<{ rows: Array<{ seats: Array<{ seat_id: string; status: string }> }> }>;
}) {
  const statuses = new Map<string, string>();
  for (const section of seatMap.sections)
    for (const row of section.rows) for (const seat of row.seats) statuses.set(seat.seat_id, seat.status);
  return statuses;
}
