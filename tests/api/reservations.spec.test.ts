import { orderIdFor } from '../../src/application/orders/order-service';
import { ManualClock } from '../../src/infrastructure/clock/system-clock';
import {
  apiSpecification,
  eventCancelled,
  eventCreated,
  orderPlaced,
  placedOrderData,
  publishedEvent,
  seatsHeld,
  streams,
  venueCreated,
  type ApiSpecification,
} from '../support/api-spec';
import { seatStatuses } from '../support/log-audit';

// Given events on `event-{id}`, one reservation request, the events it appends or the error it answers.
// The rules behind each answer are the ticketed-event decider's (tests/unit/ticketed-event.unit.test.ts).

const NOW = '2026-06-01T12:00:00.000Z';
const HOLD_SECONDS = 120;
const at = (offsetSeconds: number) => new Date(Date.parse(NOW) + offsetSeconds * 1000).toISOString();

describe('reservations: given events, one request, new events or an error', () => {
  const clock = new ManualClock(NOW);
  let spec: ApiSpecification;
  let n = 0;
  const eventId = () => `res-spec-${++n}`;
  const reserve = (token: string, event: string, seatIds: string[]) => ({
    method: 'POST',
    path: '/v1/seats/reserve',
    token,
    body: { event_id: event, seat_ids: seatIds },
  });
  const held = (
    event: string,
    holdId: string,
    userId: string,
    seatIds: string[],
    expiresAt = at(HOLD_SECONDS),
  ) => seatsHeld({ eventId: event, holdId, userId, seatIds, heldAt: at(-10), expiresAt });

  beforeAll(async () => {
    spec = await apiSpecification({ clock, env: { HOLD_SECONDS: String(HOLD_SECONDS) } });
  });
  afterAll(() => spec?.close());
  afterEach(() => clock.set(NOW));

  describe('POST /v1/seats/reserve', () => {
    it('201 in the seed shape; SeatsHeld with the tier prices, expiring HOLD_SECONDS from now', async () => {
      const e = eventId();
      const { response, appended } = await spec
        .given(publishedEvent(e))
        .when(reserve(spec.t.mintToken('fan-shape'), e, ['s1:A:1', 's1:A:2']))
        .then({
          status: 201,
          body: {
            reservation_id: expect.any(String),
            event_id: e,
            seat_ids: ['s1:A:1', 's1:A:2'],
            expires_at: at(HOLD_SECONDS),
            total_price: 300,
            fees: 45,
            total: 345,
          },
          events: {
            [streams.event(e)]: [
              {
                type: 'SeatsHeld',
                data: {
                  eventId: e,
                  holdId: expect.any(String),
                  userId: 'fan-shape',
                  seatIds: ['s1:A:1', 's1:A:2'],
                  heldAt: NOW,
                  expiresAt: at(HOLD_SECONDS),
                  subtotalCents: 30000,
                  feesCents: 4500,
                },
              },
            ],
          },
        });
      expect((appended[0].data as { holdId: string }).holdId).toBe(response.body.reservation_id);
      expect(Number(response.headers.get('x-log-position'))).toBe(appended[0].position);
    });

    it('a seat of an expired hold is taken over: HoldReleased (expired) then SeatsHeld', async () => {
      const e = eventId();
      await spec
        .given(publishedEvent(e), {
          [streams.event(e)]: [held(e, 'h-old', 'slow', ['s2:A:3', 's2:A:4'], at(-1))],
        })
        .when(reserve(spec.t.mintToken('eager'), e, ['s2:A:3', 's2:A:4']))
        .then({
          status: 201,
          body: expect.objectContaining({
            seat_ids: ['s2:A:3', 's2:A:4'],
            total_price: 160.5,
            fees: 24,
            total: 184.5,
          }),
          events: {
            [streams.event(e)]: [
              {
                type: 'HoldReleased',
                data: {
                  eventId: e,
                  holdId: 'h-old',
                  userId: 'slow',
                  seatIds: ['s2:A:3', 's2:A:4'],
                  reason: 'expired',
                  releasedAt: NOW,
                },
              },
              expect.objectContaining({ type: 'SeatsHeld' }),
            ],
          },
        });
    });

    it('seats of a released hold can be held again', async () => {
      const e = eventId();
      const released = {
        type: 'HoldReleased',
        data: {
          eventId: e,
          holdId: 'h-gone',
          userId: 'first',
          seatIds: ['s1:B:3', 's1:B:4'],
          reason: 'released',
          releasedAt: at(-5),
        },
      };
      await spec
        .given(publishedEvent(e), {
          [streams.event(e)]: [held(e, 'h-gone', 'first', ['s1:B:3', 's1:B:4']), released],
        })
        .when(reserve(spec.t.mintToken('next'), e, ['s1:B:3', 's1:B:4']))
        .then({
          status: 201,
          body: expect.objectContaining({ seat_ids: ['s1:B:3', 's1:B:4'] }),
          events: { [streams.event(e)]: [expect.objectContaining({ type: 'SeatsHeld' })] },
        });
    });

    it('409 SEATS_UNAVAILABLE naming the held seats', async () => {
      const e = eventId();
      await spec
        .given(publishedEvent(e), { [streams.event(e)]: [held(e, 'h-first', 'first', ['s1:A:3', 's1:A:4'])] })
        .when(reserve(spec.t.mintToken('second'), e, ['s1:A:4', 's1:A:5']))
        .thenError(409, 'SEATS_UNAVAILABLE', { seat_ids: ['s1:A:4'] });
    });

    it('410 SEATS_GONE once the event is cancelled', async () => {
      const e = eventId();
      await spec
        .given(publishedEvent(e), { [streams.event(e)]: [eventCancelled(e)] })
        .when(reserve(spec.t.mintToken('late'), e, ['s1:A:1', 's1:A:2']))
        .thenError(410, 'SEATS_GONE');
    });

    it('422 PURCHASE_LIMIT_EXCEEDED with the counts', async () => {
      const e = eventId();
      await spec
        .given(publishedEvent(e, { maxTicketsPerOrder: 4, restrictSingleSeat: false }), {
          [streams.event(e)]: [held(e, 'h-mine', 'limited', ['s1:A:1', 's1:A:2', 's1:A:3'])],
        })
        .when(reserve(spec.t.mintToken('limited'), e, ['s1:B:1', 's1:B:2']))
        .thenError(422, 'PURCHASE_LIMIT_EXCEEDED', { limit: 4, already_held_or_bought: 3, requested: 2 });
    });

    it('422 SINGLE_SEAT_GAP naming the seat left alone', async () => {
      const e = eventId();
      await spec
        .given(publishedEvent(e))
        .when(reserve(spec.t.mintToken('gapper'), e, ['s1:A:2', 's1:A:3']))
        .thenError(422, 'SINGLE_SEAT_GAP', { seat_ids: ['s1:A:1'] });
    });

    it('422 SALE_NOT_OPEN before the sale', async () => {
      const e = eventId();
      await spec
        .given(publishedEvent(e, { generalSaleStart: '2026-07-01T10:00:00.000Z' }))
        .when(reserve(spec.t.mintToken('early'), e, ['s1:A:1', 's1:A:2']))
        .thenError(422, 'SALE_NOT_OPEN');
    });

    it('404 EVENT_NOT_FOUND for an unknown event and for a draft', async () => {
      await spec
        .given()
        .when(reserve(spec.t.mintToken('lost'), 'no-such-event', ['s1:A:1']))
        .thenError(404, 'EVENT_NOT_FOUND');
      const draft = eventId();
      await spec
        .given({
          [streams.venue(`v-${draft}`)]: [venueCreated(`v-${draft}`)],
          [streams.event(draft)]: [eventCreated(draft, `v-${draft}`)],
        })
        .when(reserve(spec.t.mintToken('lost'), draft, ['s1:A:1', 's1:A:2']))
        .thenError(404, 'EVENT_NOT_FOUND');
    });

    it('404 SEAT_NOT_FOUND naming only the unknown seats', async () => {
      const e = eventId();
      await spec
        .given(publishedEvent(e))
        .when(reserve(spec.t.mintToken('lost'), e, ['s1:A:1', 's9:Z:99']))
        .thenError(404, 'SEAT_NOT_FOUND', { seat_ids: ['s9:Z:99'] });
    });
  });

  describe('GET /v1/reservations/{id}', () => {
    it('the holder and admins read the hold; anyone else gets 404 as for a missing one', async () => {
      const e = eventId();
      const given = spec.given(publishedEvent(e), {
        [streams.event(e)]: [held(e, `h-${e}`, 'holder', ['s1:A:9', 's1:A:10'])],
      });
      await given
        .when({ method: 'GET', path: `/v1/reservations/h-${e}`, token: spec.t.mintToken('holder') })
        .then({
          status: 200,
          body: {
            reservation_id: `h-${e}`,
            event_id: e,
            user_id: 'holder',
            seat_ids: ['s1:A:9', 's1:A:10'],
            status: 'HELD',
            expires_at: at(HOLD_SECONDS),
            total_price: 300,
            fees: 45,
            total: 345,
            order_id: null,
            created_at: at(-10),
          },
          events: {},
        });
      const admin = await spec.t.adminToken();
      await spec
        .given()
        .when({ method: 'GET', path: `/v1/reservations/h-${e}`, token: admin })
        .then({ status: 200, body: expect.objectContaining({ reservation_id: `h-${e}` }), events: {} });
      for (const path of [`/v1/reservations/h-${e}`, '/v1/reservations/no-such-hold']) {
        await spec
          .given()
          .when({ method: 'GET', path, token: spec.t.mintToken('someone-else') })
          .thenError(404, 'RESERVATION_NOT_FOUND');
      }
    });

    it('a hold past its expiry reads EXPIRED before any job released it', async () => {
      const e = eventId();
      await spec
        .given(publishedEvent(e), {
          [streams.event(e)]: [held(e, `h-${e}`, 'slow', ['s1:B:1', 's1:B:2'], at(-1))],
        })
        .when({ method: 'GET', path: `/v1/reservations/h-${e}`, token: spec.t.mintToken('slow') })
        .then({ status: 200, body: expect.objectContaining({ status: 'EXPIRED' }), events: {} });
    });
  });

  describe('DELETE /v1/reservations/{id}', () => {
    it('204 and HoldReleased (released); the seat map and the hold read it back', async () => {
      const e = eventId();
      const fan = spec.t.mintToken('releaser');
      const { response } = await spec
        .given(publishedEvent(e), {
          [streams.event(e)]: [held(e, `h-${e}`, 'releaser', ['s2:A:1', 's2:A:2'])],
        })
        .when({ method: 'DELETE', path: `/v1/reservations/h-${e}`, token: fan })
        .then({
          status: 204,
          events: {
            [streams.event(e)]: [
              {
                type: 'HoldReleased',
                data: {
                  eventId: e,
                  holdId: `h-${e}`,
                  userId: 'releaser',
                  seatIds: ['s2:A:1', 's2:A:2'],
                  reason: 'released',
                  releasedAt: NOW,
                },
              },
            ],
          },
        });
      const headers = { 'x-min-log-position': response.headers.get('x-log-position')! };
      const map = await spec.t.call('GET', `/v1/events/${e}/seats`, { headers });
      expect(seatStatuses(map.body).get('s2:A:1')).toBe('AVAILABLE');
      const hold = await spec.t.call('GET', `/v1/reservations/h-${e}`, { token: fan, headers });
      expect(hold.body.status).toBe('RELEASED');
    });

    it('releasing a released hold is 204 and appends nothing', async () => {
      const e = eventId();
      const release = {
        type: 'HoldReleased',
        data: {
          eventId: e,
          holdId: `h-${e}`,
          userId: 'twice',
          seatIds: ['s2:A:5', 's2:A:6'],
          reason: 'released',
          releasedAt: at(-5),
        },
      };
      await spec
        .given(publishedEvent(e), {
          [streams.event(e)]: [held(e, `h-${e}`, 'twice', ['s2:A:5', 's2:A:6']), release],
        })
        .when({ method: 'DELETE', path: `/v1/reservations/h-${e}`, token: spec.t.mintToken('twice') })
        .then({ status: 204, events: {} });
    });

    it("someone else's hold is 404 and stays held", async () => {
      const e = eventId();
      await spec
        .given(publishedEvent(e), { [streams.event(e)]: [held(e, `h-${e}`, 'owner', ['s2:A:7', 's2:A:8'])] })
        .when({ method: 'DELETE', path: `/v1/reservations/h-${e}`, token: spec.t.mintToken('someone-else') })
        .thenError(404, 'RESERVATION_NOT_FOUND');
    });

    it('a hold whose order is placed and not yet paid is 409 RESERVATION_ALREADY_ORDERED naming the order; it stays held', async () => {
      const e = eventId();
      const holdId = `h-${e}`;
      const orderId = orderIdFor(holdId);
      const placed = placedOrderData(
        { orderId, userId: 'payer', eventId: e, reservationId: holdId, placedAt: at(-5) },
        {
          seats: [
            { seatId: 's1:B:7', section: 'Floor', row: 'B', seat: '7', priceCents: 15000, feesCents: 2250 },
          ],
        },
      );
      await spec
        .given(publishedEvent(e), {
          [streams.event(e)]: [held(e, holdId, 'payer', ['s1:B:7'])],
          [streams.order(orderId)]: [orderPlaced(placed)],
        })
        .when({ method: 'DELETE', path: `/v1/reservations/${holdId}`, token: spec.t.mintToken('payer') })
        .thenError(409, 'RESERVATION_ALREADY_ORDERED', { order_id: orderId });
    });

    it('a sold hold is 409 RESERVATION_ALREADY_ORDERED', async () => {
      const e = eventId();
      const sold = {
        type: 'SeatsSold',
        data: {
          eventId: e,
          holdId: `h-${e}`,
          orderId: `o-${e}`,
          userId: 'buyer',
          seatIds: ['s1:B:5', 's1:B:6'],
          soldAt: at(-5),
          totalCents: 37200,
        },
      };
      await spec
        .given(publishedEvent(e), {
          [streams.event(e)]: [held(e, `h-${e}`, 'buyer', ['s1:B:5', 's1:B:6']), sold],
        })
        .when({ method: 'DELETE', path: `/v1/reservations/h-${e}`, token: spec.t.mintToken('buyer') })
        .thenError(409, 'RESERVATION_ALREADY_ORDERED');
    });
  });
});
