import { holdToOrder, type HoldToOrderFacts } from '../../src/domain/order/hold-to-order';
import { orderDecider, type OrderEvent, type OrderState } from '../../src/domain/order/order';
import { orderTotals, TAX_RATE } from '../../src/domain/order/pricing';
import { DomainError } from '../../src/domain/shared/errors';
import { ticketedEventDecider } from '../../src/domain/ticketed-event/decide';
import type { SeatsHeld, TicketedEventEvent } from '../../src/domain/ticketed-event/events';
import { ticketedEventSnapshots } from '../../src/domain/ticketed-event/state';
import { SeatIndex } from '../../src/domain/venue/seat-index';
import { venueDecider } from '../../src/domain/venue/venue';
import { spec } from '../support/given-when-then';

// Placing an order is decided from the streams: the hold as SeatsHeld recorded it, and the order stream.
const NOW = '2030-03-01T12:00:00.000Z';
const at = (seconds: number) => new Date(Date.parse(NOW) + seconds * 1000).toISOString();

// Built per test, not at load: a fixture computed at load runs domain code outside any test, which hides
// from Stryker's per-test coverage which test covers it.
const layout = () =>
  venueDecider.decide(
    {
      type: 'CreateVenue',
      venueId: 'v1',
      name: 'Harbour Hall',
      city: 'Portland',
      state: 'OR',
      country: 'US',
      sections: [
        { name: 'Floor', rows: [{ row: 'A', seats: 6 }] },
        { name: 'Balcony', rows: [{ row: 'A', seats: 4 }] },
      ],
    },
    venueDecider.initialState(),
  )[0].data;
const seats = () => new SeatIndex(layout());

const created = () =>
  ticketedEventDecider.decide(
    {
      type: 'CreateEvent',
      eventId: 'e1',
      name: 'Night Owls Live',
      artist: 'Night Owls',
      description: '',
      category: 'concert',
      venue: layout(),
      date: '2030-06-01T20:00:00.000Z',
      doorsOpen: null,
      presaleStart: null,
      generalSaleStart: '2030-02-01T10:00:00.000Z',
      tiers: [
        { tierId: 'e1-t1', name: 'Floor', priceCents: 15000, feesCents: 1250, sections: ['Floor'] },
        { tierId: 'e1-t2', name: 'Balcony', priceCents: 5000, feesCents: 500, sections: ['Balcony'] },
      ],
      maxTicketsPerOrder: 8,
      restrictSingleSeat: false,
      queue: { enabled: false, admissionPerMinute: 0 },
    },
    ticketedEventDecider.initialState(),
    { now: new Date(at(-3600)), seats: seats() },
  );
const onSale = (): TicketedEventEvent[] => [
  ...created(),
  { type: 'EventPublished', data: { eventId: 'e1', publishedAt: at(-3600) } },
];

const held = (over: Partial<SeatsHeld['data']> = {}): SeatsHeld => ({
  type: 'SeatsHeld',
  data: {
    eventId: 'e1',
    holdId: 'h1',
    userId: 'fan',
    seatIds: ['s1:A:1', 's2:A:1'],
    heldAt: at(-60),
    expiresAt: at(540),
    subtotalCents: 20000,
    feesCents: 1750,
    ...over,
  },
});

const fold = (events: TicketedEventEvent[]) =>
  events.reduce(ticketedEventDecider.evolve, ticketedEventDecider.initialState());
const noOrder = (): OrderState => orderDecider.initialState();

const facts = (events: TicketedEventEvent[], over: Partial<HoldToOrderFacts> = {}): HoldToOrderFacts => ({
  event: fold(events),
  order: noOrder(),
  holdId: 'h1',
  buyer: { userId: 'fan', isAdmin: false },
  now: new Date(NOW),
  seats: seats(),
  ...over,
});

const refusal = (f: HoldToOrderFacts) => {
  try {
    holdToOrder(f);
  } catch (error) {
    expect(error).toBeInstanceOf(DomainError);
    return { code: (error as DomainError).code, details: (error as DomainError).details };
  }
  throw new Error('holdToOrder did not refuse');
};

describe('holdToOrder: an order of a hold, decided on the streams', () => {
  it('takes the seats, the event and the prices from the event stream, and adds tax on the subtotal', () => {
    expect(holdToOrder(facts([...onSale(), held()]))).toEqual({
      eventId: 'e1',
      eventName: 'Night Owls Live',
      eventDate: '2030-06-01T20:00:00.000Z',
      venueName: 'Harbour Hall',
      seats: [
        { seatId: 's1:A:1', section: 'Floor', row: 'A', seat: '1', priceCents: 15000, feesCents: 1250 },
        { seatId: 's2:A:1', section: 'Balcony', row: 'A', seat: '1', priceCents: 5000, feesCents: 500 },
      ],
      subtotalCents: 20000,
      feesCents: 1750,
      taxesCents: 1800,
      totalCents: 23550,
    });
  });

  it('charges what the hold recorded, not what the tiers say now', () => {
    // A hold recorded at other prices (as if the tier's price had changed since): the order keeps the hold's.
    const order = holdToOrder(facts([...onSale(), held({ subtotalCents: 12000, feesCents: 1000 })]));
    expect(order).toMatchObject({
      subtotalCents: 12000,
      feesCents: 1000,
      taxesCents: 1080,
      totalCents: 14080,
    });
  });

  it('a hold that expires exactly now is expired (RESERVATION_EXPIRED)', () => {
    expect(refusal(facts([...onSale(), held({ expiresAt: NOW })]))).toEqual({
      code: 'RESERVATION_EXPIRED',
      details: { reservation_id: 'h1' },
    });
    expect(holdToOrder(facts([...onSale(), held({ expiresAt: at(0.001) })])).totalCents).toBe(23550);
  });

  it('a released hold is expired; a hold of a cancelled event is gone for good (SEATS_GONE)', () => {
    const release = (reason: 'released' | 'event_cancelled'): TicketedEventEvent => ({
      type: 'HoldReleased',
      data: {
        eventId: 'e1',
        holdId: 'h1',
        userId: 'fan',
        seatIds: ['s1:A:1', 's2:A:1'],
        reason,
        releasedAt: at(-1),
      },
    });
    expect(refusal(facts([...onSale(), held(), release('released')])).code).toBe('RESERVATION_EXPIRED');
    const cancelled: TicketedEventEvent = {
      type: 'EventCancelled',
      data: { eventId: 'e1', cancelledAt: at(-1), reason: 'storm' },
    };
    expect(refusal(facts([...onSale(), held(), release('event_cancelled'), cancelled]))).toEqual({
      code: 'SEATS_GONE',
      details: { reservation_id: 'h1' },
    });
  });

  it('the sale closes when the event starts: a live hold is no longer ordered (SALE_NOT_OPEN)', () => {
    const event = { date: '2030-03-01T12:00:00.000Z' };
    const startingNow = (): TicketedEventEvent[] => {
      const [createdEvent, ...rest] = onSale();
      if (createdEvent.type !== 'EventCreated') throw new Error('expected EventCreated first');
      return [{ ...createdEvent, data: { ...createdEvent.data, ...event } }, ...rest];
    };
    // The hold lasts beyond the start (held just before it): it still cannot be ordered from the start on.
    const facts_ = (now: string) => facts([...startingNow(), held()], { now: new Date(now) });
    expect(refusal(facts_(NOW))).toEqual({
      code: 'SALE_NOT_OPEN',
      details: { event_date: event.date },
    });
    expect(holdToOrder(facts_(at(-0.001))).totalCents).toBe(23550);
  });

  it('a hold already sold, or whose order stream has an order, is already ordered', () => {
    const sold: TicketedEventEvent = {
      type: 'SeatsSold',
      data: {
        eventId: 'e1',
        holdId: 'h1',
        orderId: 'o-1',
        userId: 'fan',
        seatIds: ['s1:A:1', 's2:A:1'],
        soldAt: at(-1),
        totalCents: 23550,
      },
    };
    expect(refusal(facts([...onSale(), held(), sold]))).toEqual({
      code: 'RESERVATION_ALREADY_ORDERED',
      details: { order_id: 'o-1' },
    });
    const placed = orderDecider.evolve(noOrder(), {
      type: 'OrderPlaced',
      data: { orderId: 'o-2', userId: 'fan' } as Extract<OrderEvent, { type: 'OrderPlaced' }>['data'],
    });
    expect(refusal(facts([...onSale(), held()], { order: placed }))).toEqual({
      code: 'RESERVATION_ALREADY_ORDERED',
      details: { order_id: 'o-2' },
    });
  });

  it("someone else's live hold is not found; an admin may order it", () => {
    expect(refusal(facts([...onSale(), held()], { buyer: { userId: 'other', isAdmin: false } })).code).toBe(
      'RESERVATION_NOT_FOUND',
    );
    expect(
      holdToOrder(facts([...onSale(), held()], { buyer: { userId: 'admin', isAdmin: true } })).eventId,
    ).toBe('e1');
  });

  it('an event stream with no event has no reservation', () => {
    expect(refusal(facts([])).code).toBe('RESERVATION_NOT_FOUND');
  });

  it('keeps the recorded prices and sold holds across a snapshot', () => {
    const sold: TicketedEventEvent = {
      type: 'SeatsSold',
      data: {
        eventId: 'e1',
        holdId: 'h0',
        orderId: 'o-0',
        userId: 'fan',
        seatIds: ['s1:A:6'],
        soldAt: at(-1),
        totalCents: 1,
      },
    };
    const state = fold([
      ...onSale(),
      held({ holdId: 'h0', seatIds: ['s1:A:6'] }),
      sold,
      held({ subtotalCents: 12000 }),
    ]);
    const restored = ticketedEventSnapshots.fromSnapshot(
      JSON.parse(JSON.stringify(ticketedEventSnapshots.toSnapshot(state))),
    );
    expect(holdToOrder(facts([], { event: restored })).subtotalCents).toBe(12000);
    expect(refusal(facts([], { event: restored, holdId: 'h0' })).code).toBe('RESERVATION_ALREADY_ORDERED');
  });
});

describe('tax is a domain rule', () => {
  it('is 9% of the ticket price, not of the fees, rounded to the cent', () => {
    expect(TAX_RATE).toBe(0.09);
    expect(orderTotals(150000, 1000)).toEqual({
      subtotalCents: 150000,
      feesCents: 1000,
      taxesCents: 13500,
      totalCents: 164500,
    });
    expect(orderTotals(1005, 0).taxesCents).toBe(90); // 90.45 rounds down
    expect(orderTotals(1006, 0).taxesCents).toBe(91); // 90.54 rounds up
  });

  it('the order decider refuses a PlaceOrder whose tax or total is not the rule', () => {
    const place = {
      type: 'PlaceOrder' as const,
      orderId: 'o1',
      userId: 'fan',
      eventId: 'e1',
      reservationId: 'h1',
      eventName: 'Show',
      eventDate: '2030-06-01T20:00:00.000Z',
      venueName: 'Hall',
      seats: [],
      subtotalCents: 10000,
      feesCents: 1500,
      taxesCents: 900,
      totalCents: 12400,
      paymentMethodId: 'pm',
      cardToken: 'tok_visa',
      authorizationId: 'a',
      deliveryMethod: 'MOBILE',
      billingAddress: null,
      paymentAttempt: 1,
    };
    const authorizing = {
      type: 'OrderPaymentAuthorizing' as const,
      data: {
        orderId: 'o1',
        holdId: 'h1',
        eventId: 'e1',
        userId: 'fan',
        attempt: 1,
        amountCents: 12400,
        currency: 'USD',
        paymentMethodId: 'pm',
        cardToken: 'tok_visa',
        idempotencyKey: 'authorize:o1',
        requestedAt: NOW,
      },
    };
    const order = spec(orderDecider).given([authorizing], { now: new Date(NOW) });
    expect(order.when(place).events()).toHaveLength(1);
    order.when({ ...place, taxesCents: 0, totalCents: 11500 }).thenThrows('VALIDATION_ERROR');
    order.when({ ...place, totalCents: 12401 }).thenThrows('VALIDATION_ERROR');
  });
});

describe('ReleaseHold decided on the stream', () => {
  const event = () =>
    spec(ticketedEventDecider).given([...onSale(), held()], { now: new Date(NOW), seats: seats() });

  it("a customer cannot release someone else's hold", () => {
    event()
      .when({ type: 'ReleaseHold', holdId: 'h1', reason: 'released', userId: 'other' })
      .thenThrows('RESERVATION_NOT_FOUND');
    expect(
      event().when({ type: 'ReleaseHold', holdId: 'h1', reason: 'released', userId: 'fan' }).events(),
    ).toEqual([expect.objectContaining({ type: 'HoldReleased' })]);
  });

  it('a sold hold is released by cancelling its order, not directly', () => {
    spec(ticketedEventDecider)
      .given(
        [
          ...onSale(),
          held(),
          {
            type: 'SeatsSold',
            data: {
              eventId: 'e1',
              holdId: 'h1',
              orderId: 'o-1',
              userId: 'fan',
              seatIds: ['s1:A:1', 's2:A:1'],
              soldAt: at(-1),
              totalCents: 23550,
            },
          },
        ],
        { now: new Date(NOW), seats: seats() },
      )
      .when({ type: 'ReleaseHold', holdId: 'h1', reason: 'released', userId: 'fan' })
      .thenThrows('RESERVATION_ALREADY_ORDERED');
  });
});
