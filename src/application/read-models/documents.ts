import { resolveQueueSettings, type RecordedQueueSettings } from '../../domain/queue/settings';
import { venueCapacity, type VenueLayout } from '../../domain/venue/venue';

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
  /** Null for a presale-only event (no public on-sale). */
  general_sale_start: string | null;
  status: 'DRAFT' | 'PUBLISHED' | 'CANCELLED';
  published: boolean;
  pricing_tiers: TierDoc[];
  total_capacity: number;
  available_seats: number;
  max_tickets_per_order: number;
  restrict_single_seat: boolean;
  queue: QueueSettingsDoc;
  /** Partner channel flags (partner-settings.ts); absent on documents of events recorded before them. */
  internet_enabled?: boolean;
  emits_barcodes?: boolean;
  captcha_required?: boolean;
  /** How tickets reach the buyer (partner API); the default free e-ticket for events recorded without them. */
  shipping_options?: Array<{ shipping_id: string; name: string; price_cents: number }>;
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
  rows: Array<{
    row: string;
    seats: Array<{ seat_id: string; number: string; status: SeatStatus; price: number | null }>;
  }>;
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

export interface OrderDoc {
  _id: string;
  _position?: number;
  order_id: string;
  user_id: string;
  event_id: string;
  reservation_id: string;
  event: { name: string; date: string; venue: string };
  seats: Array<{ seat_id: string; section: string; row: string; seat: string }>;
  subtotal_cents: number;
  fees_cents: number;
  taxes_cents: number;
  total_cents: number;
  status: 'PENDING' | 'CONFIRMED' | 'FAILED' | 'CANCELLED';
  payment_status: 'AUTHORIZED' | 'CAPTURED' | 'VOIDED' | 'REFUND_PENDING' | 'REFUNDED';
  payment_method_id: string;
  delivery_method: string;
  tickets: Array<{ ticket_id: string; seat_id: string; barcode: string }>;
  failure_reason: string | null;
  refund_amount_cents: number | null;
  created_at: string;
  confirmed_at: string | null;
  cancelled_at: string | null;
  refunded_at: string | null;
}

export type TicketStatus = 'ACTIVE' | 'VOID' | 'TRANSFERRED';

export interface TicketDoc {
  _id: string;
  _position?: number;
  ticket_id: string;
  order_id: string;
  event_id: string;
  owner_user_id: string;
  seat_id: string;
  event_name: string;
  event_date: string;
  venue: string;
  section: string;
  row: string;
  seat: string;
  barcode: string;
  status: TicketStatus;
  /** ACTIVE with no pending transfer; whether the event already started is decided at read time. */
  transferable: boolean;
  /** The transfer waiting for its recipient (it lapses by itself at expires_at). */
  pending_transfer: { transfer_id: string; expires_at: string } | null;
  previous_ticket_id: string | null;
  /** The ticket that reissued this one once it was transferred. */
  next_ticket_id: string | null;
  created_at: string;
  voided_at: string | null;
}

export interface TransferDoc {
  _id: string;
  _position?: number;
  transfer_id: string;
  ticket_id: string;
  from_user_id: string;
  recipient_email: string;
  recipient_name: string;
  status: 'PENDING' | 'ACCEPTED' | 'CANCELLED';
  expires_at: string;
  new_ticket_id: string | null;
  created_at: string;
}

export const COLLECTIONS = {
  venues: 'venues',
  events: 'events',
  seatMaps: 'seat_maps',
  reservations: 'reservations',
  orders: 'orders',
  tickets: 'tickets',
  transfers: 'transfers',
} as const;

/** Seat ids are `${sectionId}:${row}:${number}`. */
export function parseSeatId(seatId: string): { sectionId: string; row: string; number: number } {
  const first = seatId.indexOf(':');
  const last = seatId.lastIndexOf(':');
  return {
    sectionId: seatId.slice(0, first),
    row: seatId.slice(first + 1, last),
    number: Number(seatId.slice(last + 1)),
  };
}

/** The waiting room's settings as read models and API answers show them (defaults filled in for older events). */
export interface QueueSettingsDoc {
  enabled: boolean;
  admission_per_minute: number;
  capacity: number;
  access_seconds: number;
  challenge_max_number: number;
  max_entries_per_device: number;
}

export function queueSettingsDoc(recorded: RecordedQueueSettings): QueueSettingsDoc {
  const settings = resolveQueueSettings(recorded);
  return {
    enabled: settings.enabled,
    admission_per_minute: settings.admissionPerMinute,
    capacity: settings.capacity,
    access_seconds: settings.accessSeconds,
    challenge_max_number: settings.challengeMaxNumber,
    max_entries_per_device: settings.maxEntriesPerDevice,
  };
}

/** The venue as read models and API answers show it (snake_case, with its capacity). */
export function venueView(layout: VenueLayout): Omit<VenueDoc, '_id' | '_position'> {
  return {
    venue_id: layout.venueId,
    name: layout.name,
    city: layout.city,
    state: layout.state,
    country: layout.country,
    capacity: venueCapacity(layout),
    sections: layout.sections.map((s) => ({
      section_id: s.sectionId,
      name: s.name,
      rows: s.rows.map((r) => ({ row: r.row, seat_count: r.seatCount })),
    })),
  };
}

export function seatMapDocId(eventId: string, sectionId: string): string {
  return `${eventId}:${sectionId}`;
}
