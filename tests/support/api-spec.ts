import { randomUUID } from 'node:crypto';
import type { RecordedEvent } from '../../src/application/ports/event-store';
import type { CustomerEvent, EmailClaimed } from '../../src/domain/customer/customer';
import type { OrderEvent, OrderPlacedData } from '../../src/domain/order/order';
import type { TicketDetails, TicketEvent } from '../../src/domain/ticket/ticket';
import type { EventDetails, TicketedEventEvent } from '../../src/domain/ticketed-event/events';
import { venueCapacity, type VenueEvent, type VenueLayout } from '../../src/domain/venue/venue';
import { ManualClock } from '../../src/infrastructure/clock/system-clock';
import type { ApiResponse, CallOptions } from './http';
import { startTestApp, type TestApp } from './test-app';

/**
 * API specifications in the spirit of Emmett's ApiSpecification: start from events already on their streams,
 * send ONE request, and expect the answer and the events that request appended (or none).
 *
 *   const spec = await apiSpecification({ clock });
 *   await spec
 *     .given({ [`venue-${v}`]: [venueCreated(...)], [`event-${e}`]: [eventCreated(...), eventPublished(e)] })
 *     .when({ method: 'POST', path: '/v1/seats/reserve', token, body })
 *     .then({ status: 201, body: {...}, events: { [`event-${e}`]: [{ type: 'SeatsHeld', data: {...} }] } });
 *
 * The rules themselves are the deciders' (tests/unit); a spec checks the HTTP mapping of one command or query.
 * The app is the real one (tests/support/test-app.ts: SQLite in a temp dir, every projection), with the sagas,
 * the order watchdog and the expiry job switched off, so the only writer during `when` is the request itself.
 */

export interface StreamEvent {
  type: string;
  data: unknown;
}

/** Events per stream name, appended in the order of the keys, then each stream's events in order. */
export type Streams = Record<string, StreamEvent[]>;

export interface ApiRequest extends CallOptions {
  method: string;
  path: string;
}

export interface Expectation {
  status: number;
  /** Compared with toEqual (asymmetric matchers welcome). */
  body?: unknown;
  /** The standard error envelope with this code (and details containing these, when given). */
  error?: { code: string; details?: Record<string, unknown> };
  /**
   * Every event the request appended, per stream, in order (type and data); `{}` when it appended none.
   * A function gets the response (and the recorded events), for streams named by an id the server generated.
   */
  events: Streams | ((response: ApiResponse, appended: RecordedEvent[]) => Streams);
}

export interface Outcome {
  response: ApiResponse;
  /** The events the request appended, as recorded. */
  appended: RecordedEvent[];
  /** The log position after the request (send as X-Min-Log-Position to read the result). */
  position: number;
}

export interface When {
  /** Sends the request and checks its answer and the events it appended. */
  then(expectation: Expectation): Promise<Outcome>;
  /** Shorthand: this error envelope, and nothing appended. */
  thenError(status: number, code: string, details?: Record<string, unknown>): Promise<Outcome>;
}

export interface Given {
  when(request: ApiRequest): When;
}

export interface ApiSpecification {
  /** The application under test (tokens, the store, the projections). */
  t: TestApp;
  clock: ManualClock;
  /** Existing events; several maps are merged (a stream named twice keeps both lists, in order). */
  given(...streams: Streams[]): Given;
  close(): Promise<void>;
}

const GIVEN_METADATA = { correlationId: 'given', causationId: 'given', userId: 'given', schemaVersion: 1 };

export async function apiSpecification(
  options: { clock?: ManualClock; env?: Record<string, string> } = {},
): Promise<ApiSpecification> {
  const clock = options.clock ?? new ManualClock();
  // An hour between expiry sweeps: an expired hold in `given` stays as given until a request touches it.
  const t = await startTestApp({ clock, env: { EXPIRY_SWEEP_MS: '3600000', ...options.env } });
  // Sagas would react to the given events (an OrderPlaced sells seats...): the request must be the only writer.
  await t.app.forwarder.stop();
  await t.app.watchdog.stop();
  const store = t.app.store;

  async function append(streams: Streams[]): Promise<void> {
    for (const map of streams) {
      for (const [stream, events] of Object.entries(map)) {
        if (events.length === 0) continue;
        await store.append(
          stream,
          events.map((e) => ({ id: randomUUID(), type: e.type, data: e.data, metadata: GIVEN_METADATA })),
          { expectedRevision: 'any' },
        );
      }
    }
    // Queries and the services' read-model lookups see the given events.
    if (!(await t.app.runner.catchUp(10_000)))
      throw new Error('projections did not catch up with the given events');
  }

  async function run(streams: Streams[], request: ApiRequest): Promise<Outcome> {
    await append(streams);
    const before = await store.headPosition();
    const { method, path, ...callOptions } = request;
    const response = await t.call(method, path, callOptions);
    const appended = await store.readAll({ fromPosition: before, maxCount: 10_000 });
    return { response, appended, position: await store.headPosition() };
  }

  function check(outcome: Outcome, expected: Expectation): Outcome {
    const { response, appended } = outcome;
    const what = `${response.status} ${response.text.slice(0, 500)}`;
    expect({ status: response.status, what }).toEqual({ status: expected.status, what });
    if (expected.error) {
      expect(response.body).toEqual({
        error: {
          code: expected.error.code,
          message: expect.any(String),
          details: expected.error.details
            ? expect.objectContaining(expected.error.details)
            : expect.any(Object),
          request_id: expect.any(String),
          timestamp: expect.any(String),
        },
      });
    }
    if ('body' in expected) expect(response.body).toEqual(expected.body);
    const actual: Streams = {};
    for (const e of appended) (actual[e.streamName] ??= []).push({ type: e.type, data: e.data });
    expect(actual).toEqual(
      typeof expected.events === 'function' ? expected.events(response, appended) : expected.events,
    );
    return outcome;
  }

  return {
    t,
    clock,
    given(...streams) {
      return {
        when(request) {
          return {
            then(expectation: Expectation, ...rest: unknown[]) {
              // `await spec.given().when()` would call then(resolve, reject): fail it instead of hanging.
              if (typeof expectation !== 'object' || expectation === null) {
                const error = new Error(
                  'call .then({ status, events }) on when(); do not await when() itself',
                );
                if (typeof rest[0] === 'function') (rest[0] as (e: Error) => void)(error);
                const failed = Promise.reject(error);
                failed.catch(() => undefined); // reported through reject above, not as an unhandled rejection
                return failed;
              }
              return run(streams, request).then((outcome) => check(outcome, expectation));
            },
            async thenError(status, code, details) {
              return check(await run(streams, request), { status, error: { code, details }, events: {} });
            },
          };
        },
      };
    },
    close: () => t.close(),
  };
}

// ---- events to start from --------------------------------------------------------------------------------
// Typed by the domain's own event types, so a changed event shape fails to compile here, not silently.

const ev = <E extends StreamEvent>(e: E): E => e;

export const streams = {
  venue: (id: string) => `venue-${id}`,
  event: (id: string) => `event-${id}`,
  customer: (id: string) => `customer-${id}`,
  order: (id: string) => `order-${id}`,
  ticket: (id: string) => `ticket-${id}`,
};

/** Floor (s1: A and B, 10 seats each) and Balcony (s2: A, 8 seats), as tests/support/fixtures.ts builds. */
export function venueCreated(venueId: string, over: Partial<VenueLayout> = {}): VenueEvent {
  const layout: VenueLayout = {
    venueId,
    name: 'Test Arena',
    city: 'Springfield',
    state: 'IL',
    country: 'US',
    sections: [
      {
        sectionId: 's1',
        name: 'Floor',
        rows: [
          { row: 'A', seatCount: 10 },
          { row: 'B', seatCount: 10 },
        ],
      },
      { sectionId: 's2', name: 'Balcony', rows: [{ row: 'A', seatCount: 8 }] },
    ],
    ...over,
  };
  return ev({ type: 'VenueCreated', data: { ...layout, capacity: venueCapacity(layout) } });
}

/** Floor at 150.00 + 22.50 fees, Balcony at 80.25 + 12.00, on sale since 2020, on 2030-08-15. */
export function eventCreated(
  eventId: string,
  venueId: string,
  over: Partial<EventDetails> = {},
): TicketedEventEvent {
  return ev({
    type: 'EventCreated',
    data: {
      eventId,
      name: 'The Test Tour',
      artist: 'The Testers',
      description: 'A night of assertions',
      category: 'Concert',
      venueId,
      venueName: 'Test Arena',
      city: 'Springfield',
      state: 'IL',
      country: 'US',
      date: '2030-08-15T19:00:00.000Z',
      doorsOpen: null,
      presaleStart: null,
      generalSaleStart: '2020-01-01T10:00:00.000Z',
      tiers: [
        { tierId: `${eventId}-t1`, name: 'Floor', priceCents: 15000, feesCents: 2250, sectionIds: ['s1'] },
        { tierId: `${eventId}-t2`, name: 'Balcony', priceCents: 8025, feesCents: 1200, sectionIds: ['s2'] },
      ],
      maxTicketsPerOrder: 8,
      restrictSingleSeat: true,
      queue: { enabled: false, admissionPerMinute: 0 },
      capacity: 28,
      createdAt: '2026-01-01T00:00:00.000Z',
      ...over,
    },
  });
}

export const eventPublished = (
  eventId: string,
  publishedAt = '2026-01-01T00:00:01.000Z',
): TicketedEventEvent => ev({ type: 'EventPublished', data: { eventId, publishedAt } });

export const eventCancelled = (
  eventId: string,
  cancelledAt = '2026-01-02T00:00:00.000Z',
): TicketedEventEvent =>
  ev({ type: 'EventCancelled', data: { eventId, cancelledAt, reason: 'Cancelled by the organiser' } });

/** A hold on Floor seats (150.00 + 22.50 each) unless prices are given. */
export function seatsHeld(h: {
  eventId: string;
  holdId: string;
  userId: string;
  seatIds: string[];
  heldAt: string;
  expiresAt: string;
  subtotalCents?: number;
  feesCents?: number;
}): TicketedEventEvent {
  return ev({
    type: 'SeatsHeld',
    data: {
      ...h,
      subtotalCents: h.subtotalCents ?? 15000 * h.seatIds.length,
      feesCents: h.feesCents ?? 2250 * h.seatIds.length,
    },
  });
}

/** A published event in the default venue: the streams, in the order projections need them. */
export function publishedEvent(
  eventId: string,
  over: Partial<EventDetails> = {},
  venueId = `venue-of-${eventId}`,
): Streams {
  return {
    [streams.venue(venueId)]: [venueCreated(venueId)],
    [streams.event(eventId)]: [eventCreated(eventId, venueId, over), eventPublished(eventId)],
  };
}

export function customerRegistered(
  userId: string,
  email: string,
  role: 'customer' | 'admin' = 'customer',
): CustomerEvent {
  return ev({
    type: 'CustomerRegistered',
    data: {
      userId,
      email,
      name: 'A Fan',
      passwordHash: 'scrypt$not-a-real-hash',
      role,
      registeredAt: '2026-01-01T00:00:00.000Z',
    },
  });
}

export const emailClaimed = (email: string, userId: string): EmailClaimed =>
  ev({ type: 'EmailClaimed', data: { email, userId } });

export function paymentMethodAdded(
  paymentMethodId: string,
  over: Partial<Extract<CustomerEvent, { type: 'PaymentMethodAdded' }>['data']> = {},
): CustomerEvent {
  return ev({
    type: 'PaymentMethodAdded',
    data: {
      paymentMethodId,
      type: 'CARD',
      cardToken: 'tok_visa',
      brand: 'Visa',
      last4: '4242',
      expMonth: 12,
      expYear: 2030,
      isDefault: true,
      previousDefaultId: null,
      addedAt: '2026-01-01T00:00:00.000Z',
      ...over,
    },
  });
}

/** An order of one Floor seat (s1:A:1) at the test prices, placed by `userId` for `reservationId`. */
export const placedOrderData = (
  ids: Pick<OrderPlacedData, 'orderId' | 'userId' | 'eventId' | 'reservationId' | 'placedAt'>,
  over: Partial<OrderPlacedData> = {},
): OrderPlacedData => ({
  ...ids,
  eventName: 'The Test Tour',
  eventDate: '2030-08-15T19:00:00.000Z',
  venueName: 'Test Arena',
  seats: [{ seatId: 's1:A:1', section: 'Floor', row: 'A', seat: '1', priceCents: 15000, feesCents: 2250 }],
  subtotalCents: 15000,
  feesCents: 2250,
  taxesCents: 1350,
  totalCents: 18600,
  paymentMethodId: 'pm-1',
  cardToken: 'tok_visa',
  authorizationId: `auth-${ids.orderId}`,
  deliveryMethod: 'MOBILE',
  billingAddress: null,
  ...over,
});

export const orderPlaced = (data: OrderPlacedData): OrderEvent => ev({ type: 'OrderPlaced', data });

export const orderConfirmed = (data: OrderPlacedData, confirmedAt: string): OrderEvent =>
  ev({ type: 'OrderConfirmed', data: { ...data, confirmedAt } });

export const ticketIssued = (details: TicketDetails, issuedAt: string): TicketEvent =>
  ev({ type: 'TicketIssued', data: { ...details, issuedAt } });
