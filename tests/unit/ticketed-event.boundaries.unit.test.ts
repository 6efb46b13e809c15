// The ticketed-event decider at its edges: exact instants (a hold at its expiry, a cancellation at a hold's
// expiry), seats passing from one hold to the next, selections that are empty or repeat a seat, the purchase
// limit as orders come and go, and event definitions that are malformed (repeated tier ids, dates that do not parse).
import { ticketedEventDecider } from '../../src/domain/ticketed-event/decide';
import { TICKETED_EVENT_TYPES, type TicketedEventEvent } from '../../src/domain/ticketed-event/events';
import { ticketedEventSnapshots, type TicketedEventState } from '../../src/domain/ticketed-event/state';
import { spec } from '../support/given-when-then';
import {
  NOW,
  SHOW,
  createEvent,
  ctx,
  eventCancelled,
  eventCreated,
  expiredHold,
  hold,
  holdReleased,
  heldNow,
  liveHold,
  onSale,
  seatsHeld,
  seatsReturned,
  seatsSold,
  shift,
} from './fixtures/ticketed-event';

const event = spec(ticketedEventDecider);

describe('a seat passes from one hold to the next', () => {
  test('a seat whose hold was released is held again with no release recorded for the old hold', () => {
    event
      .given(
        [
          ...onSale(),
          liveHold('h0', 'u2', ['s1:A:1', 's1:A:2']),
          holdReleased('h0', 'u2', ['s1:A:1', 's1:A:2'], 'released'),
        ],
        ctx(),
      )
      .when(hold('h1', 'u1', ['s1:A:1']))
      .then([heldNow('h1', 'u1', ['s1:A:1'])]);
  });

  test('the holder of a released hold can hold the same seats again, under a new hold id', () => {
    event
      .given(
        [...onSale(), liveHold('h0', 'u1', ['s1:A:1']), holdReleased('h0', 'u1', ['s1:A:1'], 'released')],
        ctx(),
      )
      .when(hold('h1', 'u1', ['s1:A:1']))
      .then([heldNow('h1', 'u1', ['s1:A:1'])]);
  });

  test('a released hold no longer counts towards its holder’s limit', () => {
    event
      .given(
        [
          ...onSale(),
          liveHold('h0', 'u1', ['s1:A:1', 's1:A:2', 's1:A:3']),
          holdReleased('h0', 'u1', ['s1:A:1', 's1:A:2', 's1:A:3'], 'released'),
        ],
        ctx(),
      )
      .when(hold('h1', 'u1', ['s2:A:1', 's2:A:2', 's2:A:3', 's2:A:4']))
      .then([heldNow('h1', 'u1', ['s2:A:1', 's2:A:2', 's2:A:3', 's2:A:4'])]);
  });

  test('releasing a hold frees only the seats it still holds, not a seat a later hold took', () => {
    // h0 expired unreleased; h1 took s1:A:1 (releasing h0 first). A late release of h0 must leave h1's seat held.
    const history = [
      ...onSale(),
      expiredHold('h0', 'u2', ['s1:A:1']),
      holdReleased('h0', 'u2', ['s1:A:1'], 'expired'),
      liveHold('h1', 'u1', ['s1:A:1']),
      holdReleased('h0', 'u2', ['s1:A:1'], 'expired'),
    ];
    event
      .given(history, ctx())
      .when(hold('h2', 'u3', ['s1:A:1']))
      .thenThrows('SEATS_UNAVAILABLE', { seat_ids: ['s1:A:1'], reason: 'Held by another user' });
  });

  test('an expired hold of several seats is released once, before the new hold, when two of its seats are taken', () => {
    event
      .given([...onSale(), expiredHold('h0', 'u2', ['s1:A:1', 's1:A:2', 's2:A:1'])], ctx())
      .when(hold('h1', 'u1', ['s1:A:1', 's1:A:2']))
      .then([
        holdReleased('h0', 'u2', ['s1:A:1', 's1:A:2', 's2:A:1'], 'expired'),
        heldNow('h1', 'u1', ['s1:A:1', 's1:A:2']),
      ]);
  });
});

describe('holds at exactly their expiry', () => {
  const expiresAt = shift(NOW, 540);
  const history = () => [...onSale(), liveHold('h1', 'u1', ['s1:A:1', 's1:A:2'])];

  test('a hold is sold up to the millisecond before its expiry', () => {
    const justBefore = shift(expiresAt, -0.001);
    event
      .given(history(), ctx(justBefore))
      .when({ type: 'SellHold', holdId: 'h1', orderId: 'o1', totalCents: 32500 })
      .then([
        {
          type: 'SeatsSold',
          data: {
            eventId: 'evt-1',
            holdId: 'h1',
            orderId: 'o1',
            userId: 'u1',
            seatIds: ['s1:A:1', 's1:A:2'],
            soldAt: justBefore,
            totalCents: 32500,
          },
        },
      ]);
  });

  test('a hold sold at exactly its expiry fails with HOLD_EXPIRED', () => {
    event
      .given(history(), ctx(expiresAt))
      .when({ type: 'SellHold', holdId: 'h1', orderId: 'o1', totalCents: 32500 })
      .thenThrows('HOLD_EXPIRED', { reservation_id: 'h1' });
  });

  test('an event cancelled at exactly a hold’s expiry releases that hold as expired, not as cancelled', () => {
    event
      .given(history(), ctx(expiresAt))
      .when({ type: 'CancelEvent', reason: 'Artist ill' })
      .then([
        holdReleased('h1', 'u1', ['s1:A:1', 's1:A:2'], 'expired', expiresAt),
        eventCancelled(expiresAt),
      ]);
  });

  test('an event cancelled a millisecond before a hold’s expiry releases it as event_cancelled', () => {
    const justBefore = shift(expiresAt, -0.001);
    event
      .given(history(), ctx(justBefore))
      .when({ type: 'CancelEvent', reason: 'Artist ill' })
      .then([
        holdReleased('h1', 'u1', ['s1:A:1', 's1:A:2'], 'event_cancelled', justBefore),
        eventCancelled(justBefore),
      ]);
  });

  test('ExpireHolds at exactly a hold’s expiry releases it; a millisecond earlier it records nothing', () => {
    event
      .given(history(), ctx(shift(expiresAt, -0.001)))
      .when({ type: 'ExpireHolds' })
      .thenNothing();
    event
      .given(history(), ctx(expiresAt))
      .when({ type: 'ExpireHolds' })
      .then([holdReleased('h1', 'u1', ['s1:A:1', 's1:A:2'], 'expired', expiresAt)]);
  });

  test('a hold released at exactly its expiry is recorded as expired, a millisecond earlier as asked', () => {
    event
      .given(history(), ctx(expiresAt))
      .when({ type: 'ReleaseHold', holdId: 'h1', reason: 'released' })
      .then([holdReleased('h1', 'u1', ['s1:A:1', 's1:A:2'], 'expired', expiresAt)]);
    const justBefore = shift(expiresAt, -0.001);
    event
      .given(history(), ctx(justBefore))
      .when({ type: 'ReleaseHold', holdId: 'h1', reason: 'order_failed' })
      .then([holdReleased('h1', 'u1', ['s1:A:1', 's1:A:2'], 'order_failed', justBefore)]);
  });

  test('a hold at exactly its expiry no longer counts towards the limit', () => {
    event
      .given([...onSale(), liveHold('h1', 'u1', ['s1:A:1', 's1:A:2', 's1:A:3'])], ctx(expiresAt))
      .when(hold('h2', 'u1', ['s2:A:1', 's2:A:2']))
      .then([seatsHeld('h2', 'u1', ['s2:A:1', 's2:A:2'], expiresAt, shift(expiresAt, 600))]);
  });

  test('a hold one millisecond before its expiry still counts towards the limit', () => {
    event
      .given(
        [...onSale(), liveHold('h1', 'u1', ['s1:A:1', 's1:A:2', 's1:A:3'])],
        ctx(shift(expiresAt, -0.001)),
      )
      .when(hold('h2', 'u1', ['s2:A:1', 's2:A:2']))
      .thenThrows('PURCHASE_LIMIT_EXCEEDED', { limit: 4, already_held_or_bought: 3, requested: 2 });
  });

  test('the sale closes exactly at the event date; a millisecond before, seats can still be held', () => {
    const justBefore = shift(SHOW, -0.001);
    event
      .given(onSale(), ctx(justBefore))
      .when(hold('h1', 'u1', ['s1:A:1']))
      .then([seatsHeld('h1', 'u1', ['s1:A:1'], justBefore, shift(justBefore, 600))]);
  });
});

describe("an order's checkout near the end of its hold", () => {
  const expiresAt = shift(NOW, 540); // liveHold's
  const seatIds = ['s1:A:1', 's1:A:2'];
  const checkout = { type: 'ExtendHoldForCheckout', holdId: 'h1', orderId: 'o1', graceSeconds: 120 } as const;
  const extended = (at: string) => ({
    type: 'HoldExtended' as const,
    data: {
      eventId: 'evt-1',
      holdId: 'h1',
      orderId: 'o1',
      userId: 'u1',
      seatIds,
      expiresAt: shift(at, 120),
      extendedAt: at,
    },
  });
  const history = () => [...onSale(), liveHold('h1', 'u1', seatIds)];

  test('a hold with more than the grace left is not extended', () => {
    event
      .given(history(), ctx(shift(expiresAt, -121)))
      .when(checkout)
      .then([]);
  });

  test('a hold with less left lasts until now + grace, so the sale after its first expiry succeeds', () => {
    const at = shift(expiresAt, -30);
    event
      .given(history(), ctx(at))
      .when(checkout)
      .then([extended(at)]);
    event
      .given([...history(), extended(at)], ctx(shift(expiresAt, 60)))
      .when({ type: 'SellHold', holdId: 'h1', orderId: 'o1', totalCents: 12345 })
      .then([seatsSold('h1', 'o1', 'u1', seatIds, shift(expiresAt, 60))]);
  });

  test('meanwhile nobody else gets the seats, and the expiry job leaves the hold until its new expiry', () => {
    const at = shift(expiresAt, -30);
    const given = [...history(), extended(at)];
    event
      .given(given, ctx(shift(expiresAt, 1)))
      .when(hold('h2', 'u2', ['s1:A:1']))
      .thenThrows('SEATS_UNAVAILABLE');
    event
      .given(given, ctx(shift(at, 119.999)))
      .when({ type: 'ExpireHolds' })
      .then([]);
    event
      .given(given, ctx(shift(at, 120)))
      .when({ type: 'ExpireHolds' })
      .then([holdReleased('h1', 'u1', seatIds, 'expired', shift(at, 120))]);
  });

  test('once per hold: a second checkout does not extend it again', () => {
    const at = shift(expiresAt, -30);
    event
      .given([...history(), extended(at)], ctx(shift(at, 110)))
      .when(checkout)
      .then([]);
  });

  test('an expired or released hold, or a cancelled event, cannot be extended', () => {
    event
      .given(history(), ctx(expiresAt))
      .when(checkout)
      .thenThrows('RESERVATION_EXPIRED', { reservation_id: 'h1' });
    event
      .given([...history(), holdReleased('h1', 'u1', seatIds, 'released', NOW)], ctx())
      .when(checkout)
      .thenThrows('RESERVATION_EXPIRED');
    event
      .given([...history(), eventCancelled(NOW)], ctx())
      .when(checkout)
      .thenThrows('SEATS_GONE');
  });

  test('a snapshot keeps the extended expiry and that the hold was extended', () => {
    const at = shift(expiresAt, -30);
    const folded = event.given([...history(), extended(at)]).state();
    const restored = ticketedEventSnapshots.fromSnapshot(
      JSON.parse(JSON.stringify(ticketedEventSnapshots.toSnapshot(folded))),
    );
    expect(restored.holds.get('h1')).toEqual(folded.holds.get('h1'));
    expect(restored.holds.get('h1')).toMatchObject({
      checkoutOrderId: 'o1',
      expiresAt: Date.parse(shift(at, 120)),
    });
    expect(restored.seats.get('s1:A:1')?.expiresAt).toBe(Date.parse(shift(at, 120)));
  });
});

describe('the selection', () => {
  test('an empty selection fails with VALIDATION_ERROR on seat_ids', () => {
    event
      .given(onSale(), ctx())
      .when(hold('h1', 'u1', []))
      .thenThrows('VALIDATION_ERROR', { field: 'seat_ids' });
  });

  test('a selection naming a seat twice fails with VALIDATION_ERROR on seat_ids', () => {
    event
      .given(onSale(), ctx())
      .when(hold('h1', 'u1', ['s1:A:1', 's1:A:2', 's1:A:1']))
      .thenThrows('VALIDATION_ERROR', { field: 'seat_ids' });
  });

  test('a selection of a single seat is fine', () => {
    event
      .given(onSale(), ctx())
      .when(hold('h1', 'u1', ['s2:A:4']))
      .then([heldNow('h1', 'u1', ['s2:A:4'])]);
  });

  test('a selection of exactly the limit is fine, one more is not', () => {
    const four = ['s1:A:1', 's1:A:2', 's1:A:3', 's1:A:4'];
    event
      .given(onSale(), ctx())
      .when(hold('h1', 'u1', four))
      .then([heldNow('h1', 'u1', four)]);
    event
      .given(onSale(), ctx())
      .when(hold('h1', 'u1', [...four, 's1:A:5']))
      .thenThrows('PURCHASE_LIMIT_EXCEEDED', { limit: 4, already_held_or_bought: 0, requested: 5 });
  });

  test('a taken selection mixing held and sold seats is refused as already purchased, listing both', () => {
    event
      .given(
        [
          ...onSale(),
          liveHold('h0', 'u2', ['s1:A:1']),
          liveHold('h9', 'u3', ['s1:A:2']),
          seatsSold('h9', 'o9', 'u3', ['s1:A:2']),
        ],
        ctx(),
      )
      .when(hold('h1', 'u1', ['s1:A:1', 's1:A:2', 's1:A:3']))
      .thenThrows('SEATS_UNAVAILABLE', {
        seat_ids: ['s1:A:1', 's1:A:2'],
        reason: 'Already purchased by another user',
      });
  });
});

describe('the purchase limit as orders come and go', () => {
  // u1 bought two orders of two Floor seats each: at the limit of 4.
  const twoOrders = () => [
    ...onSale(),
    liveHold('h1', 'u1', ['s1:A:1', 's1:A:2']),
    seatsSold('h1', 'o1', 'u1', ['s1:A:1', 's1:A:2']),
    liveHold('h2', 'u1', ['s1:A:3', 's1:A:4']),
    seatsSold('h2', 'o2', 'u1', ['s1:A:3', 's1:A:4']),
  ];

  test('a buyer at the limit with two orders cannot hold another seat', () => {
    event
      .given(twoOrders(), ctx())
      .when(hold('h3', 'u1', ['s2:A:1']))
      .thenThrows('PURCHASE_LIMIT_EXCEEDED', { already_held_or_bought: 4, requested: 1 });
  });

  test('after one of the two orders is returned, its seats count no more and the other order’s still do', () => {
    const history = [...twoOrders(), seatsReturned('o1', 'u1', ['s1:A:1', 's1:A:2'])];
    event
      .given(history, ctx())
      .when(hold('h3', 'u1', ['s2:A:1', 's2:A:2']))
      .then([heldNow('h3', 'u1', ['s2:A:1', 's2:A:2'])]);
    event
      .given(history, ctx())
      .when(hold('h3', 'u1', ['s2:A:1', 's2:A:2', 's2:A:3']))
      .thenThrows('PURCHASE_LIMIT_EXCEEDED', { already_held_or_bought: 2, requested: 3 });
  });

  test('the returned order’s seats are free again, the other order’s stay sold', () => {
    const history = [...twoOrders(), seatsReturned('o1', 'u1', ['s1:A:1', 's1:A:2'])];
    event
      .given(history, ctx())
      .when(hold('h3', 'u2', ['s1:A:1', 's1:A:2']))
      .then([heldNow('h3', 'u2', ['s1:A:1', 's1:A:2'])]);
    event
      .given(history, ctx())
      .when(hold('h3', 'u2', ['s1:A:3']))
      .thenThrows('SEATS_UNAVAILABLE', { seat_ids: ['s1:A:3'], reason: 'Already purchased by another user' });
  });

  test('a return recorded twice never counts below zero', () => {
    const history = [
      ...onSale(),
      liveHold('h1', 'u1', ['s1:A:1']),
      seatsSold('h1', 'o1', 'u1', ['s1:A:1']),
      seatsReturned('o1', 'u1', ['s1:A:1']),
      seatsReturned('o1', 'u1', ['s1:A:1']),
    ];
    expect(event.given(history).state().soldByUser.get('u1')).toBe(0);
    event
      .given(history, ctx())
      .when(hold('h2', 'u1', ['s2:A:1', 's2:A:2', 's2:A:3', 's2:A:4', 's1:A:6']))
      .thenThrows('PURCHASE_LIMIT_EXCEEDED', { already_held_or_bought: 0, requested: 5 });
  });

  test('a live hold and a bought order both count', () => {
    event
      .given(
        [
          ...onSale(),
          liveHold('h1', 'u1', ['s1:A:1']),
          seatsSold('h1', 'o1', 'u1', ['s1:A:1']),
          liveHold('h2', 'u1', ['s1:A:2', 's1:A:3']),
        ],
        ctx(),
      )
      .when(hold('h3', 'u1', ['s2:A:1', 's2:A:2']))
      .thenThrows('PURCHASE_LIMIT_EXCEEDED', { already_held_or_bought: 3, requested: 2 });
  });
});

describe('event definitions', () => {
  test('two tiers with the same id fail with VALIDATION_ERROR on pricing_tiers', () => {
    event
      .given([], ctx())
      .when(
        createEvent({
          tiers: [
            { tierId: 't-1', name: 'Floor', priceCents: 100, feesCents: 0, sections: ['Floor'] },
            { tierId: 't-1', name: 'Balcony', priceCents: 50, feesCents: 0, sections: ['Balcony'] },
          ],
        }),
      )
      .thenThrows('VALIDATION_ERROR', { field: 'pricing_tiers' });
  });

  test.each([
    ['date', { date: 'next friday' }],
    ['doors_open', { doorsOpen: '2030-13-45T25:00:00Z' }],
    ['presale_start', { presaleStart: 'soon' }],
    ['general_sale_start', { generalSaleStart: '' }],
  ])('an unparseable %s fails with VALIDATION_ERROR naming that field', (field, overrides) => {
    event.given([], ctx()).when(createEvent(overrides)).thenThrows('VALIDATION_ERROR', { field });
  });

  test('doors and presale are optional (null)', () => {
    const [created] = event
      .given([], ctx())
      .when(createEvent({ doorsOpen: null, presaleStart: null }))
      .events();
    expect(created).toMatchObject({ type: 'EventCreated', data: { doorsOpen: null, presaleStart: null } });
  });

  test('the general sale opening exactly at the event date fails with VALIDATION_ERROR on general_sale_start', () => {
    event
      .given([], ctx())
      .when(createEvent({ presaleStart: null, generalSaleStart: SHOW }))
      .thenThrows('VALIDATION_ERROR', { field: 'general_sale_start' });
  });

  test('a general sale opening at the event date fails even with a presale before it', () => {
    event
      .given([], ctx())
      .when(createEvent({ presaleStart: shift(SHOW, -3600), generalSaleStart: SHOW }))
      .thenThrows('VALIDATION_ERROR', { field: 'general_sale_start' });
  });

  test('a presale at the event date fails even when the general sale opens before it', () => {
    event
      .given([], ctx())
      .when(createEvent({ presaleStart: SHOW, generalSaleStart: shift(SHOW, -3600) }))
      .thenThrows('VALIDATION_ERROR', { field: 'presale_start' });
  });

  test('a presale opening with the general sale is fine; doors opening exactly at the start are fine', () => {
    const sale = shift(SHOW, -86400);
    const [created] = event
      .given([], ctx())
      .when(createEvent({ presaleStart: sale, generalSaleStart: sale, doorsOpen: SHOW }))
      .events();
    expect(created).toMatchObject({ data: { presaleStart: sale, generalSaleStart: sale, doorsOpen: SHOW } });
  });

  test('an event that starts now or earlier fails with VALIDATION_ERROR on date; a millisecond later is fine', () => {
    for (const date of [NOW, shift(NOW, -86400)])
      event
        .given([], ctx())
        .when(createEvent({ date, doorsOpen: null, presaleStart: null, generalSaleStart: shift(NOW, -3600) }))
        .thenThrows('VALIDATION_ERROR', { field: 'date' });
    const date = shift(NOW, 0.001);
    const [created] = event
      .given([], ctx())
      .when(createEvent({ date, doorsOpen: null, presaleStart: null, generalSaleStart: shift(NOW, -3600) }))
      .events();
    expect(created).toMatchObject({ type: 'EventCreated', data: { date } });
  });

  test('two pricing tiers of one name (whatever the case and spaces) fail with VALIDATION_ERROR', () => {
    const tier = (tierId: string, name: string, section: string) => ({
      tierId,
      name,
      priceCents: 1000,
      feesCents: 100,
      sections: [section],
    });
    const floorAndBalcony = (second: string) =>
      createEvent({ tiers: [tier('t1', 'Standard', 'Floor'), tier('t2', second, 'Balcony')] });
    event
      .given([], ctx())
      .when(floorAndBalcony(' standard '))
      .thenThrows('VALIDATION_ERROR', { field: 'pricing_tiers' });
    expect(event.given([], ctx()).when(floorAndBalcony('Premium')).events()).toHaveLength(1);
  });

  test('doors opening a millisecond after the start fail with VALIDATION_ERROR on doors_open', () => {
    event
      .given([], ctx())
      .when(createEvent({ doorsOpen: shift(SHOW, 0.001) }))
      .thenThrows('VALIDATION_ERROR', { field: 'doors_open' });
  });

  test('a section is found by its name whatever the case and surrounding spaces', () => {
    const [created] = event
      .given([], ctx())
      .when(
        createEvent({
          tiers: [
            {
              tierId: 't',
              name: 'All',
              priceCents: 1,
              feesCents: 0,
              sections: ['  FLOOR', 'obstructed view '],
            },
          ],
        }),
      )
      .events();
    expect(created).toMatchObject({ data: { tiers: [{ tierId: 't', sectionIds: ['s1', 's3'] }] } });
  });

  test('a tier naming a section only close to the venue’s (“Floors” for “Floor”) fails with VALIDATION_ERROR', () => {
    event
      .given([], ctx())
      .when(
        createEvent({
          tiers: [{ tierId: 't', name: 'All', priceCents: 1, feesCents: 0, sections: ['Floors'] }],
        }),
      )
      .thenThrows('VALIDATION_ERROR', { field: 'pricing_tiers' });
  });

  test('creating an event on a stream that already holds one fails with EVENT_EXISTS, naming the id asked for', () => {
    event
      .given([eventCreated()], ctx())
      .when(createEvent({ eventId: 'evt-2' }))
      .thenThrows('EVENT_EXISTS', { event_id: 'evt-2' });
  });
});

describe('event types, and decisions that need a seat index', () => {
  test('TICKETED_EVENT_TYPES lists every ticketed-event event type once', () => {
    // A Record over the union: adding an event type without listing it here does not compile.
    const every: Record<TicketedEventEvent['type'], true> = {
      EventCreated: true,
      EventPublished: true,
      EventCancelled: true,
      SeatsHeld: true,
      HoldExtended: true,
      HoldReleased: true,
      SeatsSold: true,
      SeatsReturned: true,
    };
    expect([...TICKETED_EVENT_TYPES].sort()).toEqual(Object.keys(every).sort());
  });

  test('holding seats without the venue’s seat index is a programming error, not a refusal', () => {
    const state = event.given(onSale()).state();
    expect(() =>
      ticketedEventDecider.decide(hold('h1', 'u1', ['s1:A:1']), state, { now: new Date(NOW) }),
    ).toThrow('Seat index missing from context');
  });

  test('a venue section whose name has surrounding spaces is found by its trimmed name', () => {
    const spaced = {
      ...createEvent().venue,
      sections: createEvent().venue.sections.map((s) => ({ ...s, name: `  ${s.name} ` })),
    };
    const [created] = event
      .given([], ctx())
      .when(createEvent({ venue: spaced }))
      .events();
    expect(created).toMatchObject({ data: { tiers: [{ sectionIds: ['s1'] }, { sectionIds: ['s2'] }] } });
  });
});

describe('releases and returns folded onto seats that moved on', () => {
  test('a hold released twice folds, and its seats stay free', () => {
    const release = holdReleased('h0', 'u2', ['s1:A:1'], 'released');
    event
      .given([...onSale(), liveHold('h0', 'u2', ['s1:A:1']), release, release], ctx())
      .when(hold('h1', 'u2', ['s1:A:1', 's1:A:2', 's1:A:3', 's1:A:4']))
      .then([heldNow('h1', 'u2', ['s1:A:1', 's1:A:2', 's1:A:3', 's1:A:4'])]);
  });

  test('a return recorded again after the seats were sold to someone else leaves that sale alone', () => {
    const history = [
      ...onSale(),
      liveHold('h1', 'u1', ['s1:A:1']),
      seatsSold('h1', 'o1', 'u1', ['s1:A:1']),
      seatsReturned('o1', 'u1', ['s1:A:1']),
      liveHold('h2', 'u2', ['s1:A:1']),
      seatsSold('h2', 'o2', 'u2', ['s1:A:1']),
      seatsReturned('o1', 'u1', ['s1:A:1']),
    ];
    event
      .given(history, ctx())
      .when(hold('h3', 'u3', ['s1:A:1']))
      .thenThrows('SEATS_UNAVAILABLE', { reason: 'Already purchased by another user' });
  });

  test('a failed order’s release of a sold hold records nothing (the sale stands)', () => {
    event
      .given([...onSale(), liveHold('h1', 'u1', ['s1:A:1']), seatsSold('h1', 'o1', 'u1', ['s1:A:1'])], ctx())
      .when({ type: 'ReleaseHold', holdId: 'h1', reason: 'order_failed' })
      .thenNothing();
  });
});

describe('snapshots at the edges', () => {
  const roundTrip = (state: TicketedEventState) =>
    ticketedEventSnapshots.fromSnapshot(JSON.parse(JSON.stringify(ticketedEventSnapshots.toSnapshot(state))));

  test('a snapshot of a stream with no events restores an empty state', () => {
    const restored = roundTrip(event.given([]).state());
    expect(restored).toEqual(ticketedEventDecider.initialState());
    expect(() => ticketedEventDecider.decide({ type: 'PublishEvent' }, restored, ctx())).toThrow(
      'Event not found',
    );
  });

  test('a restored state still knows a hold was ordered after its order’s seats were returned', () => {
    const history = [
      ...onSale(),
      liveHold('h1', 'u1', ['s1:A:1']),
      seatsSold('h1', 'o1', 'u1', ['s1:A:1']),
      seatsReturned('o1', 'u1', ['s1:A:1']),
    ];
    const release = { type: 'ReleaseHold', holdId: 'h1', reason: 'released' } as const;
    event.given(history, ctx()).when(release).thenThrows('RESERVATION_ALREADY_ORDERED');
    const restored = roundTrip(event.given(history).state());
    expect(restored.soldHolds).toEqual(new Map([['h1', 'o1']]));
    expect(() => ticketedEventDecider.decide(release, restored, ctx())).toThrow(
      expect.objectContaining({ code: 'RESERVATION_ALREADY_ORDERED' }),
    );
  });

  test('a restored state still knows which holds were sold, and to which order', () => {
    const folded = event
      .given([...onSale(), liveHold('h1', 'u1', ['s1:A:1']), seatsSold('h1', 'o1', 'u1', ['s1:A:1'])])
      .state();
    const restored = roundTrip(folded);
    expect(restored.soldHolds).toEqual(new Map([['h1', 'o1']]));
    expect(restored.soldHolds).toEqual(folded.soldHolds);
  });
});
