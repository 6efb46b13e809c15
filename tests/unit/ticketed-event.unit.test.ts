import { DomainError } from '../../src/domain/shared/errors';
import { ticketedEventDecider, type TicketedEventCommand } from '../../src/domain/ticketed-event/decide';
import type { TicketedEventEvent } from '../../src/domain/ticketed-event/events';
import { ticketedEventSnapshots, type TicketedEventState } from '../../src/domain/ticketed-event/state';
import { spec } from '../support/given-when-then';
import {
  CREATED_AT,
  PRESALE,
  GENERAL_SALE,
  NOW,
  DOORS,
  SHOW,
  shift,
  ctx,
  EVENT_ID,
  FLOOR,
  BALCONY,
  createEvent,
  hold,
  eventCreated,
  eventPublished,
  eventCancelled,
  seatsHeld,
  liveHold,
  expiredHold,
  heldNow,
  holdReleased,
  seatsSold,
  seatsReturned,
  onSale,
  onSaleNoGaps,
} from './fixtures/ticketed-event';

const event = spec(ticketedEventDecider);

// ---------------------------------------------------------------------------------------------------------

describe('CreateEvent', () => {
  test('records EventCreated with tiers mapped to section ids, prices in cents, and the venue capacity', () => {
    event
      .given([], ctx(CREATED_AT))
      .when(createEvent())
      .then([
        {
          type: 'EventCreated',
          data: {
            eventId: 'evt-1',
            name: 'Night Owls Live',
            artist: 'Night Owls',
            description: 'The farewell tour',
            category: 'concert',
            venueId: 'venue-1',
            venueName: 'Harbour Hall',
            city: 'Portland',
            state: 'OR',
            country: 'US',
            date: SHOW,
            doorsOpen: DOORS,
            presaleStart: PRESALE,
            generalSaleStart: GENERAL_SALE,
            tiers: [
              { tierId: 't-floor', name: 'Floor', priceCents: 15000, feesCents: 1250, sectionIds: ['s1'] },
              { tierId: 't-balcony', name: 'Balcony', priceCents: 5000, feesCents: 500, sectionIds: ['s2'] },
            ],
            maxTicketsPerOrder: 4,
            restrictSingleSeat: false,
            queue: { enabled: true, admissionPerMinute: 500 },
            capacity: 14,
            createdAt: CREATED_AT,
            // The partner channel flags are recorded with their defaults filled in.
            internetEnabled: true,
            emitsBarcodes: true,
            captchaRequired: false,
          },
        },
      ]);
  });

  test('records the partner channel flags it is given', () => {
    const [created] = event
      .given([], ctx(CREATED_AT))
      .when({ ...createEvent(), internetEnabled: false, emitsBarcodes: false, captchaRequired: true })
      .events();
    expect(created.data).toMatchObject({
      internetEnabled: false,
      emitsBarcodes: false,
      captchaRequired: true,
    });
  });

  test('a presale-only event (no general sale) is recorded; an event with no sale date at all is refused', () => {
    const [created] = event
      .given([], ctx(CREATED_AT))
      .when(createEvent({ generalSaleStart: null }))
      .events();
    expect(created.data).toMatchObject({ presaleStart: PRESALE, generalSaleStart: null });
    event
      .given([], ctx(CREATED_AT))
      .when(createEvent({ generalSaleStart: null, presaleStart: null }))
      .thenThrows('VALIDATION_ERROR', { field: 'general_sale_start' });
    event
      .given([], ctx(CREATED_AT))
      .when(createEvent({ generalSaleStart: null, presaleStart: SHOW }))
      .thenThrows('VALIDATION_ERROR', { field: 'presale_start' });
  });

  test('a tier naming a section the venue does not have fails with VALIDATION_ERROR', () => {
    event
      .given([], ctx(CREATED_AT))
      .when(createEvent({ tiers: [{ tierId: 't1', name: 'Pit', ...FLOOR, sections: ['Pit'] }] }))
      .thenThrows('VALIDATION_ERROR', { field: 'pricing_tiers' });
  });

  test('a section priced by two tiers fails with VALIDATION_ERROR', () => {
    event
      .given([], ctx(CREATED_AT))
      .when(
        createEvent({
          tiers: [
            { tierId: 't1', name: 'Floor', ...FLOOR, sections: ['Floor'] },
            { tierId: 't2', name: 'Everything', ...BALCONY, sections: ['Balcony', 'FLOOR'] },
          ],
        }),
      )
      .thenThrows('VALIDATION_ERROR', { field: 'pricing_tiers' });
  });

  test('a presale starting after the general sale fails with VALIDATION_ERROR', () => {
    event
      .given([], ctx(CREATED_AT))
      .when(createEvent({ presaleStart: shift(GENERAL_SALE, 1) }))
      .thenThrows('VALIDATION_ERROR', { field: 'presale_start' });
  });

  test('a sale opening at or after the event date fails with VALIDATION_ERROR', () => {
    event
      .given([], ctx(CREATED_AT))
      .when(createEvent({ presaleStart: null, generalSaleStart: SHOW }))
      .thenThrows('VALIDATION_ERROR', { field: 'general_sale_start' });
  });

  test('doors opening after the event starts fails with VALIDATION_ERROR', () => {
    event
      .given([], ctx(CREATED_AT))
      .when(createEvent({ doorsOpen: shift(SHOW, 60) }))
      .thenThrows('VALIDATION_ERROR', { field: 'doors_open' });
  });

  test('creating an event that exists fails with EVENT_EXISTS', () => {
    event
      .given([eventCreated()], ctx(CREATED_AT))
      .when(createEvent())
      .thenThrows('EVENT_EXISTS', { event_id: EVENT_ID });
  });
});

describe('PublishEvent and missing events', () => {
  test('PublishEvent records EventPublished', () => {
    event.given([eventCreated()], ctx(CREATED_AT)).when({ type: 'PublishEvent' }).then([eventPublished]);
  });

  test('publishing a published event records nothing', () => {
    event.given(onSale(), ctx()).when({ type: 'PublishEvent' }).thenNothing();
  });

  test('a cancelled event cannot be published', () => {
    event
      .given([eventCreated(), eventCancelled()], ctx())
      .when({ type: 'PublishEvent' })
      .thenThrows('EVENT_CANCELLED');
  });

  test.each<[string, TicketedEventCommand]>([
    ['PublishEvent', { type: 'PublishEvent' }],
    ['CancelEvent', { type: 'CancelEvent', reason: 'x' }],
    ['HoldSeats', hold('h1', 'u1', ['s1:A:1'])],
    ['ReleaseHold', { type: 'ReleaseHold', holdId: 'h1', reason: 'released' }],
    ['ExpireHolds', { type: 'ExpireHolds' }],
    ['SellHold', { type: 'SellHold', holdId: 'h1', orderId: 'o1', totalCents: 100 }],
    ['ReturnSeats', { type: 'ReturnSeats', orderId: 'o1' }],
  ])('%s on an event that does not exist fails with EVENT_NOT_FOUND', (_name, command) => {
    event.given([], ctx()).when(command).thenThrows('EVENT_NOT_FOUND');
  });

  test('holding seats of an unpublished (draft) event fails with EVENT_NOT_FOUND', () => {
    event
      .given([eventCreated()], ctx())
      .when(hold('h1', 'u1', ['s1:A:1']))
      .thenThrows('EVENT_NOT_FOUND');
  });
});

describe('HoldSeats', () => {
  test('records SeatsHeld expiring holdSeconds from now, with price and fees summed per tier', () => {
    event
      .given(onSale(), ctx())
      .when(hold('h1', 'u1', ['s1:A:1', 's1:A:2', 's2:A:1'], 300))
      .then([
        {
          type: 'SeatsHeld',
          data: {
            eventId: EVENT_ID,
            holdId: 'h1',
            userId: 'u1',
            seatIds: ['s1:A:1', 's1:A:2', 's2:A:1'],
            heldAt: NOW,
            expiresAt: '2030-03-01T12:05:00.000Z',
            subtotalCents: 15000 + 15000 + 5000,
            feesCents: 1250 + 1250 + 500,
          },
        },
      ]);
  });

  test('the same hold decided twice (a retried command) records nothing the second time', () => {
    event
      .given([...onSale(), liveHold('h1', 'u1', ['s1:A:1'])], ctx())
      .when(hold('h1', 'u1', ['s1:A:1']))
      .thenNothing();
  });

  test('a seat held by someone else fails with SEATS_UNAVAILABLE listing exactly the held seats', () => {
    event
      .given([...onSale(), liveHold('h-other', 'u2', ['s1:A:1', 's1:A:2'])], ctx())
      .when(hold('h1', 'u1', ['s1:A:2', 's1:A:3']))
      .thenThrows('SEATS_UNAVAILABLE', { seat_ids: ['s1:A:2'], reason: 'Held by another user' });
  });

  test("the buyer's own held or bought seats are refused as theirs, not as another user's", () => {
    event
      .given([...onSale(), liveHold('h-mine', 'u1', ['s1:A:1', 's1:A:2'])], ctx())
      .when(hold('h1', 'u1', ['s1:A:2', 's1:A:3']))
      .thenThrows('SEATS_UNAVAILABLE', { seat_ids: ['s1:A:2'], reason: 'Already held by you' });
    event
      .given(
        [
          ...onSale(),
          liveHold('h-mine', 'u1', ['s1:B:1', 's1:B:2']),
          seatsSold('h-mine', 'o-mine', 'u1', ['s1:B:1', 's1:B:2']),
        ],
        ctx(),
      )
      .when(hold('h1', 'u1', ['s1:B:2', 's1:A:3']))
      .thenThrows('SEATS_UNAVAILABLE', { seat_ids: ['s1:B:2'], reason: 'Already purchased by you' });
    // Someone else's seat among them: the answer is about that one.
    event
      .given(
        [...onSale(), liveHold('h-mine', 'u1', ['s1:A:1']), liveHold('h-other', 'u2', ['s1:A:2'])],
        ctx(),
      )
      .when(hold('h1', 'u1', ['s1:A:1', 's1:A:2']))
      .thenThrows('SEATS_UNAVAILABLE', { seat_ids: ['s1:A:1', 's1:A:2'], reason: 'Held by another user' });
  });

  test('a sold seat fails with SEATS_UNAVAILABLE, reason already purchased', () => {
    event
      .given(
        [
          ...onSale(),
          liveHold('h-other', 'u2', ['s1:B:1', 's1:B:2']),
          seatsSold('h-other', 'o-other', 'u2', ['s1:B:1', 's1:B:2']),
        ],
        ctx(),
      )
      .when(hold('h1', 'u1', ['s1:A:1', 's1:B:2']))
      .thenThrows('SEATS_UNAVAILABLE', { seat_ids: ['s1:B:2'], reason: 'Already purchased by another user' });
  });

  test('a seat whose hold expired is free: its old hold is released as expired before the new one', () => {
    event
      .given([...onSale(), expiredHold('h-old', 'u2', ['s1:A:1', 's1:A:2'])], ctx())
      .when(hold('h1', 'u1', ['s1:A:2', 's1:A:3']))
      .then([
        holdReleased('h-old', 'u2', ['s1:A:1', 's1:A:2'], 'expired'),
        heldNow('h1', 'u1', ['s1:A:2', 's1:A:3']),
      ]);
  });

  test('a hold expiring exactly now no longer holds its seats', () => {
    event
      .given([...onSale(), seatsHeld('h-old', 'u2', ['s1:A:1'], shift(NOW, -600), NOW)], ctx())
      .when(hold('h1', 'u1', ['s1:A:1']))
      .then([holdReleased('h-old', 'u2', ['s1:A:1'], 'expired'), heldNow('h1', 'u1', ['s1:A:1'])]);
  });

  test('seats the venue does not have fail with SEAT_NOT_FOUND listing only the unknown ones', () => {
    event
      .given(onSale(), ctx())
      .when(hold('h1', 'u1', ['s1:A:1', 's1:C:1', 's1:A:7', 's9:A:1']))
      .thenThrows('SEAT_NOT_FOUND', { seat_ids: ['s1:C:1', 's1:A:7', 's9:A:1'] });
  });

  test('seats of a section no tier prices fail with SEATS_UNAVAILABLE, reason not on sale', () => {
    event
      .given(onSale(), ctx())
      .when(hold('h1', 'u1', ['s1:A:1', 's3:A:1']))
      .thenThrows('SEATS_UNAVAILABLE', { seat_ids: ['s3:A:1'], reason: 'Not on sale' });
  });
});

describe('Purchase limit', () => {
  test('requesting more seats than maxTicketsPerOrder fails with PURCHASE_LIMIT_EXCEEDED', () => {
    event
      .given(onSale(), ctx())
      .when(hold('h1', 'u1', ['s1:A:1', 's1:A:2', 's1:A:3', 's1:A:4', 's1:A:5']))
      .thenThrows('PURCHASE_LIMIT_EXCEEDED', { limit: 4, already_held_or_bought: 0, requested: 5 });
  });

  test('seats the user already holds count towards the limit', () => {
    event
      .given([...onSale(), liveHold('h0', 'u1', ['s1:A:1', 's1:A:2', 's1:A:3'])], ctx())
      .when(hold('h1', 'u1', ['s1:B:1', 's1:B:2']))
      .thenThrows('PURCHASE_LIMIT_EXCEEDED', { limit: 4, already_held_or_bought: 3, requested: 2 });
  });

  test('seats the user already bought count towards the limit', () => {
    event
      .given(
        [
          ...onSale(),
          liveHold('h0', 'u1', ['s1:A:1', 's1:A:2', 's1:A:3']),
          seatsSold('h0', 'o0', 'u1', ['s1:A:1', 's1:A:2', 's1:A:3']),
        ],
        ctx(),
      )
      .when(hold('h1', 'u1', ['s1:B:1', 's1:B:2']))
      .thenThrows('PURCHASE_LIMIT_EXCEEDED', { limit: 4, already_held_or_bought: 3, requested: 2 });
  });

  test('expired holds do not count towards the limit', () => {
    event
      .given([...onSale(), expiredHold('h0', 'u1', ['s1:A:1', 's1:A:2', 's1:A:3'])], ctx())
      .when(hold('h1', 'u1', ['s1:B:1', 's1:B:2', 's2:A:1', 's2:A:2']))
      .then([heldNow('h1', 'u1', ['s1:B:1', 's1:B:2', 's2:A:1', 's2:A:2'])]);
  });

  test("other users' holds do not count towards the limit", () => {
    event
      .given([...onSale(), liveHold('h0', 'u2', ['s1:A:1', 's1:A:2', 's1:A:3', 's1:A:4'])], ctx())
      .when(hold('h1', 'u1', ['s2:A:1', 's2:A:2', 's2:A:3', 's2:A:4']))
      .then([heldNow('h1', 'u1', ['s2:A:1', 's2:A:2', 's2:A:3', 's2:A:4'])]);
  });
});

describe('Single-seat gaps (restrictSingleSeat)', () => {
  test('leaving one free seat between the selection and a taken seat fails with SINGLE_SEAT_GAP', () => {
    event
      .given([...onSaleNoGaps(), liveHold('h-other', 'u2', ['s1:A:1'])], ctx())
      .when(hold('h1', 'u1', ['s1:A:3', 's1:A:4']))
      .thenThrows('SINGLE_SEAT_GAP', { seat_ids: ['s1:A:2'] });
  });

  test('leaving one free seat between the selection and the row end fails with SINGLE_SEAT_GAP', () => {
    event
      .given(onSaleNoGaps(), ctx())
      .when(hold('h1', 'u1', ['s2:A:1', 's2:A:2', 's2:A:3']))
      .thenThrows('SINGLE_SEAT_GAP', { seat_ids: ['s2:A:4'] });
  });

  test('leaving one free seat inside the selection fails with SINGLE_SEAT_GAP', () => {
    event
      .given(onSaleNoGaps(), ctx())
      .when(hold('h1', 'u1', ['s1:A:1', 's1:A:3']))
      .thenThrows('SINGLE_SEAT_GAP', { seat_ids: ['s1:A:2'] });
  });

  test('the same selection is fine when restrictSingleSeat is false', () => {
    event
      .given([...onSale(), liveHold('h-other', 'u2', ['s1:A:1'])], ctx())
      .when(hold('h1', 'u1', ['s1:A:3', 's1:A:4']))
      .then([heldNow('h1', 'u1', ['s1:A:3', 's1:A:4'])]);
  });

  test('a lone seat that was already orphaned before the request is not the selection’s fault', () => {
    // s1:A:1 is already alone: s1:A:2 is held. The selection starts at s1:A:3, not next to it.
    event
      .given([...onSaleNoGaps(), liveHold('h-other', 'u2', ['s1:A:2'])], ctx())
      .when(hold('h1', 'u1', ['s1:A:3', 's1:A:4', 's1:A:5', 's1:A:6']))
      .then([heldNow('h1', 'u1', ['s1:A:3', 's1:A:4', 's1:A:5', 's1:A:6'])]);
  });

  test('taking a whole row is fine', () => {
    event
      .given(onSaleNoGaps(), ctx())
      .when(hold('h1', 'u1', ['s1:B:1', 's1:B:2']))
      .then([heldNow('h1', 'u1', ['s1:B:1', 's1:B:2'])]);
  });

  test('a seat of an expired hold counts as free, so the seat next to it is not orphaned', () => {
    event
      .given([...onSaleNoGaps(), expiredHold('h-old', 'u2', ['s1:A:1'])], ctx())
      .when(hold('h1', 'u1', ['s1:A:3', 's1:A:4']))
      .then([heldNow('h1', 'u1', ['s1:A:3', 's1:A:4'])]);
  });
});

describe('Sale window', () => {
  test('holding before the presale opens fails with SALE_NOT_OPEN', () => {
    event
      .given(onSale(), ctx(shift(PRESALE, -1)))
      .when(hold('h1', 'u1', ['s1:A:1']))
      .thenThrows('SALE_NOT_OPEN', { opens_at: PRESALE });
  });

  test('the sale opens exactly at presaleStart', () => {
    event
      .given(onSale(), ctx(PRESALE))
      .when(hold('h1', 'u1', ['s1:A:1']))
      .then([seatsHeld('h1', 'u1', ['s1:A:1'], PRESALE, shift(PRESALE, 600))]);
  });

  test('without a presale, holding before the general sale opens fails with SALE_NOT_OPEN', () => {
    event
      .given([eventCreated({ presaleStart: null }), eventPublished], ctx('2030-02-05T00:00:00.000Z'))
      .when(hold('h1', 'u1', ['s1:A:1']))
      .thenThrows('SALE_NOT_OPEN', { opens_at: GENERAL_SALE });
  });

  test('holding at or after the event date fails with SALE_NOT_OPEN', () => {
    event
      .given(onSale(), ctx(SHOW))
      .when(hold('h1', 'u1', ['s1:A:1']))
      .thenThrows('SALE_NOT_OPEN', { event_date: SHOW });
  });
});

describe('Cancelled events', () => {
  test('holding seats of a cancelled event fails with SEATS_GONE', () => {
    event
      .given([...onSale(), eventCancelled()], ctx())
      .when(hold('h1', 'u1', ['s1:A:1']))
      .thenThrows('SEATS_GONE', { seat_ids: ['s1:A:1'] });
  });

  test('selling a hold of a cancelled event fails with SEATS_GONE', () => {
    const history = [...onSale(), liveHold('h1', 'u1', ['s1:A:1'])];
    // The cancellation released the hold; a payment arriving afterwards must not sell it.
    history.push(holdReleased('h1', 'u1', ['s1:A:1'], 'event_cancelled'), eventCancelled());
    event
      .given(history, ctx())
      .when({ type: 'SellHold', holdId: 'h1', orderId: 'o1', totalCents: 16250 })
      .thenThrows('SEATS_GONE');
  });

  test('CancelEvent releases live holds as event_cancelled, then records EventCancelled', () => {
    event
      .given(
        [...onSale(), liveHold('h1', 'u1', ['s1:A:1']), liveHold('h2', 'u2', ['s2:A:1', 's2:A:2'])],
        ctx(),
      )
      .when({ type: 'CancelEvent', reason: 'Artist ill' })
      .then([
        holdReleased('h1', 'u1', ['s1:A:1'], 'event_cancelled'),
        holdReleased('h2', 'u2', ['s2:A:1', 's2:A:2'], 'event_cancelled'),
        eventCancelled(NOW, 'Artist ill'),
      ]);
  });

  test('CancelEvent releases holds that already expired as expired', () => {
    event
      .given([...onSale(), expiredHold('h0', 'u3', ['s1:B:1']), liveHold('h1', 'u1', ['s1:A:1'])], ctx())
      .when({ type: 'CancelEvent', reason: 'Venue flooded' })
      .then([
        holdReleased('h0', 'u3', ['s1:B:1'], 'expired'),
        holdReleased('h1', 'u1', ['s1:A:1'], 'event_cancelled'),
        eventCancelled(NOW, 'Venue flooded'),
      ]);
  });

  test('cancelling a cancelled event fails with EVENT_CANCELLED', () => {
    event
      .given([...onSale(), eventCancelled()], ctx())
      .when({ type: 'CancelEvent', reason: 'again' })
      .thenThrows('EVENT_CANCELLED');
  });
});

describe('ReleaseHold and ExpireHolds', () => {
  test('ReleaseHold records HoldReleased with the given reason', () => {
    event
      .given([...onSale(), liveHold('h1', 'u1', ['s1:A:1', 's1:A:2'])], ctx())
      .when({ type: 'ReleaseHold', holdId: 'h1', reason: 'released' })
      .then([holdReleased('h1', 'u1', ['s1:A:1', 's1:A:2'], 'released')]);
  });

  test('releasing a hold that does not exist records nothing', () => {
    event
      .given(onSale(), ctx())
      .when({ type: 'ReleaseHold', holdId: 'nope', reason: 'released' })
      .thenNothing();
  });

  test('releasing a hold that was already released records nothing', () => {
    event
      .given(
        [...onSale(), liveHold('h1', 'u1', ['s1:A:1']), holdReleased('h1', 'u1', ['s1:A:1'], 'released')],
        ctx(),
      )
      .when({ type: 'ReleaseHold', holdId: 'h1', reason: 'order_failed' })
      .thenNothing();
  });

  test('releasing a hold that has expired records it as expired', () => {
    event
      .given([...onSale(), expiredHold('h1', 'u1', ['s1:A:1'])], ctx())
      .when({ type: 'ReleaseHold', holdId: 'h1', reason: 'order_failed' })
      .then([holdReleased('h1', 'u1', ['s1:A:1'], 'expired')]);
  });

  test('ExpireHolds releases every expired hold as expired, and no live one', () => {
    event
      .given(
        [
          ...onSale(),
          expiredHold('h1', 'u1', ['s1:A:1']),
          liveHold('h2', 'u2', ['s1:A:2']),
          expiredHold('h3', 'u3', ['s2:A:1', 's2:A:2']),
          seatsHeld('h4', 'u4', ['s2:A:3'], shift(NOW, -600), NOW), // expires exactly now
        ],
        ctx(),
      )
      .when({ type: 'ExpireHolds' })
      .then([
        holdReleased('h1', 'u1', ['s1:A:1'], 'expired'),
        holdReleased('h3', 'u3', ['s2:A:1', 's2:A:2'], 'expired'),
        holdReleased('h4', 'u4', ['s2:A:3'], 'expired'),
      ]);
  });

  test('ExpireHolds records nothing when every hold is live', () => {
    event
      .given([...onSale(), liveHold('h1', 'u1', ['s1:A:1'])], ctx())
      .when({ type: 'ExpireHolds' })
      .thenNothing();
  });
});

describe('SellHold and ReturnSeats', () => {
  test('SellHold records SeatsSold for the hold’s seats and user', () => {
    event
      .given([...onSale(), liveHold('h1', 'u1', ['s1:A:1', 's1:A:2'])], ctx())
      .when({ type: 'SellHold', holdId: 'h1', orderId: 'o1', totalCents: 32500 })
      .then([
        {
          type: 'SeatsSold',
          data: {
            eventId: EVENT_ID,
            holdId: 'h1',
            orderId: 'o1',
            userId: 'u1',
            seatIds: ['s1:A:1', 's1:A:2'],
            soldAt: NOW,
            totalCents: 32500,
          },
        },
      ]);
  });

  test('selling the same order twice records nothing the second time', () => {
    event
      .given([...onSale(), liveHold('h1', 'u1', ['s1:A:1']), seatsSold('h1', 'o1', 'u1', ['s1:A:1'])], ctx())
      .when({ type: 'SellHold', holdId: 'h1', orderId: 'o1', totalCents: 16250 })
      .thenNothing();
  });

  test('selling an expired hold fails with HOLD_EXPIRED', () => {
    event
      .given([...onSale(), expiredHold('h1', 'u1', ['s1:A:1'])], ctx())
      .when({ type: 'SellHold', holdId: 'h1', orderId: 'o1', totalCents: 16250 })
      .thenThrows('HOLD_EXPIRED', { reservation_id: 'h1' });
  });

  test('selling a hold that no longer exists fails with HOLD_EXPIRED', () => {
    event
      .given(
        [...onSale(), liveHold('h1', 'u1', ['s1:A:1']), holdReleased('h1', 'u1', ['s1:A:1'], 'released')],
        ctx(),
      )
      .when({ type: 'SellHold', holdId: 'h1', orderId: 'o1', totalCents: 16250 })
      .thenThrows('HOLD_EXPIRED', { reservation_id: 'h1' });
  });

  const soldToU1 = () => [
    ...onSale(),
    liveHold('h1', 'u1', ['s1:A:1', 's1:A:2']),
    seatsSold('h1', 'o1', 'u1', ['s1:A:1', 's1:A:2']),
  ];

  test('ReturnSeats records SeatsReturned for the order’s seats', () => {
    event
      .given(soldToU1(), ctx())
      .when({ type: 'ReturnSeats', orderId: 'o1' })
      .then([
        {
          type: 'SeatsReturned',
          data: {
            eventId: EVENT_ID,
            orderId: 'o1',
            userId: 'u1',
            seatIds: ['s1:A:1', 's1:A:2'],
            returnedAt: NOW,
          },
        },
      ]);
  });

  test('returned seats are free again', () => {
    event
      .given([...soldToU1(), seatsReturned('o1', 'u1', ['s1:A:1', 's1:A:2'])], ctx())
      .when(hold('h2', 'u2', ['s1:A:1', 's1:A:2']))
      .then([heldNow('h2', 'u2', ['s1:A:1', 's1:A:2'])]);
  });

  test('returned seats no longer count towards the buyer’s limit', () => {
    event
      .given([...soldToU1(), seatsReturned('o1', 'u1', ['s1:A:1', 's1:A:2'])], ctx())
      .when(hold('h2', 'u1', ['s2:A:1', 's2:A:2', 's2:A:3', 's2:A:4']))
      .then([heldNow('h2', 'u1', ['s2:A:1', 's2:A:2', 's2:A:3', 's2:A:4'])]);
  });

  test('returning the same order twice records nothing the second time', () => {
    event
      .given([...soldToU1(), seatsReturned('o1', 'u1', ['s1:A:1', 's1:A:2'])], ctx())
      .when({ type: 'ReturnSeats', orderId: 'o1' })
      .thenNothing();
  });

  test('selling a returned order again is refused (SEATS_RETURNED): its seats are back on sale', () => {
    event
      .given([...soldToU1(), seatsReturned('o1', 'u1', ['s1:A:1', 's1:A:2'])], ctx())
      .when({ type: 'SellHold', holdId: 'h1', orderId: 'o1', totalCents: 32500 })
      .thenThrows('SEATS_RETURNED', { order_id: 'o1' });
  });
});

describe('Snapshots', () => {
  // u1 holds two Floor seats and bought one; u2's Balcony hold expired unreleased; u3's order was returned.
  const history = (): TicketedEventEvent[] => [
    ...onSale(),
    liveHold('h-live', 'u1', ['s1:A:2', 's1:A:1']),
    expiredHold('h-exp', 'u2', ['s2:A:1', 's2:A:2']),
    liveHold('h-sold', 'u1', ['s1:B:1']),
    seatsSold('h-sold', 'o-1', 'u1', ['s1:B:1']),
    liveHold('h-ret', 'u3', ['s1:A:5', 's1:A:6']),
    seatsSold('h-ret', 'o-2', 'u3', ['s1:A:5', 's1:A:6']),
    seatsReturned('o-2', 'u3', ['s1:A:5', 's1:A:6']),
  ];

  const folded = (): TicketedEventState =>
    history().reduce(ticketedEventDecider.evolve, ticketedEventDecider.initialState());
  const restored = (): TicketedEventState =>
    ticketedEventSnapshots.fromSnapshot(
      JSON.parse(JSON.stringify(ticketedEventSnapshots.toSnapshot(folded()))),
    );

  type Outcome = { events: TicketedEventEvent[] } | { code: string; details: Record<string, unknown> };
  const outcome = (command: TicketedEventCommand, state: TicketedEventState): Outcome => {
    try {
      return { events: ticketedEventDecider.decide(command, state, ctx()) };
    } catch (error) {
      if (error instanceof DomainError) return { code: error.code, details: error.details };
      throw error;
    }
  };

  test.each<[string, TicketedEventCommand, string[] | string]>([
    ['hold a held seat', hold('h9', 'u2', ['s1:A:1']), 'SEATS_UNAVAILABLE'],
    ['hold a sold seat', hold('h9', 'u2', ['s1:B:1']), 'SEATS_UNAVAILABLE'],
    [
      'hold past the limit (2 held + 1 bought)',
      hold('h9', 'u1', ['s1:A:3', 's1:A:4']),
      'PURCHASE_LIMIT_EXCEEDED',
    ],
    ['hold up to the limit', hold('h9', 'u1', ['s1:A:3']), ['SeatsHeld']],
    ['hold seats of an expired hold', hold('h9', 'u3', ['s2:A:2']), ['HoldReleased', 'SeatsHeld']],
    ['hold returned seats', hold('h9', 'u3', ['s1:A:5', 's1:A:6']), ['SeatsHeld']],
    ['retry a live hold', hold('h-live', 'u1', ['s1:A:2', 's1:A:1']), []],
    [
      'sell the live hold',
      { type: 'SellHold', holdId: 'h-live', orderId: 'o-3', totalCents: 1 },
      ['SeatsSold'],
    ],
    [
      'sell the expired hold',
      { type: 'SellHold', holdId: 'h-exp', orderId: 'o-4', totalCents: 1 },
      'HOLD_EXPIRED',
    ],
    ['sell a sold order again', { type: 'SellHold', holdId: 'h-sold', orderId: 'o-1', totalCents: 1 }, []],
    [
      'sell a returned order again',
      { type: 'SellHold', holdId: 'h-ret', orderId: 'o-2', totalCents: 1 },
      'SEATS_RETURNED',
    ],
    ['return a sold order', { type: 'ReturnSeats', orderId: 'o-1' }, ['SeatsReturned']],
    ['return a returned order', { type: 'ReturnSeats', orderId: 'o-2' }, []],
    ['expire holds', { type: 'ExpireHolds' }, ['HoldReleased']],
    [
      'release the live hold',
      { type: 'ReleaseHold', holdId: 'h-live', reason: 'released' },
      ['HoldReleased'],
    ],
    ['publish again', { type: 'PublishEvent' }, []],
    ['cancel', { type: 'CancelEvent', reason: 'x' }, ['HoldReleased', 'HoldReleased', 'EventCancelled']],
  ])(
    'a state restored from a JSON snapshot decides "%s" as the folded state does',
    (_name, command, expected) => {
      const fromEvents = outcome(command, folded());
      if (typeof expected === 'string') expect(fromEvents).toMatchObject({ code: expected });
      else expect('events' in fromEvents && fromEvents.events.map((e) => e.type)).toEqual(expected);
      expect(outcome(command, restored())).toEqual(fromEvents);
    },
  );

  test('the snapshot keeps the status, details and per-user counts', () => {
    const state = restored();
    const original = folded();
    expect(state.status).toBe('PUBLISHED');
    expect(state.details).toEqual(original.details);
    expect(state.tierBySection).toEqual(original.tierBySection);
    expect(state.seats).toEqual(original.seats);
    expect(state.holds).toEqual(original.holds);
    expect(state.holdsByUser).toEqual(original.holdsByUser);
    expect(state.soldByOrder).toEqual(original.soldByOrder);
    expect(state.returnedOrders).toEqual(original.returnedOrders);
    expect(state.soldByUser.get('u1')).toBe(1);
    expect(state.soldByUser.get('u3') ?? 0).toBe(0);
  });
});
