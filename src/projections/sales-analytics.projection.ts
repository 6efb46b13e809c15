import type { ReadStore } from '../application/ports/read-store';
import {
  COLLECTIONS,
  parseSeatId,
  type OrderDoc,
  type TicketDoc,
} from '../application/read-models/documents';
import { SALES_ANALYTICS, type SalesAnalyticsDoc } from '../application/analytics/sales-analytics';
import type { OrderCancelled, OrderConfirmed } from '../domain/order/order';
import type { TicketTransferred } from '../domain/ticket/ticket';
import type { EventCreated, SeatsSold } from '../domain/ticketed-event/events';
import {
  andThen,
  docs,
  indexedPath,
  seatMovementHandlers,
  type Awaitable,
  type Data,
  type Projection,
  type SeatMovement,
} from './projection';

/**
 * Sales analytics per event (one document per event, for analysts and GET /v1/analytics/events/{id}/sales):
 * seats held and sold per tier, revenue (face value) and fees of the seats sold, taxes and number of confirmed
 * orders, refunds, transfers, and sales per minute. Every figure is net: returned seats and cancelled orders
 * are taken back out. Orders and tickets are looked up in their own read models, which run before this one.
 */

/** Per seat: [held, sold, sign of the money booked] for each movement. */
const MOVES: Record<SeatMovement['type'], { held: number; sold: number; money: number }> = {
  SeatsHeld: { held: 1, sold: 0, money: 0 },
  HoldReleased: { held: -1, sold: 0, money: 0 },
  SeatsSold: { held: -1, sold: 1, money: 1 },
  SeatsReturned: { held: 0, sold: -1, money: -1 },
};

/** `2030-08-15T19:05:00Z`: the minute a sale was recorded in. */
export const minuteOf = (iso: string) => `${iso.slice(0, 16)}:00Z`;

const analytics = (store: ReadStore) => store.collection<SalesAnalyticsDoc>(SALES_ANALYTICS);

function move(
  store: ReadStore,
  event: Data<SeatMovement>,
  perSeat: (typeof MOVES)[SeatMovement['type']],
): Awaitable<void> {
  return andThen(docs.get(analytics(store), event.data.eventId), (doc) => book(store, event, perSeat, doc));
}

function book(
  store: ReadStore,
  event: Data<SeatMovement>,
  perSeat: (typeof MOVES)[SeatMovement['type']],
  doc: SalesAnalyticsDoc | null,
): Awaitable<void> {
  const { eventId, seatIds } = event.data;
  if (!doc || (doc._position ?? -1) >= event.position) return;
  // Seats per tier first (a movement's seats are nearly always in one tier), then one set of paths per tier.
  const seatsPerTier = new Map<number, number>();
  for (const seatId of seatIds) {
    const { sectionId } = parseSeatId(seatId);
    const i = doc.tiers.findIndex((t) => t.section_ids.includes(sectionId));
    if (i >= 0) seatsPerTier.set(i, (seatsPerTier.get(i) ?? 0) + 1);
  }
  const inc: Record<string, number> = {};
  const add = (path: string, n: number) => {
    if (n !== 0) inc[path] = (inc[path] ?? 0) + n;
  };
  let revenue = 0;
  let sold = 0;
  for (const [i, seats] of seatsPerTier) {
    const tier = doc.tiers[i];
    add(indexedPath('tiers', i, 'held'), perSeat.held * seats);
    add(indexedPath('tiers', i, 'sold'), perSeat.sold * seats);
    add(indexedPath('tiers', i, 'revenue_cents'), perSeat.money * tier.price_cents * seats);
    add('totals.held', perSeat.held * seats);
    add('totals.sold', perSeat.sold * seats);
    add('totals.revenue_cents', perSeat.money * tier.price_cents * seats);
    add('totals.fees_cents', perSeat.money * tier.fees_cents * seats);
    revenue += perSeat.money * tier.price_cents * seats;
    sold += perSeat.sold * seats;
  }
  const update: Record<string, Record<string, unknown>> = { $inc: inc };
  if (event.type === 'SeatsSold') {
    // Sales are booked in the minute they were sold; returns are not (the series shows the on-sale).
    const minute = minuteOf((event as Data<SeatsSold>).data.soldAt);
    const at = doc.per_minute.findIndex((m) => m.minute === minute);
    if (at >= 0) {
      inc[indexedPath('per_minute', at, 'sold')] = sold;
      inc[indexedPath('per_minute', at, 'revenue_cents')] = revenue;
    } else update.$push = { per_minute: { minute, sold, revenue_cents: revenue } };
  }
  return docs.update(analytics(store), eventId, update, { position: event.position });
}

function count(store: ReadStore, eventId: string, position: number, inc: Record<string, number>) {
  return docs.update(analytics(store), eventId, { $inc: inc }, { position });
}

export const salesAnalyticsProjection: Projection = {
  name: 'sales-analytics',
  replayWeight: 0.5,
  reads: ['orders', 'tickets'],
  handlers: {
    EventCreated(event: Data<EventCreated>, store) {
      const e = event.data;
      return docs.put(analytics(store), {
        _id: e.eventId,
        _position: event.position,
        event_id: e.eventId,
        tiers: e.tiers.map((t) => ({
          tier_id: t.tierId,
          name: t.name,
          price_cents: t.priceCents,
          fees_cents: t.feesCents,
          section_ids: t.sectionIds,
          sold: 0,
          held: 0,
          revenue_cents: 0,
        })),
        totals: {
          sold: 0,
          held: 0,
          revenue_cents: 0,
          fees_cents: 0,
          taxes_cents: 0,
          orders: 0,
          refunds: 0,
          transfers: 0,
        },
        per_minute: [],
      });
    },

    ...seatMovementHandlers(MOVES, move),

    OrderConfirmed(event: Data<OrderConfirmed>, store) {
      const { eventId, taxesCents } = event.data;
      return count(store, eventId, event.position, { 'totals.orders': 1, 'totals.taxes_cents': taxesCents });
    },

    OrderCancelled(event: Data<OrderCancelled>, store) {
      // Only a confirmed order was counted (and its taxes booked); the orders read model knows if it was.
      const orders = store.collection<OrderDoc>(COLLECTIONS.orders);
      return andThen(docs.get(orders, event.data.orderId), (order) => {
        if (!order?.confirmed_at) return;
        return count(store, event.data.eventId, event.position, {
          'totals.orders': -1,
          'totals.taxes_cents': -order.taxes_cents,
          'totals.refunds': 1,
        });
      });
    },

    TicketTransferred(event: Data<TicketTransferred>, store) {
      const tickets = store.collection<TicketDoc>(COLLECTIONS.tickets);
      return andThen(docs.get(tickets, event.data.ticketId), (ticket) => {
        if (ticket) return count(store, ticket.event_id, event.position, { 'totals.transfers': 1 });
      });
    },
  },
};
