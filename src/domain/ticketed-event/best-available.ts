import { fail } from '../shared/errors';
import type { SeatIndex } from '../venue/seat-index';
import type { HoldBestAvailable, HoldSeats, TicketedEventContext } from './decide';
import type { TicketedEventEvent } from './events';
import { assertOnSale } from './sale-window';
import { isSeatFree, ticketsOfUser, type TicketedEventState } from './state';

/** Where to look: a price level (every section it prices) or one section. */
export type BestAvailableScope = { tierId: string } | { sectionId: string };

/**
 * HoldBestAvailable: the sale rules and the purchase limit first (so a refusal names the real reason), then the seats
 * chosen on this very state, then `hold` (the decider's HoldSeats: the same checks and events as any hold).
 */
export function holdBestAvailable(
  command: HoldBestAvailable,
  state: TicketedEventState,
  context: TicketedEventContext,
  hold: (command: HoldSeats) => TicketedEventEvent[],
): TicketedEventEvent[] {
  const details = state.details!;
  const seats = context.seats;
  if (!seats) throw new Error('Seat index missing from context');
  const nowMs = context.now.getTime();
  assertOnSale(state, nowMs, {});
  // A waiting room is the only way in: fans wait their turn, and a partner's cart would pass them all.
  if (details.queue?.enabled)
    fail(
      'QUEUE_REQUIRED',
      'This event sells only through its waiting room (/v1/queue): partner carts cannot hold its seats',
      { event_id: details.eventId },
    );
  if (state.holds.has(command.holdId)) return []; // the same hold decided twice (a retried command)
  if (!Number.isInteger(command.quantity) || command.quantity < 1)
    fail('VALIDATION_ERROR', 'quantity must be a whole number of at least 1', { field: 'quantity' });
  const already = ticketsOfUser(state, command.userId, nowMs);
  if (already + command.quantity > details.maxTicketsPerOrder)
    fail(
      'PURCHASE_LIMIT_EXCEEDED',
      `At most ${details.maxTicketsPerOrder} tickets per order for this event`,
      {
        limit: details.maxTicketsPerOrder,
        already_held_or_bought: already,
        requested: command.quantity,
      },
    );
  const seatIds = pickBestAvailable(state, seats, command.scope, command.quantity, nowMs);
  const { holdId, userId, holdSeconds } = command;
  return hold({ type: 'HoldSeats', holdId, userId, seatIds, holdSeconds });
}

/** A run of free seats in one row, between taken seats or the row's ends, with its place in quality order. */
interface Run {
  seatIds: string[];
  /** Lower section first, then front rows, then lower seat numbers. */
  rank: number;
}

/**
 * The best free seats for `quantity` in the scope, decided on the event's current state (the caller holds them
 * in the same decision, so nothing can take them in between):
 * - together: the first run of `quantity` free seats in one row, in quality order (the venue's section order,
 *   rows front to back, lowest seat numbers first);
 * - otherwise split, in as few pieces as possible: the longest runs first, quality order breaking ties, kept in
 *   one section when some section can hold them all.
 * With restrict_single_seat no piece may leave one free seat alone next to it (a run of q + 1 seats cannot hold
 * q together; a partly used run keeps 0 or at least 2 free seats).
 * Refusals: no free seat in the scope: NO_INVENTORY ("No inventory found"); fewer free seats than asked:
 * NOT_ENOUGH_INVENTORY (details.available, details.requested); enough seats but every choice would leave a single
 * seat alone: SINGLE_SEAT_GAP.
 */
export function pickBestAvailable(
  state: TicketedEventState,
  seats: SeatIndex,
  scope: BestAvailableScope,
  quantity: number,
  nowMs: number,
): string[] {
  const sectionIds = sectionsIn(state, seats, scope);
  const restricted = state.details!.restrictSingleSeat;
  let rank = 0;
  const runsBySection = sectionIds.map((sectionId) =>
    freeRuns(state, seats, sectionId, nowMs).map((seatIds): Run => ({ seatIds, rank: rank++ })),
  );
  const allRuns = runsBySection.flat();
  const available = allRuns.reduce((n, run) => n + run.seatIds.length, 0);
  if (available === 0)
    fail('NO_INVENTORY', 'No inventory found', { ...scopeDetails(scope), requested: quantity });
  if (available < quantity)
    fail('NOT_ENOUGH_INVENTORY', `Only ${seatsAre(available)} available; ${quantity} were requested`, {
      ...scopeDetails(scope),
      available,
      requested: quantity,
    });

  const together = allRuns.find((run) => fitsTogether(run.seatIds.length, quantity, restricted));
  if (together) return together.seatIds.slice(0, quantity);
  for (const runs of [...runsBySection, allRuns]) {
    const picked = split(runs, quantity, restricted);
    if (picked) return picked;
  }
  return fail(
    'SINGLE_SEAT_GAP',
    `${seatsAre(available)} available, but any ${quantity} of them would leave a single seat empty`,
    { ...scopeDetails(scope), available, requested: quantity },
  );
}

/** "1 seat is", "3 seats are": the messages partners show their buyers. */
function seatsAre(count: number): string {
  return count === 1 ? '1 seat is' : `${count} seats are`;
}

/** The priced sections of the scope, in the venue's order. */
function sectionsIn(state: TicketedEventState, seats: SeatIndex, scope: BestAvailableScope): string[] {
  const inVenue = seats.layout.sections.map((s) => s.sectionId);
  if ('tierId' in scope) {
    const tier = state.details!.tiers.find((t) => t.tierId === scope.tierId);
    if (!tier) fail('TIER_NOT_FOUND', 'No such price level at this event', { tier_id: scope.tierId });
    return inVenue.filter((id) => tier.sectionIds.includes(id));
  }
  if (!inVenue.includes(scope.sectionId))
    fail('SECTION_NOT_FOUND', 'No such section at this event', { section_id: scope.sectionId });
  // A section no price level covers is not on sale: it has no inventory.
  return state.tierBySection.has(scope.sectionId) ? [scope.sectionId] : [];
}

/** The section's runs of free seats, in quality order (rows front to back, each from its lowest seat number). */
function freeRuns(state: TicketedEventState, seats: SeatIndex, sectionId: string, nowMs: number): string[][] {
  const section = seats.layout.sections.find((s) => s.sectionId === sectionId)!;
  const runs: string[][] = [];
  for (const row of section.rows) {
    const ids = seats.rows.get(`${sectionId}:${row.row}`)!;
    let start = -1; // first seat of the run being read, -1 between runs
    ids.forEach((id, i) => {
      const free = isSeatFree(state, id, nowMs);
      if (free && start < 0) start = i;
      if (!free && start >= 0) {
        runs.push(ids.slice(start, i));
        start = -1;
      }
    });
    if (start >= 0) runs.push(ids.slice(start));
  }
  return runs;
}

/**
 * Whether `quantity` seats fit together in a run of `length` free seats. They are taken from its start, so the
 * rest of the run stays free: with the single-seat rule it must not be exactly one seat.
 */
function fitsTogether(length: number, quantity: number, restricted: boolean): boolean {
  return length >= quantity && !(restricted && length - quantity === 1);
}

/** Fewest pieces: longest runs first (the sort is stable: ties keep quality order), each leaving 0 or 2+ free. */
function split(runs: Run[], quantity: number, restricted: boolean): string[] | undefined {
  const ordered = [...runs].sort((a, b) => b.seatIds.length - a.seatIds.length);
  const pieces: Run[] = [];
  let remaining = quantity;
  for (const run of ordered) {
    if (remaining === 0) break;
    let take = Math.min(remaining, run.seatIds.length);
    if (restricted && run.seatIds.length - take === 1) take -= 1;
    pieces.push({ rank: run.rank, seatIds: run.seatIds.slice(0, take) });
    remaining -= take;
  }
  if (remaining > 0) return undefined;
  return pieces.sort((a, b) => a.rank - b.rank).flatMap((p) => p.seatIds);
}

function scopeDetails(scope: BestAvailableScope): Record<string, string> {
  return 'tierId' in scope ? { tier_id: scope.tierId } : { section_id: scope.sectionId };
}
