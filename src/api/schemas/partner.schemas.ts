import {
  array,
  bool,
  component,
  dateTime,
  int,
  money,
  object,
  objectComponent,
  str,
} from '../contract/schema';

/** Response schemas of partner clients (admin), the partner OAuth pages, captcha and partner events. */

const partnerClient = {
  partner_id: str('Partner id'),
  client_id: str('OAuth client id (the partner id: one client per partner)'),
  name: str('Client name'),
  redirect_uris: array(str('A redirect URI /oauth/authorize may use (compared exactly)')),
  logo_urls: array(str('A logo URL the OAuth pages may show')),
  captcha_domains: array(str('A host whose pages may ask for a captcha')),
  required_payment_fields: array(str('A payment field this client must send')),
  quota_per_hour: int('Requests per hour under /partners/v1'),
  site_key: str('Captcha site key (public; rotate it with rotate-site-key)'),
  status: str('ACTIVE, or REVOKED for good', { enum: ['ACTIVE', 'REVOKED'] }),
  created_at: dateTime('When the client was registered'),
  secret_rotated_at: dateTime('When the secret was last rotated', true),
  site_key_rotated_at: dateTime('When the site key was last rotated', true),
  revoked_at: dateTime('When the client was revoked', true),
};

export const PartnerClient = objectComponent('PartnerClient', partnerClient);

export const PartnerClientWithSecret = objectComponent('PartnerClientWithSecret', {
  ...partnerClient,
  client_secret: str('The client secret: shown in this answer only (it is stored as a hash); keep it safe'),
});

export const PartnerCaptcha = objectComponent('PartnerCaptcha', {
  site_key: str("The partner's current captcha site key"),
  challenge: object({
    algorithm: str('Hash algorithm', { enum: ['SHA-256'] }),
    challenge: str('What to find a number for (hex)'),
    salt: str('Salt (carries the expiry and scope, signed)'),
    signature: str('Server signature (HMAC) over the challenge'),
    maxnumber: int('Upper bound of the number to find (difficulty)'),
  }),
});

const saleWindow = (what: string) =>
  object({ start: dateTime(`${what} opens`), end: dateTime(`${what} closes (the event starts)`) });

const venue = object({
  venue_id: str('Venue id'),
  name: str('Venue'),
  city: str('City'),
  state: str('State'),
  country: str('Country'),
});

const priceLevel = {
  tier_id: str('Price level (pricing tier) id'),
  name: str('Name'),
  price: money('Face value'),
  fees: money('Fees per ticket'),
  total: money('Price plus fees'),
};

const summary = {
  event_id: str('Event id'),
  name: str('Name'),
  artist: str('Artist'),
  category: str('Category'),
  date: dateTime('Start'),
  venue,
  status: str('PUBLISHED, or CANCELLED', { enum: ['PUBLISHED', 'CANCELLED'] }),
  sale_status: str('Where the sale stands', {
    enum: ['ON_SALE', 'PRESALE', 'SCHEDULED', 'SOLD_OUT', 'CANCELLED', 'PAST', 'DRAFT'],
  }),
  onsale: saleWindow('The public on-sale'),
  presale: saleWindow('The presale'),
};
/** `onsale` only when the event has a public sale date set up; `presale` only when it has a presale. */
const summaryRequired = Object.keys(summary).filter((k) => k !== 'onsale' && k !== 'presale');

export const PartnerEventList = objectComponent('PartnerEventList', {
  events: array(component('PartnerEventSummary', object(summary, summaryRequired))),
  pagination: object({
    page: int('Page'),
    per_page: int('Page size'),
    total: int('Events in all'),
  }),
});

const details = {
  ...summary,
  description: str('Description'),
  doors_open: dateTime('Doors open', true),
  max_tickets_per_order: int('Seats one cart may hold'),
  restrict_single_seat: bool('A cart may not leave a single empty seat alone in a row'),
  captcha_required: bool('Carts need a solved captcha (`altcha`, from GET /partners/v1/captcha)'),
  emits_barcodes: bool('Tickets of its orders carry `barcode_id`'),
  price_levels: array(object({ ...priceLevel, section_ids: array(str('Section id')) })),
  total_capacity: int('Seats in all'),
};

export const PartnerEventDetails = component(
  'PartnerEventDetails',
  object(
    details,
    Object.keys(details).filter((k) => k !== 'onsale' && k !== 'presale'),
  ),
);

export const PartnerAvailability = objectComponent('PartnerAvailability', {
  event_id: str('Event id'),
  available_seats: int('Seats neither held nor sold'),
  price_levels: array(
    object({
      ...priceLevel,
      available_seats: int('Seats of this price level neither held nor sold'),
      capacity: int('Seats of this price level'),
    }),
  ),
  sections: array(
    object({
      section_id: str('Section id'),
      name: str('Section name'),
      tier_id: str('Price level of the section (null: not on sale)', { nullable: true }),
      price: { ...money('Face value'), nullable: true },
      available_seats: int('Seats of the section neither held nor sold'),
      capacity: int('Seats of the section'),
    }),
  ),
});
