import {
  array,
  bool,
  component,
  dateTime,
  int,
  ISO,
  money,
  object,
  objectComponent,
  str,
} from '../contract/schema';

export const Venue = objectComponent('Venue', {
  venue_id: str('Venue id'),
  name: str('Venue name'),
  city: str('City'),
  state: str('State'),
  country: str('Country'),
  capacity: int('Seats in all'),
  sections: array(
    object({
      section_id: str('Section id (`s1`, `s2`, ... in layout order)'),
      name: str('Section name'),
      rows: array(object({ row: str('Row label'), seat_count: int('Seats in the row') })),
    }),
  ),
});

const QueueState = objectComponent('QueueState', {
  enabled: bool('Queue-protected'),
  admission_per_minute: int('Admissions per minute'),
  capacity: int('Waiting entries the queue holds (then 503 QUEUE_FULL)'),
  access_seconds: int('How long an admitted entry may reserve'),
  challenge_max_number: int('Proof-of-work difficulty of the join challenge (0: none)'),
  max_entries_per_device: int('Live queue entries per device'),
});

/** A pricing tier's name and price, as every view of an event shows them. */
const tierPrice = {
  tier_id: str('Tier id'),
  name: str('Name'),
  price: money('Price'),
  fees: money('Fees'),
};

export const CreatedEvent = objectComponent('CreatedEvent', {
  event_id: str('Event id'),
  name: str('Name'),
  artist: str('Artist'),
  description: str('Description'),
  category: str('Category'),
  venue_id: str('Venue id'),
  date: dateTime(`Start (${ISO})`),
  doors_open: dateTime('Doors open', true),
  presale_start: dateTime('Presale opens', true),
  general_sale_start: dateTime('General sale opens (null: a presale-only event)', true),
  pricing_tiers: array(object({ ...tierPrice, section_ids: array({ type: 'string' }) })),
  max_tickets_per_order: int('Per-customer limit'),
  restrict_single_seat: bool('Single-seat gap rule'),
  queue: QueueState,
  internet_enabled: bool('Listed for partners (Partner API)'),
  emits_barcodes: bool("Partners' tickets carry `barcode_id`"),
  captcha_required: bool('Partner carts need a solved captcha'),
  total_capacity: int('Seats in all'),
  status: str('Always `DRAFT` on creation', { enum: ['DRAFT'] }),
});

export const EventStatusChange = objectComponent('EventStatusChange', {
  event_id: str('Event id'),
  status: str('New status', { enum: ['PUBLISHED', 'CANCELLED'] }),
});

const SaleStatus = component(
  'SaleStatus',
  str('Where the sale stands', {
    enum: ['ON_SALE', 'PRESALE', 'SCHEDULED', 'SOLD_OUT', 'CANCELLED', 'PAST', 'DRAFT'],
  }),
);

export const SearchResponse = objectComponent('SearchResponse', {
  events: array(
    object({
      event_id: str('Event id'),
      name: str('Name'),
      artist: str('Artist'),
      category: str('Category'),
      venue: object({ name: str('Venue'), city: str('City'), state: str('State') }),
      date: dateTime('Start'),
      on_sale_date: dateTime('When the (pre)sale opens'),
      price_range: {
        ...object({ min: money('Lowest price'), max: money('Highest price') }),
        nullable: true,
      },
      availability: SaleStatus,
      available_seats: int('Seats neither held nor sold'),
      image_url: str('Image (not stored yet: null)', { nullable: true }),
    }),
  ),
  pagination: object({
    page: int('Page'),
    per_page: int('Page size'),
    total: int('Matching events in all'),
  }),
});

const eventDetails = object({
  event_id: str('Event id'),
  name: str('Name'),
  description: str('Description'),
  artist: str('Artist'),
  artist_id: str('Artist id (not tracked yet: null)', { nullable: true }),
  venue_id: str('Venue id'),
  venue: object({ name: str('Venue'), city: str('City'), state: str('State'), country: str('Country') }),
  date: dateTime('Start'),
  doors_open: dateTime('Doors open', true),
  category: str('Category'),
  pricing_tiers: array(
    object({
      ...tierPrice,
      total: money('Price plus fees'),
      available_seats: int('Seats of this tier neither held nor sold'),
      capacity: int('Seats of this tier'),
    }),
  ),
  sale_info: object({
    presale_start: dateTime('Presale opens', true),
    general_sale_start: dateTime('General sale opens (null: a presale-only event)', true),
    status: SaleStatus,
  }),
  max_tickets_per_order: int('Per-customer limit'),
  restrict_single_seat: bool('Single-seat gap rule'),
  queue: QueueState,
  total_capacity: int('Seats in all'),
  available_seats: int('Seats neither held nor sold'),
});

export const EventDetails = component('EventDetails', eventDetails);

/** The public details plus the catalog status (written out, not allOf: responses are checked field by field). */
export const AdminEventDetails = objectComponent('AdminEventDetails', {
  ...eventDetails.properties,
  status: str('Catalog status', { enum: ['DRAFT', 'PUBLISHED', 'CANCELLED'] }),
  internet_enabled: bool('Listed for partners (Partner API)'),
  emits_barcodes: bool("Partners' tickets carry `barcode_id`"),
  captcha_required: bool('Partner carts need a solved captcha'),
});

const SeatStatus = component(
  'SeatStatus',
  str('Seat status', { enum: ['AVAILABLE', 'RESERVED', 'SOLD', 'UNAVAILABLE'] }),
);

export const SeatMap = objectComponent('SeatMap', {
  event_id: str('Event id'),
  sections: array(
    object({
      section_id: str('Section id'),
      name: str('Section name'),
      tier_id: str('Tier pricing this section (null: not on sale)', { nullable: true }),
      rows: array(
        object({
          row: str('Row label'),
          seats: array(
            object({
              seat_id: str('Seat id: `{section_id}:{row}:{number}`', { example: 's1:A:1' }),
              number: str('Seat number in the row'),
              status: SeatStatus,
              price: { ...money('Price'), nullable: true },
            }),
          ),
        }),
      ),
    }),
  ),
  last_updated: dateTime('Last change to any returned section'),
});
