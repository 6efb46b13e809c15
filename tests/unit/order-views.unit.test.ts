import { orderDocOf, orderView } from '../../src/application/orders/order-view';
import { partnerOrderView } from '../../src/application/partner/cart-view';
import type { OrderDoc } from '../../src/application/read-models/documents';

// Both order views (fans' GET /v1/orders/{id}, partners' GET /partners/v1/orders/{id}) show CONFIRMED only once the
// order's tickets are recorded: OrderConfirmed comes first in the log, TicketsIssued a moment (or a restart) later.

const placed = orderDocOf({
  orderId: 'o-1',
  userId: 'u-1',
  eventId: 'e-1',
  reservationId: 'h-1',
  eventName: 'Show',
  eventDate: '2030-01-01T20:00:00.000Z',
  venueName: 'Hall',
  seats: [{ seatId: 's1:A:1', section: 'Floor', row: 'A', seat: '1', priceCents: 1000, feesCents: 100 }],
  subtotalCents: 1000,
  feesCents: 100,
  taxesCents: 90,
  totalCents: 1190,
  paymentMethodId: 'pm-1',
  deliveryMethod: 'MOBILE',
  placedAt: '2029-12-01T10:00:00.000Z',
} as unknown as Parameters<typeof orderDocOf>[0]);
const confirmedAt = '2029-12-01T10:00:01.000Z';
const confirmed: OrderDoc = {
  ...placed,
  status: 'CONFIRMED',
  payment_status: 'CAPTURED',
  confirmed_at: confirmedAt,
};
const ticketed: OrderDoc = {
  ...confirmed,
  tickets: [{ ticket_id: 't-1', seat_id: 's1:A:1', barcode: 'B1' }],
};
const qr = { base64Png: async () => 'png' };

describe('order views: CONFIRMED comes with its tickets', () => {
  it.each([
    ['placed', placed, 'PENDING', null],
    ['confirmed, tickets not recorded yet', confirmed, 'PENDING', null],
    ['confirmed with its tickets', ticketed, 'CONFIRMED', confirmedAt],
  ])('%s', async (_name, doc, status, shownConfirmedAt) => {
    expect(await orderView(doc, qr)).toMatchObject({ status, confirmed_at: shownConfirmedAt });
    expect(partnerOrderView(doc, true, new Map())).toMatchObject({ status, confirmed_at: shownConfirmedAt });
  });

  it('other statuses are shown as recorded', async () => {
    for (const status of ['FAILED', 'CANCELLED'] as const) {
      const doc: OrderDoc = { ...confirmed, status };
      expect((await orderView(doc, qr)).status).toBe(status);
      expect(partnerOrderView(doc, false, new Map()).status).toBe(status);
    }
  });
});
