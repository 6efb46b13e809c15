import {
  ticketedEventDecider,
  type HoldBestAvailable,
  type TicketedEventContext,
} from '../../src/domain/ticketed-event/decide';
import { holdBestAvailable, type BestAvailableScope } from '../../src/domain/ticketed-event/best-available';
import type { TicketedEventEvent } from '../../src/domain/ticketed-event/events';
import { SeatIndex } from '../../src/domain/venue/seat-index';
import type { VenueLayout } from '../../src/domain/venue/venue';
import { spec } from '../support/given-when-then';
import {
  CREATED_AT,
  NOW,
  PRESALE,
  createEvent,
  eventPublished,
  expiredHold,
  heldNow,
  holdReleased,
  liveHold,
  shift,
} from './fixtures/ticketed-event';

/**
 * Best available (partner carts): the seats are chosen by the ticketed-event decider on its current state and held
 * in the same decision. Arena: Floor (s1) rows A(6) B(2) C(5), Balcony (s2) row A(4), Box (s3) row A(2) unpriced.
 */
const arena: VenueLayout = {
  venueId: 'venue-2',
  name: 'Test Arena',
  city: 'Portland',
  state: 'OR',
  country: 'US',
  sections: [
    {
      sectionId: 's1',
      name: 'Floor',
      rows: [
        { row: 'A', seatCount: 6 },
        { row: 'B', seatCount: 2 },
        { row: 'C', seatCount: 5 },
      ],
    },
    { sectionId: 's2', name: 'Balcony', rows: [{ row: 'A', seatCount: 4 }] },
    { sectionId: 's3', name: 'Box', rows: [{ row: 'A', seatCount: 2 }] },
  ],
};
const ctx = (iso = NOW): TicketedEventContext => ({ now: new Date(iso), seats: new SeatIndex(arena) });

type Overrides = {
  restrictSingleSeat?: boolean;
  maxTicketsPerOrder?: number;
  oneTier?: boolean;
  waitingRoom?: boolean;
};
const created = (overrides: Overrides = {}) =>
  ticketedEventDecider.decide(
    createEvent({
      venue: arena,
      tiers: overrides.oneTier
        ? [{ tierId: 't-all', name: 'All', priceCents: 5000, feesCents: 500, sections: ['Floor', 'Balcony'] }]
        : [
            { tierId: 't-floor', name: 'Floor', priceCents: 15000, feesCents: 1250, sections: ['Floor'] },
            { tierId: 't-balcony', name: 'Balcony', priceCents: 5000, feesCents: 500, sections: ['Balcony'] },
          ],
      restrictSingleSeat: overrides.restrictSingleSeat ?? false,
      maxTicketsPerOrder: overrides.maxTicketsPerOrder ?? 8,
      queue: { enabled: overrides.waitingRoom ?? false, admissionPerMinute: 500 },
    }),
    ticketedEventDecider.initialState(),
    ctx(CREATED_AT),
  )[0];
/** Published and on sale at NOW; the single-seat rule and the waiting room off unless said. */
const onSale = (overrides: Overrides = {}) => [created(overrides), eventPublished];

const best = (scope: BestAvailableScope, quantity: number, holdId = 'cart-hold', userId = 'cart:c1') =>
  ({ type: 'HoldBestAvailable', holdId, userId, scope, quantity, holdSeconds: 600 }) as HoldBestAvailable;
const floor = { tierId: 't-floor' };

/** The seats the decision held (its SeatsHeld). */
function heldSeats(events: TicketedEventEvent[]): string[] {
  const held = events.find((e) => e.type === 'SeatsHeld');
  if (!held || held.type !== 'SeatsHeld') throw new Error(`no SeatsHeld in ${JSON.stringify(events)}`);
  return held.data.seatIds;
}

const event = spec(ticketedEventDecider);

describe('HoldBestAvailable: which seats', () => {
  test('together in the front row, lowest seat numbers first, held for the cart like any hold', () => {
    const [held] = event
      .given(onSale(), ctx())
      .when(best(floor, 2))
      .then([heldNow('cart-hold', 'cart:c1', ['s1:A:1', 's1:A:2'])]);
    expect(held.type === 'SeatsHeld' && held.data.subtotalCents).toBe(30000);
  });

  test('a later row when the front row has no run long enough: together beats front', () => {
    // Row A: 1-2 free, 3 taken, 4-6 free (runs of 2 and 3); row B: 2 free; row C: 5 free.
    const history = [...onSale(), liveHold('fan', 'fan-1', ['s1:A:3'])];
    expect(heldSeats(event.given(history, ctx()).when(best(floor, 3)).events())).toEqual([
      's1:A:4',
      's1:A:5',
      's1:A:6',
    ]);
    expect(heldSeats(event.given(history, ctx()).when(best(floor, 4)).events())).toEqual([
      's1:C:1',
      's1:C:2',
      's1:C:3',
      's1:C:4',
    ]);
  });

  test('split in as few pieces as possible when no row holds them together', () => {
    // Free: A:1-2, A:4, A:6, B:1-2, C:2 (runs of 2, 1, 1, 2, 1): 3 together is impossible.
    const history = [
      ...onSale(),
      liveHold('fan', 'fan-1', ['s1:A:3', 's1:A:5', 's1:C:1', 's1:C:3', 's1:C:4', 's1:C:5']),
    ];
    // The two runs of two first (front one first), one seat of the second.
    expect(heldSeats(event.given(history, ctx()).when(best(floor, 3)).events())).toEqual([
      's1:A:1',
      's1:A:2',
      's1:B:1',
    ]);
  });

  test('restrict single seat: a split never leaves one seat alone, so another piece is taken', () => {
    const history = [
      ...onSale({ restrictSingleSeat: true }),
      liveHold('fan', 'fan-1', ['s1:A:3', 's1:A:5', 's1:C:1', 's1:C:3', 's1:C:4', 's1:C:5']),
    ];
    // B:1 alone would strand B:2, so the single-seat runs A:4 fills the third place instead.
    expect(heldSeats(event.given(history, ctx()).when(best(floor, 3)).events())).toEqual([
      's1:A:1',
      's1:A:2',
      's1:A:4',
    ]);
  });

  test('restrict single seat: a run one seat longer than asked cannot hold them together', () => {
    // Row A (6 free) for 5 would strand A:6; row C (5 free) fits exactly.
    expect(
      heldSeats(
        event
          .given(onSale({ restrictSingleSeat: true }), ctx())
          .when(best(floor, 5))
          .events(),
      ),
    ).toEqual(['s1:C:1', 's1:C:2', 's1:C:3', 's1:C:4', 's1:C:5']);
    // Without the rule the front row wins.
    expect(heldSeats(event.given(onSale(), ctx()).when(best(floor, 5)).events())).toEqual([
      's1:A:1',
      's1:A:2',
      's1:A:3',
      's1:A:4',
      's1:A:5',
    ]);
  });

  test('restrict single seat: enough seats but every choice strands one: SINGLE_SEAT_GAP', () => {
    // Balcony A:1-4 free; 3 of them always leave one alone.
    event
      .given(onSale({ restrictSingleSeat: true }), ctx())
      .when(best({ sectionId: 's2' }, 3))
      .thenThrows('SINGLE_SEAT_GAP', { available: 4, requested: 3, section_id: 's2' });
  });

  test('a split stays in the lowest section that can hold it all, rather than mixing sections', () => {
    // One price level over Floor and Balcony. Floor keeps A:1, A:3, A:5 free; Balcony A:1-2 and A:4.
    const history = [
      ...onSale({ oneTier: true }),
      liveHold('fan', 'fan-1', ['s1:A:2', 's1:A:4', 's1:A:6', 's1:B:1', 's1:B:2', 's1:C:1', 's1:C:2']),
      liveHold('fan2', 'fan-2', ['s1:C:3', 's1:C:4', 's1:C:5', 's2:A:3']),
    ];
    expect(
      heldSeats(
        event
          .given(history, ctx())
          .when(best({ tierId: 't-all' }, 3))
          .events(),
      ),
    ).toEqual(['s1:A:1', 's1:A:3', 's1:A:5']);
  });

  test('across sections when no single section can; the seats come in quality order', () => {
    // Floor keeps only A:1; Balcony A:1-2. The longer Balcony run is taken first, the answer lists Floor first.
    const history = [
      ...onSale({ oneTier: true }),
      liveHold('fan', 'fan-1', ['s1:A:2', 's1:A:3', 's1:A:4', 's1:A:5', 's1:A:6', 's1:B:1', 's1:B:2']),
      liveHold('fan2', 'fan-2', ['s1:C:1', 's1:C:2', 's1:C:3', 's1:C:4', 's1:C:5', 's2:A:3', 's2:A:4']),
    ];
    expect(
      heldSeats(
        event
          .given(history, ctx())
          .when(best({ tierId: 't-all' }, 3))
          .events(),
      ),
    ).toEqual(['s1:A:1', 's2:A:1', 's2:A:2']);
  });

  test('the hold itself is the HoldSeats of the chosen seats (same checks, same events)', () => {
    const hold = jest.fn(() => []);
    const state = event.given(onSale(), ctx()).state();
    holdBestAvailable(best({ sectionId: 's2' }, 2, 'h9', 'cart:c9'), state, ctx(), hold);
    expect(hold).toHaveBeenCalledWith({
      type: 'HoldSeats',
      holdId: 'h9',
      userId: 'cart:c9',
      seatIds: ['s2:A:1', 's2:A:2'],
      holdSeconds: 600,
    });
    expect(() => holdBestAvailable(best(floor, 1), state, { now: new Date(NOW) }, hold)).toThrow(
      'Seat index missing from context',
    );
  });

  test('a section scope stays in that section', () => {
    expect(
      heldSeats(
        event
          .given(onSale(), ctx())
          .when(best({ sectionId: 's2' }, 2))
          .events(),
      ),
    ).toEqual(['s2:A:1', 's2:A:2']);
  });

  test('an expired hold counts as free and is released in the same decision', () => {
    const events = event
      .given([...onSale(), expiredHold('old', 'fan-1', ['s2:A:1', 's2:A:2'])], ctx())
      .when(best({ sectionId: 's2' }, 4))
      .events();
    expect(events[0]).toEqual(holdReleased('old', 'fan-1', ['s2:A:1', 's2:A:2'], 'expired'));
    expect(heldSeats(events)).toEqual(['s2:A:1', 's2:A:2', 's2:A:3', 's2:A:4']);
  });
});

describe('HoldBestAvailable: refusals (FAQ "Event Reserve")', () => {
  test('an event with a waiting room: QUEUE_REQUIRED, nothing held (its fans wait their turn, carts do not pass them)', () => {
    event
      .given(onSale({ waitingRoom: true }), ctx())
      .when(best(floor, 2))
      .thenThrows('QUEUE_REQUIRED', { event_id: 'evt-1' });
  });

  test('nothing left in the scope: NO_INVENTORY, "No inventory found"', () => {
    const error = event
      .given([...onSale(), liveHold('fan', 'fan-1', ['s2:A:1', 's2:A:2', 's2:A:3', 's2:A:4'])], ctx())
      .when(best({ tierId: 't-balcony' }, 1))
      .thenThrows('NO_INVENTORY', { tier_id: 't-balcony', requested: 1 });
    expect(error.message).toBe('No inventory found');
  });

  test('a section no price level covers has no inventory', () => {
    event
      .given(onSale(), ctx())
      .when(best({ sectionId: 's3' }, 1))
      .thenThrows('NO_INVENTORY');
  });

  test('fewer seats than requested: NOT_ENOUGH_INVENTORY with both numbers, and nothing held', () => {
    event
      .given([...onSale(), liveHold('fan', 'fan-1', ['s2:A:1'])], ctx())
      .when(best({ sectionId: 's2' }, 4))
      .thenThrows('NOT_ENOUGH_INVENTORY', { available: 3, requested: 4 });
  });

  test('the message counts in words a buyer can be shown: "1 seat is", "3 seats are"', () => {
    const one = event
      .given([...onSale(), liveHold('fan', 'fan-1', ['s2:A:1', 's2:A:2', 's2:A:3'])], ctx())
      .when(best({ sectionId: 's2' }, 2))
      .thenThrows('NOT_ENOUGH_INVENTORY', { available: 1, requested: 2 });
    expect(one.message).toBe('Only 1 seat is available; 2 were requested');
    const three = event
      .given([...onSale(), liveHold('fan', 'fan-1', ['s2:A:1'])], ctx())
      .when(best({ sectionId: 's2' }, 4))
      .thenThrows('NOT_ENOUGH_INVENTORY');
    expect(three.message).toBe('Only 3 seats are available; 4 were requested');
  });

  test('before the sale opens: SALE_NOT_OPEN with the opening time', () => {
    event
      .given(onSale(), ctx(shift(PRESALE, -1)))
      .when(best(floor, 1))
      .thenThrows('SALE_NOT_OPEN', { opens_at: PRESALE });
  });

  test('an unpublished event is not found', () => {
    event.given([created()], ctx()).when(best(floor, 1)).thenThrows('EVENT_NOT_FOUND');
  });

  test('more than the event allows per order, counting what the cart holds already', () => {
    event
      .given(onSale({ maxTicketsPerOrder: 3 }), ctx())
      .when(best(floor, 4))
      .thenThrows('PURCHASE_LIMIT_EXCEEDED', { limit: 3, requested: 4, already_held_or_bought: 0 });
    // Another cart is another holder: its own limit.
    event
      .given([...onSale({ maxTicketsPerOrder: 3 }), liveHold('h1', 'cart:c1', ['s1:A:1', 's1:A:2'])], ctx())
      .when(best(floor, 2, 'h2', 'cart:c1'))
      .thenThrows('PURCHASE_LIMIT_EXCEEDED', { already_held_or_bought: 2 });
    expect(
      heldSeats(
        event
          .given(
            [...onSale({ maxTicketsPerOrder: 3 }), liveHold('h1', 'cart:c1', ['s1:A:1', 's1:A:2'])],
            ctx(),
          )
          .when(best(floor, 2, 'h2', 'cart:c2'))
          .events(),
      ),
    ).toEqual(['s1:A:3', 's1:A:4']);
  });

  test('unknown price level or section', () => {
    event
      .given(onSale(), ctx())
      .when(best({ tierId: 't-nope' }, 1))
      .thenThrows('TIER_NOT_FOUND', { tier_id: 't-nope' });
    event
      .given(onSale(), ctx())
      .when(best({ sectionId: 's9' }, 1))
      .thenThrows('SECTION_NOT_FOUND', { section_id: 's9' });
  });

  test('a quantity is a whole number of at least one', () => {
    for (const quantity of [0, 1.5])
      event
        .given(onSale(), ctx())
        .when(best(floor, quantity))
        .thenThrows('VALIDATION_ERROR', { field: 'quantity' });
  });

  test('the per-order limit is checked before the inventory, and exactly the limit is fine', () => {
    const balconyTaken = liveHold('fan', 'fan-1', ['s2:A:1', 's2:A:2', 's2:A:3', 's2:A:4']);
    event
      .given([...onSale({ maxTicketsPerOrder: 3 }), balconyTaken], ctx())
      .when(best({ sectionId: 's2' }, 4))
      .thenThrows('PURCHASE_LIMIT_EXCEEDED', { limit: 3, requested: 4 });
    // The cart holds 2 of 3 already; 2 more are over the limit even where only one seat is left.
    event
      .given(
        [
          ...onSale({ maxTicketsPerOrder: 3 }),
          liveHold('h1', 'cart:c1', ['s1:A:1', 's1:A:2']),
          liveHold('fan', 'fan-1', ['s2:A:1', 's2:A:2', 's2:A:3']),
        ],
        ctx(),
      )
      .when(best({ sectionId: 's2' }, 2, 'h2', 'cart:c1'))
      .thenThrows('PURCHASE_LIMIT_EXCEEDED', { already_held_or_bought: 2 });
    expect(
      heldSeats(
        event
          .given(onSale({ maxTicketsPerOrder: 3 }), ctx())
          .when(best(floor, 3))
          .events(),
      ),
    ).toHaveLength(3);
  });

  test('the same hold decided again (a retried command) records nothing, even at the per-order limit', () => {
    event
      .given([...onSale(), heldNow('cart-hold', 'cart:c1', ['s1:A:1'])], ctx())
      .when(best(floor, 1))
      .thenNothing();
    event
      .given(
        [...onSale({ maxTicketsPerOrder: 2 }), heldNow('cart-hold', 'cart:c1', ['s1:A:1', 's1:A:2'])],
        ctx(),
      )
      .when(best(floor, 2))
      .thenNothing();
  });
});
