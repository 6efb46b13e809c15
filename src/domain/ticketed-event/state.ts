import type { Snapshotting } from '../shared/decider';
import type { Cents } from '../shared/money';
import type { EventDetails, TicketedEventEvent } from './events';

export type EventStatus = 'DRAFT' | 'PUBLISHED' | 'CANCELLED';

/** A seat that is not free: held until expiresAt (ms), or sold. Free seats are simply absent. */
export interface SeatClaim {
  status: 'HELD' | 'SOLD';
  holdId: string;
  userId: string;
  expiresAt: number;
  orderId?: string;
}

/** A live hold (released holds are dropped, so the state stays bounded on long streams). */
export interface Hold {
  holdId: string;
  userId: string;
  seatIds: string[];
  expiresAt: number;
  /** The prices SeatsHeld recorded: what an order of this hold is charged (before tax). */
  subtotalCents: Cents;
  feesCents: Cents;
  /** The order whose checkout extended the hold (HoldExtended), once: a hold is extended at most once. */
  checkoutOrderId?: string;
}

export interface TicketedEventState {
  details?: EventDetails;
  status: EventStatus;
  seats: Map<string, SeatClaim>;
  holds: Map<string, Hold>;
  /** holdIds per user, for the purchase limit. */
  holdsByUser: Map<string, Set<string>>;
  /** Seats sold per user, for the purchase limit. */
  soldByUser: Map<string, number>;
  /** Seats sold per order, to return them on refund. */
  soldByOrder: Map<string, { userId: string; seatIds: string[] }>;
  /** Orders whose seats were returned (makes the refund idempotent). */
  returnedOrders: Set<string>;
  /** Holds that became sales, with their order: such a hold is ordered, never released. */
  soldHolds: Map<string, string>;
  tierBySection: Map<string, string>;
}

export function initialTicketedEventState(): TicketedEventState {
  return {
    status: 'DRAFT',
    seats: new Map(),
    holds: new Map(),
    holdsByUser: new Map(),
    soldByUser: new Map(),
    soldByOrder: new Map(),
    returnedOrders: new Set(),
    soldHolds: new Map(),
    tierBySection: new Map(),
  };
}

/** Folds one event into the state, mutating it: a big event's state is too large to copy per event. */
export function evolveTicketedEvent(
  state: TicketedEventState,
  event: TicketedEventEvent,
): TicketedEventState {
  switch (event.type) {
    case 'EventCreated': {
      state.details = event.data;
      for (const tier of event.data.tiers)
        for (const sectionId of tier.sectionIds) state.tierBySection.set(sectionId, tier.tierId);
      return state;
    }
    case 'EventPublished':
      state.status = 'PUBLISHED';
      return state;
    case 'EventCancelled':
      state.status = 'CANCELLED';
      return state;
    case 'SeatsHeld': {
      const { holdId, userId, seatIds } = event.data;
      const expiresAt = Date.parse(event.data.expiresAt);
      for (const seatId of seatIds) state.seats.set(seatId, { status: 'HELD', holdId, userId, expiresAt });
      const { subtotalCents, feesCents } = event.data;
      state.holds.set(holdId, { holdId, userId, seatIds, expiresAt, subtotalCents, feesCents });
      let mine = state.holdsByUser.get(userId);
      if (!mine) state.holdsByUser.set(userId, (mine = new Set()));
      mine.add(holdId);
      return state;
    }
    case 'HoldExtended': {
      const { holdId, orderId } = event.data;
      const hold = state.holds.get(holdId);
      if (!hold) return state;
      hold.expiresAt = Date.parse(event.data.expiresAt);
      hold.checkoutOrderId = orderId;
      for (const seatId of hold.seatIds) {
        const claim = state.seats.get(seatId);
        if (claim?.holdId === holdId && claim.status === 'HELD') claim.expiresAt = hold.expiresAt;
      }
      return state;
    }
    case 'HoldReleased': {
      const { holdId, userId, seatIds } = event.data;
      for (const seatId of seatIds) {
        if (state.seats.get(seatId)?.holdId === holdId) state.seats.delete(seatId);
      }
      dropHold(state, holdId, userId);
      return state;
    }
    case 'SeatsSold': {
      const { holdId, orderId, userId, seatIds } = event.data;
      for (const seatId of seatIds)
        state.seats.set(seatId, { status: 'SOLD', holdId, userId, expiresAt: Infinity, orderId });
      dropHold(state, holdId, userId);
      state.soldByUser.set(userId, (state.soldByUser.get(userId) ?? 0) + seatIds.length);
      state.soldByOrder.set(orderId, { userId, seatIds });
      state.soldHolds.set(holdId, orderId);
      return state;
    }
    case 'SeatsReturned': {
      const { orderId, userId, seatIds } = event.data;
      for (const seatId of seatIds) {
        if (state.seats.get(seatId)?.orderId === orderId) state.seats.delete(seatId);
      }
      state.soldByUser.set(userId, Math.max(0, (state.soldByUser.get(userId) ?? 0) - seatIds.length));
      state.soldByOrder.delete(orderId);
      state.returnedOrders.add(orderId);
      return state;
    }
  }
}

function dropHold(state: TicketedEventState, holdId: string, userId: string): void {
  state.holds.delete(holdId);
  const mine = state.holdsByUser.get(userId);
  if (mine) {
    mine.delete(holdId);
    if (mine.size === 0) state.holdsByUser.delete(userId);
  }
}

/** A free seat: never claimed, released, or held by a hold that has expired (lazy expiry). */
export function isSeatFree(state: TicketedEventState, seatId: string, nowMs: number): boolean {
  const claim = state.seats.get(seatId);
  return !claim || (claim.status === 'HELD' && claim.expiresAt <= nowMs);
}

/** Seats a user holds (unexpired) or has bought for this event. */
export function ticketsOfUser(state: TicketedEventState, userId: string, nowMs: number): number {
  let count = state.soldByUser.get(userId) ?? 0;
  for (const holdId of state.holdsByUser.get(userId) ?? []) {
    const hold = state.holds.get(holdId);
    if (hold && hold.expiresAt > nowMs) count += hold.seatIds.length;
  }
  return count;
}

interface TicketedEventSnapshot {
  details?: TicketedEventState['details'];
  status: EventStatus;
  holds: Hold[];
  sold: Array<[orderId: string, userId: string, holdId: string, seatIds: string[]]>;
  returnedOrders: string[];
  soldHolds: Array<[holdId: string, orderId: string]>;
}

/** Snapshots store holds and sales; seat claims and per-user indexes are rebuilt from them. */
export const ticketedEventSnapshots: Snapshotting<TicketedEventState> = {
  // 2: holds keep their recorded prices, and sold holds are remembered.
  snapshotVersion: 2,
  toSnapshot(state): TicketedEventSnapshot {
    const sold = new Map<string, [string, string, string, string[]]>();
    for (const [seatId, claim] of state.seats) {
      if (claim.status !== 'SOLD' || !claim.orderId) continue;
      const entry = sold.get(claim.orderId) ?? [claim.orderId, claim.userId, claim.holdId, []];
      entry[3].push(seatId);
      sold.set(claim.orderId, entry);
    }
    return {
      details: state.details,
      status: state.status,
      holds: [...state.holds.values()].map((h) => ({ ...h, seatIds: [...h.seatIds] })),
      sold: [...sold.values()],
      returnedOrders: [...state.returnedOrders],
      soldHolds: [...state.soldHolds],
    };
  },
  fromSnapshot(raw) {
    const snapshot = raw as TicketedEventSnapshot;
    let state = initialTicketedEventState();
    if (snapshot.details)
      state = evolveTicketedEvent(state, { type: 'EventCreated', data: snapshot.details });
    state.status = snapshot.status;
    for (const hold of snapshot.holds) {
      evolveTicketedEvent(state, {
        type: 'SeatsHeld',
        data: {
          eventId: '',
          holdId: hold.holdId,
          userId: hold.userId,
          seatIds: hold.seatIds,
          heldAt: '',
          expiresAt: new Date(hold.expiresAt).toISOString(),
          subtotalCents: hold.subtotalCents,
          feesCents: hold.feesCents,
        },
      });
      if (hold.checkoutOrderId !== undefined)
        state.holds.get(hold.holdId)!.checkoutOrderId = hold.checkoutOrderId;
    }
    for (const [orderId, userId, holdId, seatIds] of snapshot.sold) {
      evolveTicketedEvent(state, {
        type: 'SeatsSold',
        data: { eventId: '', holdId, orderId, userId, seatIds, soldAt: '', totalCents: 0 },
      });
    }
    for (const orderId of snapshot.returnedOrders) state.returnedOrders.add(orderId);
    for (const [holdId, orderId] of snapshot.soldHolds) state.soldHolds.set(holdId, orderId);
    return state;
  },
};
