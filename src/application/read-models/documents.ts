/** Shapes of the read-model documents (snake_case: they are close to what the API returns). */

export interface VenueDoc {
  _id: string;
  _position?: number;
  venue_id: string;
  name: string;
  city: string;
  state: string;
  country: string;
  capacity: number;
  sections: Array<{ section_id: string; name: string; rows: Array<{ row: string; seat_count: number }> }>;
}

export interface TierDoc {
  tier_id: string;
  name: string;
  price_cents: number;
  fees_cents: number;
  section_ids: string[];
  capacity: number;
  available_seats: number;
  held_seats: number;
  sold_seats: number;
}

export interface EventDoc {
  _id: string;
  _position?: number;
  event_id: string;
  name: string;
  artist: string;
  description: string;
  category: string;
  venue_id: string;
  venue: { name: string; city: string; state: string; country: string };
  date: string;
  doors_open: string | null;
  presale_start: string | null;
  general_sale_start: string;
  status: 'DRAFT' | 'PUBLISHED' | 'CANCELLED';
  published: boolean;
  pricing_tiers: TierDoc[];
  total_capacity: number;
  available_seats: number;
  max_tickets_per_order: number;
  restrict_single_seat: boolean;
  queue: { enabled: boolean; admission_per_minute: number };
  /** Lower-cased name, artist and venue name, for the free-text query. */
  search_text: string;
  created_at: string;
  updated_at: string;
}

export type SeatStatus = 'AVAILABLE' | 'RESERVED' | 'SOLD' | 'UNAVAILABLE';

export interface SeatMapSectionDoc {
  _id: string;
  _position?: number;
  event_id: string;
  section_id: string;
  /** Section order in the venue. */
  index: number;
  name: string;
  tier_id: string | null;
  rows: Array<{ row: string; seats: Array<{ seat_id: string; number: string; status: SeatStatus; price: number | null }> }>;
  last_updated: string;
}

export interface ReservationDoc {
  _id: string;
  _position?: number;
  reservation_id: string;
  event_id: string;
  user_id: string;
  seat_ids: string[];
  status: 'HELD' | 'RELEASED' | 'EXPIRED' | 'SOLD' | 'CANCELLED';
  expires_at: string;
  subtotal_cents: number;
  fees_cents: number;
  created_at: string;
  order_id: string | null;
  released_at: string | null;
}

export const COLLECTIONS = {
  venues: 'venues',
  events: 'events',
  seatMaps: 'seat_maps',
  reservations: 'reservations',
} as const;

/** Seat ids are `${sectionId}:${row}:${number}`. */
export function parseSeatId(seatId: string): { sectionId: string; row: string; number: number } {
  const first = seatId.indexOf(':');
  const last = seatId.lastIndexOf(':');
  return { sectionId: seatId.slice(0, first), row: seatId.slice(first + 1, last), number: Number(seatId.slice(last + 1)) };
}

export function seatMapDocId(eventId: string, sectionId: string): string {
  return `${eventId}:${sectionId}`;
}
