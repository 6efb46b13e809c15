import { replaySeatLedger } from '../../src/application/audit/seat-ledger';

/** Replays the whole log through the independent seat ledger. */
export const replaySeats = replaySeatLedger;

/** Seat id -> status from a seat map response. */
export function seatStatuses(seatMap: {
  sections: Array<{ rows: Array<{ seats: Array<{ seat_id: string; status: string }> }> }>;
}) {
  const statuses = new Map<string, string>();
  for (const section of seatMap.sections)
    for (const row of section.rows) for (const seat of row.seats) statuses.set(seat.seat_id, seat.status);
  return statuses;
}
