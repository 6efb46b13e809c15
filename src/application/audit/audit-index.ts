/** The auditors' index (src/projections/audit.projection.ts): log positions by correlation id and by seat. */

export const AUDIT_COLLECTIONS = {
  /** `_id`: correlation id; `positions`: log positions of its events, ascending. */
  correlations: 'audit_correlations',
  /** `_id`: `{event_id}/{seat_id}`; `positions`: log positions of the seat's history, ascending. */
  seats: 'audit_seats',
  /** `_id`: order id: the event and seats it bought (to file the order's later events under its seats). */
  orders: 'audit_orders',
  /** `_id`: ticket id: the event and seat it is for (to file transfers and voids under the seat). */
  tickets: 'audit_tickets',
  /**
   * `_id`: hold id of a live hold: its event and seats, to file the payment attempts of an order (which come before
   * the order is placed and name only the hold) under its seats. Dropped when the hold is sold or released.
   */
  holds: 'audit_holds',
} as const;

export interface AuditPositionsDoc {
  _id: string;
  _position?: number;
  positions: number[];
}

export interface AuditOrderDoc {
  _id: string;
  _position?: number;
  event_id: string;
  seat_ids: string[];
}

export interface AuditHoldDoc {
  _id: string;
  _position?: number;
  event_id: string;
  seat_ids: string[];
}

export interface AuditTicketDoc {
  _id: string;
  _position?: number;
  event_id: string;
  seat_id: string;
}

export const seatKey = (eventId: string, seatId: string) => `${eventId}/${seatId}`;
