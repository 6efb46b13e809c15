import { fail } from '../shared/errors';
import { saleOpensAt } from './partner-settings';
import type { TicketedEventState } from './state';

/**
 * Seats can be held now: the event is published, not cancelled, and its sale is open and not over (the rules every
 * hold meets first, a fan's chosen seats or a partner cart's best available). `gone` details a cancelled event's
 * refusal (the seats asked for, when there are some).
 */
export function assertOnSale(state: TicketedEventState, nowMs: number, gone: Record<string, unknown>): void {
  const details = state.details!;
  if (state.status === 'DRAFT') fail('EVENT_NOT_FOUND', 'Event not found');
  if (state.status === 'CANCELLED')
    fail('SEATS_GONE', 'The event was cancelled; its seats are gone for good', gone);
  const opens = Date.parse(saleOpensAt(details));
  if (nowMs < opens)
    fail('SALE_NOT_OPEN', `The sale opens at ${new Date(opens).toISOString()}`, {
      opens_at: new Date(opens).toISOString(),
    });
  assertNotStarted(details, nowMs);
}

/** The sale closes when the event starts: no seat is held, and no hold is ordered, from then on. */
export function assertNotStarted(details: { date: string }, nowMs: number): void {
  if (nowMs >= Date.parse(details.date))
    fail('SALE_NOT_OPEN', 'The event has started; the sale is closed', { event_date: details.date });
}
