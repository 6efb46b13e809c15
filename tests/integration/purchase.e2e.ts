import { createEvent } from '../support/fixtures';
import { replaySeats, seatStatuses } from '../support/log-audit';
import { addCard, pollUntil, reserve, placeOrder } from '../support/purchase';
import { startTestApp, type TestApp } from '../support/test-app';

/**
 * The whole purchase over HTTP, for one bus: reserve -> order -> CONFIRMED/CAPTURED with tickets and SOLD
 * seats; a decline -> 402 and free seats; cancel -> refund and AVAILABLE seats; other users' ids -> 404;
 * an admin event cancellation refunds every order.
 */
export function purchaseEndToEnd(name: string, env: () => Record<string, string>): void {
  describe(`purchase end to end on the ${name} bus`, () => {
    let t: TestApp;
    let admin: string;

    beforeAll(async () => {
      t = await startTestApp({ env: env() });
      admin = await t.adminToken();
    });
    afterAll(() => t?.close());

    const seatMap = async (eventId: string) => {
      await t.app.runner.catchUp();
      return seatStatuses((await t.call('GET', `/v1/events/${eventId}/seats`)).body);
    };

    it('reserve -> order -> confirmed, captured, tickets, seats sold', async () => {
      const { eventId } = await createEvent(t.call, admin);
      const fan = await t.customerToken();
      const card = await addCard(t.call, fan.token);
      const reservationId = await reserve(t.call, fan.token, eventId, ['s1:A:1', 's1:A:2']);

      const order = await t.call('POST', '/v1/orders', {
        token: fan.token,
        body: {
          reservation_id: reservationId,
          payment_method_id: card,
          delivery_method: 'MOBILE',
          billing_address: {
            street: '1 Main St',
            city: 'New York',
            state: 'NY',
            postal_code: '10001',
            country: 'US',
          },
        },
      });
      expect(order.status).toBe(201);
      expect(order.body).toMatchObject({
        status: 'PENDING',
        payment_status: 'AUTHORIZED',
        subtotal: 300,
        fees: 45,
        taxes: 27,
        total: 372,
      });
      expect(order.body.seats).toEqual([
        { section: 'Floor', row: 'A', seat: '1', seat_id: 's1:A:1' },
        { section: 'Floor', row: 'A', seat: '2', seat_id: 's1:A:2' },
      ]);

      const done = await pollUntil(
        t.call,
        `/v1/orders/${order.body.order_id}`,
        fan.token,
        (r) => r.body?.status === 'CONFIRMED' && r.body.tickets.length === 2,
      );
      expect(done.body).toMatchObject({
        status: 'CONFIRMED',
        payment_status: 'CAPTURED',
        total: 372,
        event: { name: 'The Test Tour', venue: 'Test Arena' },
      });
      expect(done.body.confirmed_at).toEqual(expect.any(String));
      for (const ticket of done.body.tickets) {
        expect(ticket.barcode).toMatch(/^[1-9]\d{11}$/);
        expect(Buffer.from(ticket.qr_code, 'base64').subarray(0, 8)).toEqual(
          Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
        );
        const png = await fetch(`${t.baseUrl}${ticket.download_url}`, {
          headers: { authorization: `Bearer ${fan.token}` },
        });
        expect(png.status).toBe(200);
        expect(png.headers.get('content-type')).toBe('image/png');
      }
      const tickets = await t.call('GET', `/v1/tickets?order_id=${order.body.order_id}`, {
        token: fan.token,
      });
      expect(tickets.body.tickets.map((x: { status: string }) => x.status)).toEqual(['ACTIVE', 'ACTIVE']);
      const statuses = await seatMap(eventId);
      expect([statuses.get('s1:A:1'), statuses.get('s1:A:2')]).toEqual(['SOLD', 'SOLD']);

      // Someone else's ids are answered like missing ones.
      const other = await t.customerToken();
      expect((await t.call('GET', `/v1/orders/${order.body.order_id}`, { token: other.token })).status).toBe(
        404,
      );
      expect(
        (await t.call('POST', `/v1/orders/${order.body.order_id}/cancel`, { token: other.token })).status,
      ).toBe(404);
      const theirTickets = await t.call('GET', `/v1/tickets?order_id=${order.body.order_id}`, {
        token: other.token,
      });
      expect(theirTickets.body.tickets ?? []).toEqual([]);
      expect(
        (await t.call('GET', `/v1/tickets/${done.body.tickets[0].ticket_id}`, { token: other.token })).status,
      ).toBe(404);
      expect(
        (await t.call('GET', '/v1/payment-methods', { token: other.token })).body.payment_methods,
      ).toEqual([]);
      expect(
        (
          await t.call('POST', '/v1/orders', {
            token: other.token,
            body: { reservation_id: reservationId, payment_method_id: card },
          })
        ).status,
      ).toBe(404);

      // A second order for the same reservation is refused.
      const again = await t.call('POST', '/v1/orders', {
        token: fan.token,
        body: { reservation_id: reservationId, payment_method_id: card },
      });
      expect(again.status).toBe(409);
    });

    it('a declined card -> 402 and the seats are free again', async () => {
      const { eventId } = await createEvent(t.call, admin);
      const fan = await t.customerToken();
      const card = await addCard(t.call, fan.token, 'tok_chargeDeclined');
      const reservationId = await reserve(t.call, fan.token, eventId, ['s1:B:1', 's1:B:2']);
      const order = await placeOrder(t.call, fan.token, reservationId, card);
      expect(order.status).toBe(402);
      expect(order.body.error).toMatchObject({
        code: 'PAYMENT_DECLINED',
        details: { reason: 'card_declined' },
      });
      const statuses = await seatMap(eventId);
      expect([statuses.get('s1:B:1'), statuses.get('s1:B:2')]).toEqual(['AVAILABLE', 'AVAILABLE']);
    });

    it('an unknown payment method -> 400, an expired reservation -> 410', async () => {
      const { eventId } = await createEvent(t.call, admin);
      const fan = await t.customerToken();
      const reservationId = await reserve(t.call, fan.token, eventId, ['s2:A:1', 's2:A:2']);
      const bad = await t.call('POST', '/v1/orders', {
        token: fan.token,
        body: { reservation_id: reservationId, payment_method_id: 'nope' },
      });
      expect(bad.status).toBe(400);
      expect(bad.body.error.code).toBe('INVALID_PAYMENT_METHOD');
      const card = await addCard(t.call, fan.token);
      await t.call('DELETE', `/v1/reservations/${reservationId}`, { token: fan.token });
      await t.app.runner.catchUp();
      const gone = await t.call('POST', '/v1/orders', {
        token: fan.token,
        body: { reservation_id: reservationId, payment_method_id: card },
      });
      expect(gone.status).toBe(410);
      expect(gone.body.error.code).toBe('RESERVATION_EXPIRED');
    });

    it('cancel -> refund, seats back on sale, tickets void; cancelling twice -> 409', async () => {
      const { eventId } = await createEvent(t.call, admin);
      const fan = await t.customerToken();
      const card = await addCard(t.call, fan.token);
      const reservationId = await reserve(t.call, fan.token, eventId, ['s2:A:3', 's2:A:4']);
      const order = await placeOrder(t.call, fan.token, reservationId, card);
      const orderId = order.body.order_id as string;
      await pollUntil(
        t.call,
        `/v1/orders/${orderId}`,
        fan.token,
        (r) => r.body?.status === 'CONFIRMED' && r.body.tickets.length === 2,
      );

      const cancel = await t.call('POST', `/v1/orders/${orderId}/cancel`, { token: fan.token });
      expect(cancel.status).toBe(200);
      expect(cancel.body).toMatchObject({
        order_id: orderId,
        status: 'CANCELLED',
        refund_amount: 198.95,
        refund_status: 'PROCESSING',
      });
      const refunded = await pollUntil(
        t.call,
        `/v1/orders/${orderId}`,
        fan.token,
        (r) => r.body?.payment_status === 'REFUNDED',
      );
      expect(refunded.body.status).toBe('CANCELLED');
      await pollUntil(t.call, `/v1/tickets?order_id=${orderId}`, fan.token, (r) =>
        r.body?.tickets?.every((x: { status: string }) => x.status === 'VOID'),
      );
      const statuses = await seatMap(eventId);
      expect([statuses.get('s2:A:3'), statuses.get('s2:A:4')]).toEqual(['AVAILABLE', 'AVAILABLE']);
      const twice = await t.call('POST', `/v1/orders/${orderId}/cancel`, { token: fan.token });
      expect(twice.status).toBe(409);
      expect(twice.body.error.code).toBe('ORDER_ALREADY_CANCELLED');
    });

    it('an admin event cancellation refunds every order of it', async () => {
      const { eventId } = await createEvent(t.call, admin);
      const orderIds: Array<{ id: string; token: string }> = [];
      for (const seats of [
        ['s1:B:1', 's1:B:2'],
        ['s1:B:3', 's1:B:4'],
      ]) {
        const fan = await t.customerToken();
        const card = await addCard(t.call, fan.token);
        const reservationId = await reserve(t.call, fan.token, eventId, seats);
        const order = await t.call('POST', '/v1/orders', {
          token: fan.token,
          body: { reservation_id: reservationId, payment_method_id: card },
        });
        await pollUntil(
          t.call,
          `/v1/orders/${order.body.order_id}`,
          fan.token,
          (r) => r.body?.status === 'CONFIRMED',
        );
        orderIds.push({ id: order.body.order_id, token: fan.token });
      }
      expect(
        (
          await t.call('POST', `/v1/admin/events/${eventId}/cancel`, {
            token: admin,
            body: { reason: 'Storm' },
          })
        ).status,
      ).toBe(200);
      for (const { id, token } of orderIds) {
        const res = await pollUntil(
          t.call,
          `/v1/orders/${id}`,
          token,
          (r) => r.body?.payment_status === 'REFUNDED',
        );
        expect(res.body.status).toBe('CANCELLED');
      }
      const ledger = await replaySeats(t.app.store);
      expect(ledger.violations).toEqual([]);
    });
  });
}
