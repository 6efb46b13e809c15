import {
  COLLECTIONS,
  type EventDoc,
  type OrderDoc,
  type ReservationDoc,
  type SeatMapSectionDoc,
  type TicketDoc,
  type TransferDoc,
  type VenueDoc,
} from '../application/read-models/documents';

/**
 * The secondary indexes each read model needs, one table for every durable read store (MongoDB creates them at
 * start; the memory store scans). Each entry names the query it serves, so an index without a reader, or a
 * query without an index, shows up here. Keys are typed by the collection's document: a renamed field does not
 * compile. Lookups by `_id` (get, update, put) need no entry.
 */
export interface IndexDefinition<D> {
  name: string;
  key: Partial<Record<keyof D & string, 1 | -1>>;
  /** The query this index serves (file: what it asks). */
  serves: string;
}

type Table = {
  [C in keyof typeof COLLECTIONS]: IndexDefinition<DocOf<C>>[];
};
type DocOf<C extends keyof typeof COLLECTIONS> = {
  venues: VenueDoc;
  events: EventDoc;
  seatMaps: SeatMapSectionDoc;
  reservations: ReservationDoc;
  orders: OrderDoc;
  tickets: TicketDoc;
  transfers: TransferDoc;
}[C];

const TABLE: Table = {
  venues: [],
  events: [
    {
      name: 'published_date',
      key: { published: 1, date: 1, _id: 1 },
      serves:
        'catalog-queries search and partner-events list: {published: true, ...} sorted by date then _id, paged',
    },
  ],
  seatMaps: [
    {
      name: 'event_index',
      key: { event_id: 1, index: 1 },
      serves: 'catalog-queries seat map: {event_id} sorted by section index',
    },
    {
      name: 'event_name',
      key: { event_id: 1, name: 1 },
      serves: 'catalog-queries seat map: {event_id, name} (a section by name)',
    },
  ],
  reservations: [
    {
      name: 'status_expires',
      key: { status: 1, expires_at: 1 },
      serves: 'reservation-service releaseExpired: {status: HELD, expires_at <= now}',
    },
  ],
  orders: [
    {
      name: 'user_created',
      key: { user_id: 1, created_at: -1 },
      serves: 'order-service list: {user_id} sorted by created_at descending',
    },
    {
      name: 'event_status',
      key: { event_id: 1, status: 1 },
      serves: 'order-sagas event cancellation: {event_id, status in [CONFIRMED, PENDING]}',
    },
    {
      name: 'status_payment',
      key: { status: 1, payment_status: 1 },
      serves: 'order-watchdog candidates: $or of status (and payment_status) clauses',
    },
  ],
  tickets: [
    {
      name: 'order_owner',
      key: { order_id: 1, owner_user_id: 1 },
      serves: 'ticket-service listForOrder: {order_id, owner_user_id}',
    },
  ],
  transfers: [],
};

/** The table keyed by collection name, as a store applies it. */
export function readModelIndexes(): ReadonlyArray<{
  collection: string;
  indexes: ReadonlyArray<{ name: string; key: Record<string, 1 | -1>; serves: string }>;
}> {
  return (Object.keys(TABLE) as Array<keyof typeof COLLECTIONS>).map((c) => ({
    collection: COLLECTIONS[c],
    indexes: TABLE[c].map((index) => ({
      name: index.name,
      key: index.key as Record<string, 1 | -1>,
      serves: index.serves,
    })),
  }));
}
