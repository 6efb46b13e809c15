import { holdToOrder } from '../../src/domain/order/hold-to-order';
import { orderDecider } from '../../src/domain/order/order';
import { ticketedEventDecider } from '../../src/domain/ticketed-event/decide';
import { SeatIndex } from '../../src/domain/venue/seat-index';
import { NOW, liveHold, onSale, venueLayout } from './fixtures/ticketed-event';

describe('holdToOrder against a layout', () => {
  const event = () =>
    [...onSale(), liveHold('h1', 'u1', ['s1:A:1', 's2:A:4'])].reduce(
      ticketedEventDecider.evolve,
      ticketedEventDecider.initialState(),
    );
  const facts = (seats: SeatIndex) => ({
    event: event(),
    order: orderDecider.initialState(),
    holdId: 'h1',
    buyer: { userId: 'u1', isAdmin: false },
    now: new Date(NOW),
    seats,
  });

  test('names each seat by the layout’s section, row and number', () => {
    expect(
      holdToOrder(facts(new SeatIndex(venueLayout))).seats.map(({ seatId, section, row, seat }) => [
        seatId,
        section,
        row,
        seat,
      ]),
    ).toEqual([
      ['s1:A:1', 'Floor', 'A', '1'],
      ['s2:A:4', 'Balcony', 'A', '4'],
    ]);
  });

  test('a held seat missing from the layout given is a programming error, named as such', () => {
    // The Balcony row holds three seats in this layout: s2:A:4 is not in it.
    const shorter = {
      ...venueLayout,
      sections: venueLayout.sections.map((s) =>
        s.sectionId === 's2' ? { ...s, rows: [{ row: 'A', seatCount: 3 }] } : s,
      ),
    };
    expect(() => holdToOrder(facts(new SeatIndex(shorter)))).toThrow(
      "Seat s2:A:4 of hold h1 is not in the venue's layout",
    );
  });
});
