import { orderTwoSeats, pollUntil } from '../support/purchase';
import { startTestApp, type TestApp } from '../support/test-app';

/** The UUID's version digit and its 48-bit time prefix (versions 7 and 8). */
const versionOf = (id: string) => id[14];
const timeOf = (id: string) => id.slice(0, 13);

/**
 * A purchase over HTTP names its streams with time-ordered ids (derivedId): the reservation is a UUID v7, its order
 * and tickets UUID v8 with the reservation's time prefix, so the streams of one on-sale sit together in the event
 * store's index.
 */
describe('time-ordered ids of a purchase', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(async () => {
    await t?.close();
  });

  it('reservation v7; order and tickets v8 with its time; the same streams in the log', async () => {
    const { orderId, fan } = await orderTwoSeats(t);
    const order = await pollUntil(
      t.call,
      `/v1/orders/${orderId}`,
      fan.token,
      (r) => r.body?.status === 'CONFIRMED',
    );
    const reservationId = order.body.reservation_id as string;
    const ticketIds = (order.body.tickets as Array<{ ticket_id: string }>).map((x) => x.ticket_id);

    expect(versionOf(reservationId)).toBe('7');
    expect([orderId, ...ticketIds].map(versionOf)).toEqual(['8', '8', '8']);
    expect(new Set([reservationId, orderId, ...ticketIds].map(timeOf))).toEqual(
      new Set([timeOf(reservationId)]),
    );
    expect(new Set(ticketIds).size).toBe(2);
    expect((await t.app.store.readStream(`order-${orderId}`)).length).toBeGreaterThan(0);
    for (const ticketId of ticketIds)
      expect((await t.app.store.readStream(`ticket-${ticketId}`)).map((e) => e.type)).toContain(
        'TicketIssued',
      );
  });
});
