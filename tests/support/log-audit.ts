import { replayLog, type ReplayOptions, type ReplayReport } from '../../src/application/audit/replay';
import { replaySeatLedger } from '../../src/application/audit/seat-ledger';
import type { Application } from '../../src/composition';
import { MemoryReadStore } from '../../src/infrastructure/readstore/memory/memory-read-store';
import { allProjections } from '../../src/projections';

/** Replays the whole log through the independent seat ledger. */
export const replaySeats = replaySeatLedger;

/**
 * What `npm run replay` does to a running app: its whole log folded into fresh read models, checked against the
 * invariants and compared with its live read models.
 */
export function replayAgainstLive(
  app: Application,
  options: Partial<ReplayOptions> = {},
): Promise<ReplayReport> {
  return replayLog({
    store: app.store,
    projections: allProjections(),
    fresh: new MemoryReadStore(),
    live: app.readStore,
    ...options,
  });
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
