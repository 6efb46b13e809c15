import net from 'node:net';
import jwt from 'jsonwebtoken';
import { createEvent } from '../support/fixtures';
import type { ApiResponse } from '../support/http';
import { ADMIN_EMAIL, startTestApp, type TestApp } from '../support/test-app';

/**
 * Bad input, one row per kind: every answer must be the specific 4xx with the standard error envelope
 * `{error:{code,message,details,request_id,timestamp}}` as JSON, and the server must never answer 5xx.
 */

interface Ctx {
  admin: string;
  fan: string;
  fanId: string;
  auditor: string;
  expired: string;
  foreignSecret: string;
  wrongIssuer: string;
  unknownRole: string;
  algNone: string;
  takenEmail: string;
  venueId: string;
  eventId: string;
  draftEventId: string;
  cancelledEventId: string;
  notOnSaleEventId: string;
}

type Lazy<T> = T | ((c: Ctx) => T);

interface BadCase {
  name: string;
  method: string;
  path: Lazy<string>;
  /** A bearer token; omitted means no Authorization header. */
  token?: (c: Ctx) => string;
  body?: Lazy<unknown>;
  rawBody?: string;
  headers?: Lazy<Record<string, string>>;
  status: number;
  code: string;
  message?: string | RegExp;
  details?: Record<string, unknown>;
}

const admin = (c: Ctx) => c.admin;
const fan = (c: Ctx) => c.fan;
const json = { 'content-type': 'application/json' };
const NO_TOKEN = 'No valid access token found';

const validVenue = {
  name: 'Bad Input Hall',
  city: 'Testville',
  state: 'TX',
  country: 'US',
  sections: [{ name: 'Main', rows: [{ row: 'A', seats: 10 }] }],
};
const venue = (patch: Record<string, unknown>) => ({ ...validVenue, ...patch });
const rows = (...r: unknown[]) => venue({ sections: [{ name: 'Main', rows: r }] });

const event = (patch: Record<string, unknown>) => (c: Ctx) => ({
  name: 'Bad Input Night',
  artist: 'The Validators',
  category: 'Concert',
  venue_id: c.venueId,
  date: '2030-08-15T19:00:00Z',
  general_sale_start: '2020-01-01T10:00:00Z',
  pricing_tiers: [{ name: 'Main', price: 50, fees: 5, sections: ['Main'] }],
  ...patch,
});
const tier = (patch: Record<string, unknown>) =>
  event({ pricing_tiers: [{ name: 'Main', price: 50, fees: 5, sections: ['Main'], ...patch }] });

const reserve = (patch: Record<string, unknown>) => (c: Ctx) => ({
  event_id: c.eventId,
  seat_ids: ['s1:A:1'],
  ...patch,
});

const register = (patch: Record<string, unknown>) => ({
  email: `bad-input-${Math.random().toString(36).slice(2)}@example.test`,
  password: 'long-enough-pw',
  name: 'Bad Input',
  ...patch,
});

// One row per kind of bad input; kept one line each so the table reads as a table.
// prettier-ignore
const CASES: BadCase[] = [
  // --- transport: bodies, media types, sizes ---
  { name: 'malformed JSON', method: 'POST', path: '/v1/auth/register', rawBody: '{"email": "a@b.c",', headers: json, status: 400, code: 'INVALID_JSON' },
  { name: 'malformed JSON on the /oauth alias', method: 'POST', path: '/oauth/token', rawBody: "{grant_type:'password'}", headers: json, status: 400, code: 'INVALID_JSON' },
  { name: 'JSON string body where an object is expected', method: 'POST', path: '/v1/auth/register', rawBody: '"just a string"', headers: json, status: 400, code: 'VALIDATION_ERROR', message: /must be a JSON object/ },
  { name: 'JSON null body', method: 'POST', path: '/v1/admin/venues', token: admin, rawBody: 'null', headers: json, status: 400, code: 'VALIDATION_ERROR', message: /must be a JSON object/ },
  { name: 'JSON true body', method: 'POST', path: '/v1/seats/reserve', token: fan, rawBody: 'true', headers: json, status: 400, code: 'VALIDATION_ERROR', message: /must be a JSON object/ },
  { name: 'JSON number body', method: 'POST', path: '/v1/seats/reserve', token: fan, rawBody: '42', headers: json, status: 400, code: 'VALIDATION_ERROR', message: /must be a JSON object/ },
  { name: 'JSON array body', method: 'POST', path: '/v1/auth/register', body: [register({})], status: 400, code: 'VALIDATION_ERROR', message: /must be a JSON object/ },
  { name: 'an empty seat id on reserve', method: 'POST', path: '/v1/seats/reserve', token: fan, body: { event_id: 'e', seat_ids: ['s1:A:1', ''] }, status: 400, code: 'VALIDATION_ERROR' },
  { name: 'JSON array body on reserve', method: 'POST', path: '/v1/seats/reserve', token: fan, body: [], status: 400, code: 'VALIDATION_ERROR' },
  { name: 'empty JSON body (content-length 0)', method: 'POST', path: '/v1/auth/register', rawBody: '', headers: json, status: 400, code: 'VALIDATION_ERROR' },
  { name: 'POST with no body at all', method: 'POST', path: '/v1/admin/venues', token: admin, status: 400, code: 'VALIDATION_ERROR', message: /must be a JSON object/ },
  { name: 'text/plain body on a POST', method: 'POST', path: '/v1/auth/register', rawBody: 'email=a@b.c', headers: { 'content-type': 'text/plain' }, status: 415, code: 'UNSUPPORTED_MEDIA_TYPE' },
  { name: 'XML body on a POST', method: 'POST', path: '/v1/seats/reserve', token: fan, rawBody: '<reserve/>', headers: { 'content-type': 'application/xml' }, status: 415, code: 'UNSUPPORTED_MEDIA_TYPE' },
  { name: 'JSON body without a content-type', method: 'POST', path: '/v1/admin/venues', token: admin, rawBody: JSON.stringify(validVenue), headers: { 'content-type': '' }, status: 415, code: 'UNSUPPORTED_MEDIA_TYPE' },
  { name: 'JSON in an unsupported charset', method: 'POST', path: '/v1/auth/register', rawBody: '{}', headers: { 'content-type': 'application/json; charset=iso-8859-1' }, status: 415, code: 'UNSUPPORTED_MEDIA_TYPE' },
  { name: 'unsupported Content-Encoding', method: 'POST', path: '/v1/auth/register', rawBody: '{}', headers: { ...json, 'content-encoding': 'compress' }, status: 415, code: 'UNSUPPORTED_MEDIA_TYPE' },
  { name: 'gzip Content-Encoding over bytes that are not gzip', method: 'POST', path: '/v1/auth/register', rawBody: '{"not":"gzip"}', headers: { ...json, 'content-encoding': 'gzip' }, status: 415, code: 'UNSUPPORTED_MEDIA_TYPE' },
  { name: 'JSON nested 40,000 levels deep (stack-overflow bait)', method: 'POST', path: '/v1/auth/register', rawBody: `{"email":"deep@example.test","password":"long-enough-pw","name":${'['.repeat(40000)}${']'.repeat(40000)}}`, headers: json, status: 400, code: 'VALIDATION_ERROR', message: /nested more than 32 levels/ },
  { name: 'deeply nested objects on a keyed (idempotent) reserve', method: 'POST', path: '/v1/seats/reserve', token: fan, rawBody: `{"event_id":"e","seat_ids":["a"],"x":${'{"a":'.repeat(10000)}1${'}'.repeat(10000)}}`, headers: { ...json, 'idempotency-key': 'deep-body-1' }, status: 400, code: 'VALIDATION_ERROR', message: /nested more than 32 levels/ },
  { name: '__proto__ key in a body', method: 'POST', path: '/v1/auth/register', rawBody: '{"__proto__":{"role":"admin"},"email":"proto@example.test","password":"long-enough-pw","name":"P"}', headers: json, status: 400, code: 'VALIDATION_ERROR', details: { fields: [{ field: '__proto__', errors: ['property __proto__ should not exist'] }] } },
  { name: 'constructor key nested in a venue row', method: 'POST', path: '/v1/admin/venues', token: admin, body: rows({ row: 'A', seats: 3, constructor: { prototype: { admin: true } } }), status: 400, code: 'VALIDATION_ERROR', details: { fields: [{ field: 'sections.0.rows.0.constructor', errors: ['property constructor should not exist'] }] } },
  { name: 'body over the 100kb limit', method: 'POST', path: '/v1/admin/venues', token: admin, rawBody: JSON.stringify(venue({ name: 'x'.repeat(101 * 1024) })), headers: json, status: 413, code: 'PAYLOAD_TOO_LARGE' },

  // --- authentication and roles ---
  { name: 'auth info without a token', method: 'GET', path: '/v1/auth/info', status: 401, code: 'UNAUTHORIZED', message: NO_TOKEN },
  { name: 'auth info at /oauth/info without a token', method: 'GET', path: '/oauth/info', status: 401, code: 'UNAUTHORIZED', message: NO_TOKEN },
  { name: 'garbage bearer token', method: 'GET', path: '/v1/auth/info', token: () => 'not-a-jwt', status: 401, code: 'UNAUTHORIZED', message: NO_TOKEN },
  { name: 'expired bearer token', method: 'GET', path: '/v1/auth/info', token: (c) => c.expired, status: 401, code: 'UNAUTHORIZED', message: NO_TOKEN },
  { name: 'token signed with another secret', method: 'GET', path: '/v1/auth/info', token: (c) => c.foreignSecret, status: 401, code: 'UNAUTHORIZED', message: NO_TOKEN },
  { name: 'token from another issuer', method: 'GET', path: '/v1/auth/info', token: (c) => c.wrongIssuer, status: 401, code: 'UNAUTHORIZED', message: NO_TOKEN },
  { name: 'unsigned (alg none) token claiming admin', method: 'POST', path: '/v1/admin/venues', token: (c) => c.algNone, body: validVenue, status: 401, code: 'UNAUTHORIZED', message: NO_TOKEN },
  { name: 'validly signed token with an unknown role', method: 'GET', path: '/v1/auth/info', token: (c) => c.unknownRole, status: 401, code: 'UNAUTHORIZED', message: NO_TOKEN },
  { name: 'Basic instead of Bearer authorization', method: 'GET', path: '/v1/auth/info', headers: { authorization: 'Basic YWRtaW46YWRtaW4=' }, status: 401, code: 'UNAUTHORIZED', message: NO_TOKEN },
  { name: 'Bearer scheme without a token', method: 'GET', path: '/v1/auth/info', headers: { authorization: 'Bearer ' }, status: 401, code: 'UNAUTHORIZED', message: NO_TOKEN },
  { name: 'a bad token is refused even on a public route', method: 'GET', path: '/v1/events/search', token: () => 'x.y.z', status: 401, code: 'UNAUTHORIZED', message: NO_TOKEN },
  { name: 'admin route without a token', method: 'POST', path: '/v1/admin/venues', body: validVenue, status: 401, code: 'UNAUTHORIZED', message: NO_TOKEN },
  { name: 'customer on an admin route', method: 'POST', path: '/v1/admin/venues', token: fan, body: validVenue, status: 403, code: 'FORBIDDEN' },
  { name: 'auditor on an admin route', method: 'POST', path: (c) => `/v1/admin/events/${c.eventId}/cancel`, token: (c) => c.auditor, status: 403, code: 'FORBIDDEN' },
  { name: 'reserve without a token', method: 'POST', path: '/v1/seats/reserve', body: reserve({}), status: 401, code: 'UNAUTHORIZED', message: NO_TOKEN },
  { name: 'reservation read without a token', method: 'GET', path: '/v1/reservations/whatever', status: 401, code: 'UNAUTHORIZED', message: NO_TOKEN },

  // --- register ---
  { name: 'register: email already taken', method: 'POST', path: '/v1/auth/register', body: (c: Ctx) => register({ email: c.takenEmail }), status: 409, code: 'EMAIL_TAKEN' },
  { name: 'register: the bootstrap admin email is taken too', method: 'POST', path: '/v1/auth/register', body: register({ email: ADMIN_EMAIL }), status: 409, code: 'EMAIL_TAKEN' },
  { name: 'register: not an email', method: 'POST', path: '/v1/auth/register', body: register({ email: 'not-an-email' }), status: 400, code: 'VALIDATION_ERROR', details: { fields: [expect.objectContaining({ field: 'email' })] } },
  { name: 'register: email of the wrong type', method: 'POST', path: '/v1/auth/register', body: register({ email: 12345 }), status: 400, code: 'VALIDATION_ERROR' },
  { name: 'register: password too short', method: 'POST', path: '/v1/auth/register', body: register({ password: 'short' }), status: 400, code: 'VALIDATION_ERROR', details: { fields: [expect.objectContaining({ field: 'password' })] } },
  { name: 'register: name too long', method: 'POST', path: '/v1/auth/register', body: register({ name: 'n'.repeat(101) }), status: 400, code: 'VALIDATION_ERROR' },
  { name: 'register: missing name', method: 'POST', path: '/v1/auth/register', body: { email: 'missing-name@example.test', password: 'long-enough-pw' }, status: 400, code: 'VALIDATION_ERROR' },
  { name: 'register: unknown field (role escalation attempt)', method: 'POST', path: '/v1/auth/register', body: register({ role: 'admin' }), status: 400, code: 'VALIDATION_ERROR', details: { fields: [expect.objectContaining({ field: 'role' })] } },
  { name: 'register: nested object instead of a string', method: 'POST', path: '/v1/auth/register', body: register({ name: { $ne: null } }), status: 400, code: 'VALIDATION_ERROR' },

  // --- token ---
  { name: 'token: unknown grant_type', method: 'POST', path: '/v1/auth/token', body: { grant_type: 'magic', email: 'a@b.c', password: 'x' }, status: 400, code: 'VALIDATION_ERROR', details: { fields: [expect.objectContaining({ field: 'grant_type' })] } },
  { name: 'token: missing grant_type', method: 'POST', path: '/oauth/token', body: { email: 'a@b.c', password: 'x' }, status: 400, code: 'VALIDATION_ERROR' },
  { name: 'token: password grant without a password', method: 'POST', path: '/v1/auth/token', body: { grant_type: 'password', email: ADMIN_EMAIL }, status: 400, code: 'VALIDATION_ERROR' },
  { name: 'token: wrong password', method: 'POST', path: '/v1/auth/token', body: { grant_type: 'password', email: ADMIN_EMAIL, password: 'wrong-password' }, status: 401, code: 'INVALID_GRANT' },
  { name: 'token: garbage refresh token', method: 'POST', path: '/v1/auth/token', body: { grant_type: 'refresh_token', refresh_token: 'garbage' }, status: 401, code: 'INVALID_GRANT' },
  { name: 'token: client_credentials of an unknown client', method: 'POST', path: '/v1/auth/token', body: { grant_type: 'client_credentials', client_id: 'x', client_secret: 'y' }, status: 401, code: 'INVALID_GRANT' },
  { name: 'token: password too long', method: 'POST', path: '/v1/auth/token', body: { grant_type: 'password', email: ADMIN_EMAIL, password: 'p'.repeat(1025) }, status: 400, code: 'VALIDATION_ERROR' },

  // --- admin: venues ---
  { name: 'venue: missing sections', method: 'POST', path: '/v1/admin/venues', token: admin, body: { ...validVenue, sections: undefined }, status: 400, code: 'VALIDATION_ERROR', details: { fields: [expect.objectContaining({ field: 'sections' })] } },
  { name: 'venue: zero seats in a row', method: 'POST', path: '/v1/admin/venues', token: admin, body: rows({ row: 'A', seats: 0 }), status: 400, code: 'VALIDATION_ERROR' },
  { name: 'venue: negative seats in a row', method: 'POST', path: '/v1/admin/venues', token: admin, body: rows({ row: 'A', seats: -5 }), status: 400, code: 'VALIDATION_ERROR' },
  { name: 'venue: non-integer seats in a row', method: 'POST', path: '/v1/admin/venues', token: admin, body: rows({ row: 'A', seats: 2.5 }), status: 400, code: 'VALIDATION_ERROR', details: { fields: [expect.objectContaining({ field: 'sections.0.rows.0.seats' })] } },
  { name: 'venue: seats as a string', method: 'POST', path: '/v1/admin/venues', token: admin, body: rows({ row: 'A', seats: '10' }), status: 400, code: 'VALIDATION_ERROR' },
  { name: 'venue: seats too many for one row', method: 'POST', path: '/v1/admin/venues', token: admin, body: rows({ row: 'A', seats: 1001 }), status: 400, code: 'VALIDATION_ERROR' },
  { name: 'venue: row label with spaces', method: 'POST', path: '/v1/admin/venues', token: admin, body: rows({ row: 'A 1', seats: 3 }), status: 400, code: 'VALIDATION_ERROR' },
  { name: 'venue: null row', method: 'POST', path: '/v1/admin/venues', token: admin, body: rows(null), status: 400, code: 'VALIDATION_ERROR' },
  { name: 'venue: unknown field in a row', method: 'POST', path: '/v1/admin/venues', token: admin, body: rows({ row: 'A', seats: 3, vip: true }), status: 400, code: 'VALIDATION_ERROR' },
  { name: 'venue: empty sections', method: 'POST', path: '/v1/admin/venues', token: admin, body: venue({ sections: [] }), status: 400, code: 'VALIDATION_ERROR' },
  { name: 'venue: sections as a string', method: 'POST', path: '/v1/admin/venues', token: admin, body: venue({ sections: 'Main' }), status: 400, code: 'VALIDATION_ERROR' },
  { name: 'venue: sections as an object', method: 'POST', path: '/v1/admin/venues', token: admin, body: venue({ sections: { name: 'Main', rows: [] } }), status: 400, code: 'VALIDATION_ERROR' },
  { name: 'venue: name too long', method: 'POST', path: '/v1/admin/venues', token: admin, body: venue({ name: 'v'.repeat(201) }), status: 400, code: 'VALIDATION_ERROR' },
  { name: 'venue: empty city', method: 'POST', path: '/v1/admin/venues', token: admin, body: venue({ city: '' }), status: 400, code: 'VALIDATION_ERROR' },
  { name: 'venue: the same section twice', method: 'POST', path: '/v1/admin/venues', token: admin, body: venue({ sections: [validVenue.sections[0], validVenue.sections[0]] }), status: 400, code: 'VALIDATION_ERROR' },
  { name: 'venue: the same row twice', method: 'POST', path: '/v1/admin/venues', token: admin, body: rows({ row: 'A', seats: 2 }, { row: 'A', seats: 3 }), status: 400, code: 'VALIDATION_ERROR' },

  // --- admin: events ---
  { name: 'event: unknown venue id', method: 'POST', path: '/v1/admin/events', token: admin, body: event({ venue_id: 'no-such-venue' }), status: 404, code: 'VENUE_NOT_FOUND' },
  { name: 'event: tier names a section the venue lacks', method: 'POST', path: '/v1/admin/events', token: admin, body: tier({ sections: ['Mezzanine'] }), status: 400, code: 'VALIDATION_ERROR', message: /Mezzanine/ },
  { name: 'event: invalid ISO date', method: 'POST', path: '/v1/admin/events', token: admin, body: event({ date: 'next friday' }), status: 400, code: 'VALIDATION_ERROR', details: { fields: [expect.objectContaining({ field: 'date' })] } },
  { name: 'event: impossible calendar date', method: 'POST', path: '/v1/admin/events', token: admin, body: event({ date: '2030-02-30T19:00:00Z' }), status: 400, code: 'VALIDATION_ERROR' },
  { name: 'event: date as a number', method: 'POST', path: '/v1/admin/events', token: admin, body: event({ date: 1893456000000 }), status: 400, code: 'VALIDATION_ERROR' },
  { name: 'event: sale opens after the event', method: 'POST', path: '/v1/admin/events', token: admin, body: event({ general_sale_start: '2031-01-01T00:00:00Z' }), status: 400, code: 'VALIDATION_ERROR' },
  { name: 'event: presale after the general sale', method: 'POST', path: '/v1/admin/events', token: admin, body: event({ presale_start: '2021-01-01T00:00:00Z' }), status: 400, code: 'VALIDATION_ERROR' },
  { name: 'event: missing required fields', method: 'POST', path: '/v1/admin/events', token: admin, body: { name: 'Only a name' }, status: 400, code: 'VALIDATION_ERROR' },
  { name: 'event: negative price', method: 'POST', path: '/v1/admin/events', token: admin, body: tier({ price: -1 }), status: 400, code: 'VALIDATION_ERROR' },
  { name: 'event: price with three decimals', method: 'POST', path: '/v1/admin/events', token: admin, body: tier({ price: 10.005 }), status: 400, code: 'VALIDATION_ERROR' },
  { name: 'event: price as a string', method: 'POST', path: '/v1/admin/events', token: admin, body: tier({ price: '50.00' }), status: 400, code: 'VALIDATION_ERROR' },
  { name: 'event: a tier naming an empty section', method: 'POST', path: '/v1/admin/events', token: admin, body: event({ pricing_tiers: [{ name: 'Main', price: 50, fees: 5, sections: ['Main', ''] }] }), status: 400, code: 'VALIDATION_ERROR' },
  { name: 'event: no pricing tiers', method: 'POST', path: '/v1/admin/events', token: admin, body: event({ pricing_tiers: [] }), status: 400, code: 'VALIDATION_ERROR' },
  { name: 'event: two tiers pricing one section', method: 'POST', path: '/v1/admin/events', token: admin, body: event({ pricing_tiers: [{ name: 'A', price: 1, fees: 0, sections: ['Main'] }, { name: 'B', price: 2, fees: 0, sections: ['Main'] }] }), status: 400, code: 'VALIDATION_ERROR' },
  { name: 'event: max_tickets_per_order zero', method: 'POST', path: '/v1/admin/events', token: admin, body: event({ max_tickets_per_order: 0 }), status: 400, code: 'VALIDATION_ERROR' },
  { name: 'event: restrict_single_seat as a string', method: 'POST', path: '/v1/admin/events', token: admin, body: event({ restrict_single_seat: 'yes' }), status: 400, code: 'VALIDATION_ERROR' },
  { name: 'event: queue settings of the wrong type', method: 'POST', path: '/v1/admin/events', token: admin, body: event({ queue: 'on' }), status: 400, code: 'VALIDATION_ERROR' },
  { name: 'event: event_id with forbidden characters', method: 'POST', path: '/v1/admin/events', token: admin, body: event({ event_id: '../../etc/passwd' }), status: 400, code: 'VALIDATION_ERROR' },
  { name: 'event: description too long', method: 'POST', path: '/v1/admin/events', token: admin, body: event({ description: 'd'.repeat(5001) }), status: 400, code: 'VALIDATION_ERROR' },
  { name: 'event: event_id already used', method: 'POST', path: '/v1/admin/events', token: admin, body: (c: Ctx) => event({ event_id: c.eventId })(c), status: 409, code: 'EVENT_EXISTS' },
  { name: 'publish: unknown event', method: 'POST', path: '/v1/admin/events/no-such-event/publish', token: admin, status: 404, code: 'EVENT_NOT_FOUND' },
  { name: 'publish: a cancelled event', method: 'POST', path: (c) => `/v1/admin/events/${c.cancelledEventId}/publish`, token: admin, status: 409, code: 'EVENT_CANCELLED' },
  { name: 'cancel: unknown event', method: 'POST', path: '/v1/admin/events/no-such-event/cancel', token: admin, body: {}, status: 404, code: 'EVENT_NOT_FOUND' },
  { name: 'cancel: twice', method: 'POST', path: (c) => `/v1/admin/events/${c.cancelledEventId}/cancel`, token: admin, body: {}, status: 409, code: 'EVENT_CANCELLED' },
  { name: 'cancel: reason of the wrong type', method: 'POST', path: (c) => `/v1/admin/events/${c.eventId}/cancel`, token: admin, body: { reason: 42 }, status: 400, code: 'VALIDATION_ERROR' },
  { name: 'cancel: unknown field', method: 'POST', path: (c) => `/v1/admin/events/${c.eventId}/cancel`, token: admin, body: { reason: 'x', refund: false }, status: 400, code: 'VALIDATION_ERROR' },
  { name: 'admin get: unknown event', method: 'GET', path: '/v1/admin/events/no-such-event', token: admin, status: 404, code: 'EVENT_NOT_FOUND' },

  // --- events: search, details, seats ---
  { name: 'search: page=0', method: 'GET', path: '/v1/events/search?page=0', status: 400, code: 'VALIDATION_ERROR', details: { fields: [expect.objectContaining({ field: 'page' })] } },
  { name: 'search: per_page=1000', method: 'GET', path: '/v1/events/search?per_page=1000', status: 400, code: 'VALIDATION_ERROR', details: { fields: [expect.objectContaining({ field: 'per_page' })] } },
  { name: 'search: page given twice', method: 'GET', path: '/v1/events/search?page=1&page=2', status: 400, code: 'VALIDATION_ERROR', details: { fields: [{ field: 'page', errors: ['page is given more than once'] }] } },
  { name: 'audit log: limit given twice', method: 'GET', path: '/v1/audit/log?limit=1&limit=2', token: (c) => c.auditor, status: 400, code: 'VALIDATION_ERROR', details: { fields: [{ field: 'limit', errors: ['limit is given more than once'] }] } },
  { name: 'audit log: type given twice', method: 'GET', path: '/v1/audit/log?type=SeatsHeld&type=HoldReleased', token: (c) => c.auditor, status: 400, code: 'VALIDATION_ERROR', details: { fields: [{ field: 'type', errors: ['type is given more than once'] }] } },
  { name: 'audit log: from_position past any log', method: 'GET', path: '/v1/audit/log?from_position=99999999999999999999', token: (c) => c.auditor, status: 400, code: 'VALIDATION_ERROR', details: { fields: [{ field: 'from_position', errors: ['from_position must not be greater than 9007199254740991'] }] } },
  { name: 'audit stream: from_revision past any stream', method: 'GET', path: '/v1/audit/streams/x?from_revision=9007199254740992', token: (c) => c.auditor, status: 400, code: 'VALIDATION_ERROR', details: { fields: [{ field: 'from_revision', errors: ['from_revision must not be greater than 9007199254740991'] }] } },
  { name: 'analytics: an event id with a right-to-left override, echoed written out', method: 'GET', path: '/v1/analytics/events/ab%E2%80%AEcd/sales', token: (c) => c.auditor, status: 404, code: 'EVENT_NOT_FOUND', details: { event_id: 'ab\\u{202E}cd' } },
  { name: 'analytics: an event id with a NUL, echoed written out', method: 'GET', path: '/v1/analytics/events/%00/sales', token: (c) => c.auditor, status: 404, code: 'EVENT_NOT_FOUND', details: { event_id: '\\u{0000}' } },
  { name: 'audit stream: a NUL in the name', method: 'GET', path: '/v1/audit/streams/event-%00', token: (c) => c.auditor, status: 400, code: 'VALIDATION_ERROR', details: { fields: [expect.objectContaining({ field: 'path.stream' })] } },
  { name: 'audit stream: a right-to-left override in the name', method: 'GET', path: '/v1/audit/streams/%E2%80%AE', token: (c) => c.auditor, status: 400, code: 'VALIDATION_ERROR', details: { fields: [expect.objectContaining({ field: 'path.stream' })] } },
  { name: 'audit stream: a name of 301 characters', method: 'GET', path: `/v1/audit/streams/${'s'.repeat(301)}`, token: (c) => c.auditor, status: 400, code: 'VALIDATION_ERROR', details: { fields: [expect.objectContaining({ field: 'path.stream' })] } },
  { name: 'audit correlation: a NUL in the id', method: 'GET', path: '/v1/audit/correlations/%00', token: (c) => c.auditor, status: 400, code: 'VALIDATION_ERROR', details: { fields: [expect.objectContaining({ field: 'path.correlation_id' })] } },
  { name: 'search: per_page=abc', method: 'GET', path: '/v1/events/search?per_page=abc', status: 400, code: 'VALIDATION_ERROR' },
  { name: 'search: page=1.5', method: 'GET', path: '/v1/events/search?page=1.5', status: 400, code: 'VALIDATION_ERROR' },
  { name: 'search: empty page', method: 'GET', path: '/v1/events/search?page=', status: 400, code: 'VALIDATION_ERROR' },
  { name: 'search: invalid date_from', method: 'GET', path: '/v1/events/search?date_from=yesterday', status: 400, code: 'VALIDATION_ERROR' },
  { name: 'search: date_from after date_to', method: 'GET', path: '/v1/events/search?date_from=2030-02-01&date_to=2030-01-01', status: 400, code: 'VALIDATION_ERROR', message: 'date_from must not be after date_to' },
  { name: 'search: unknown query parameter', method: 'GET', path: '/v1/events/search?sort=price', status: 400, code: 'VALIDATION_ERROR' },
  { name: 'search: __proto__ query parameter', method: 'GET', path: '/v1/events/search?__proto__=x', status: 400, code: 'VALIDATION_ERROR', details: { fields: [{ field: '__proto__', errors: ['property __proto__ should not exist'] }] } },
  { name: 'seats: constructor query parameter', method: 'GET', path: (c) => `/v1/events/${c.eventId}/seats?constructor=x`, status: 400, code: 'VALIDATION_ERROR' },
  { name: 'search: repeated query parameter', method: 'GET', path: '/v1/events/search?query=a&query=b', status: 400, code: 'VALIDATION_ERROR' },
  { name: 'search: query too long', method: 'GET', path: `/v1/events/search?query=${'q'.repeat(201)}`, status: 400, code: 'VALIDATION_ERROR' },
  { name: 'search: invalid X-Min-Log-Position', method: 'GET', path: '/v1/events/search', headers: { 'x-min-log-position': 'abc' }, status: 400, code: 'INVALID_LOG_POSITION' },
  { name: 'search: negative X-Min-Log-Position', method: 'GET', path: '/v1/events/search', headers: { 'x-min-log-position': '-1' }, status: 400, code: 'INVALID_LOG_POSITION' },
  { name: 'details: unknown event', method: 'GET', path: '/v1/events/no-such-event', status: 404, code: 'EVENT_NOT_FOUND' },
  { name: 'details: unpublished event, as a customer', method: 'GET', path: (c) => `/v1/events/${c.draftEventId}`, token: fan, status: 404, code: 'EVENT_NOT_FOUND' },
  { name: 'details: malformed percent-encoding in the id', method: 'GET', path: '/v1/events/%E0%A4%A', status: 400, code: 'BAD_REQUEST' },
  { name: 'details: huge X-Min-Log-Position', method: 'GET', path: (c) => `/v1/events/${c.eventId}`, headers: { 'x-min-log-position': '9'.repeat(40) }, status: 400, code: 'INVALID_LOG_POSITION' },
  { name: 'seats: unknown event', method: 'GET', path: '/v1/events/no-such-event/seats', status: 404, code: 'EVENT_NOT_FOUND' },
  { name: 'seats: unknown status filter', method: 'GET', path: (c) => `/v1/events/${c.eventId}/seats?status=FREE`, status: 400, code: 'VALIDATION_ERROR' },
  { name: 'seats: unknown query parameter', method: 'GET', path: (c) => `/v1/events/${c.eventId}/seats?row=A`, status: 400, code: 'VALIDATION_ERROR' },

  // --- reserve ---
  { name: 'reserve: missing seat_ids', method: 'POST', path: '/v1/seats/reserve', token: fan, body: (c: Ctx) => ({ event_id: c.eventId }), status: 400, code: 'VALIDATION_ERROR' },
  { name: 'reserve: empty seat_ids', method: 'POST', path: '/v1/seats/reserve', token: fan, body: reserve({ seat_ids: [] }), status: 400, code: 'VALIDATION_ERROR' },
  { name: 'reserve: seat_ids as a string', method: 'POST', path: '/v1/seats/reserve', token: fan, body: reserve({ seat_ids: 's1:A:1' }), status: 400, code: 'VALIDATION_ERROR' },
  { name: 'reserve: seat_ids as numbers', method: 'POST', path: '/v1/seats/reserve', token: fan, body: reserve({ seat_ids: [1, 2] }), status: 400, code: 'VALIDATION_ERROR' },
  { name: 'reserve: a seat twice', method: 'POST', path: '/v1/seats/reserve', token: fan, body: reserve({ seat_ids: ['s1:A:1', 's1:A:1'] }), status: 400, code: 'VALIDATION_ERROR' },
  { name: 'reserve: 101 seats', method: 'POST', path: '/v1/seats/reserve', token: fan, body: reserve({ seat_ids: Array.from({ length: 101 }, (_, i) => `s1:A:${i + 1}`) }), status: 400, code: 'VALIDATION_ERROR' },
  { name: 'reserve: event_id too long', method: 'POST', path: '/v1/seats/reserve', token: fan, body: reserve({ event_id: 'e'.repeat(65) }), status: 400, code: 'VALIDATION_ERROR' },
  { name: 'reserve: unknown field', method: 'POST', path: '/v1/seats/reserve', token: fan, body: reserve({ price: 0 }), status: 400, code: 'VALIDATION_ERROR' },
  { name: 'reserve: unknown event', method: 'POST', path: '/v1/seats/reserve', token: fan, body: reserve({ event_id: 'no-such-event' }), status: 404, code: 'EVENT_NOT_FOUND' },
  { name: 'reserve: unpublished event', method: 'POST', path: '/v1/seats/reserve', token: fan, body: (c: Ctx) => reserve({ event_id: c.draftEventId })(c), status: 404, code: 'EVENT_NOT_FOUND' },
  { name: 'reserve: unknown seat', method: 'POST', path: '/v1/seats/reserve', token: fan, body: reserve({ seat_ids: ['s9:Z:99'] }), status: 404, code: 'SEAT_NOT_FOUND', details: { seat_ids: ['s9:Z:99'] } },
  { name: 'reserve: someone else’s user_id', method: 'POST', path: '/v1/seats/reserve', token: fan, body: reserve({ user_id: 'somebody-else' }), status: 403, code: 'FORBIDDEN' },
  { name: 'reserve: cancelled event', method: 'POST', path: '/v1/seats/reserve', token: fan, body: (c: Ctx) => reserve({ event_id: c.cancelledEventId })(c), status: 410, code: 'SEATS_GONE' },
  { name: 'reserve: before the sale opens', method: 'POST', path: '/v1/seats/reserve', token: fan, body: (c: Ctx) => reserve({ event_id: c.notOnSaleEventId })(c), status: 422, code: 'SALE_NOT_OPEN' },
  { name: 'reserve: over the purchase limit', method: 'POST', path: '/v1/seats/reserve', token: fan, body: reserve({ seat_ids: Array.from({ length: 9 }, (_, i) => `s1:A:${i + 1}`) }), status: 422, code: 'PURCHASE_LIMIT_EXCEEDED' },
  { name: 'reserve: invalid Idempotency-Key', method: 'POST', path: '/v1/seats/reserve', token: fan, body: reserve({ seat_ids: ['s1:B:1'] }), headers: { 'idempotency-key': 'not a valid key!' }, status: 400, code: 'INVALID_IDEMPOTENCY_KEY' },
  { name: 'reserve: Idempotency-Key too long', method: 'POST', path: '/v1/seats/reserve', token: fan, body: reserve({ seat_ids: ['s1:B:1'] }), headers: { 'idempotency-key': 'k'.repeat(129) }, status: 400, code: 'INVALID_IDEMPOTENCY_KEY' },

  // --- reservations ---
  { name: 'reservation: unknown id', method: 'GET', path: '/v1/reservations/no-such-hold', token: fan, status: 404, code: 'RESERVATION_NOT_FOUND' },
  { name: 'reservation: release an unknown id', method: 'DELETE', path: '/v1/reservations/no-such-hold', token: fan, status: 404, code: 'RESERVATION_NOT_FOUND' },
  { name: 'reservation: invalid X-Min-Log-Position', method: 'GET', path: '/v1/reservations/no-such-hold', token: fan, headers: { 'x-min-log-position': '1e5' }, status: 400, code: 'INVALID_LOG_POSITION' },

  // --- issue 8: no 500 from input, strict parsing (variations of each class) ---
  { name: 'strict: lone high surrogate in a register email', method: 'POST', path: '/v1/auth/register', body: register({ email: 'fan\ud800@example.test' }), status: 400, code: 'VALIDATION_ERROR', details: { fields: [expect.objectContaining({ field: 'email' })] } },
  { name: 'strict: lone low surrogate in a register email', method: 'POST', path: '/v1/auth/register', body: register({ email: 'fan@exa\udc00mple.test' }), status: 400, code: 'VALIDATION_ERROR' },
  { name: 'strict: lone surrogate in a password', method: 'POST', path: '/v1/auth/register', body: register({ password: 'long-enough-\ud83d' }), status: 400, code: 'VALIDATION_ERROR' },
  { name: 'strict: lone surrogate in a key', method: 'POST', path: '/v1/auth/register', rawBody: '{"email":"a@b.test","password":"long-enough-pw","name":"x","\\udbff":1}', headers: json, status: 400, code: 'VALIDATION_ERROR' },
  { name: 'strict: lone surrogate in a transfer recipient email', method: 'POST', path: '/v1/tickets/no-such-ticket/transfer', token: fan, body: { recipient_email: 'friend\udfff@example.test', recipient_name: 'Friend' }, status: 400, code: 'VALIDATION_ERROR' },
  { name: 'strict: a paired surrogate (emoji) in a name is fine', method: 'POST', path: '/v1/tickets/no-such-ticket/transfer', token: fan, body: { recipient_email: 'friend@example.test', recipient_name: 'Friend 😀' }, status: 404, code: 'TICKET_NOT_FOUND' },
  { name: 'strict: search date_from as an ISO week date', method: 'GET', path: '/v1/events/search?date_from=2026-W01', status: 400, code: 'VALIDATION_ERROR', details: { fields: [expect.objectContaining({ field: 'date_from' })] } },
  { name: 'strict: search date_to as a week date with a day', method: 'GET', path: '/v1/events/search?date_to=2026-W01-3', status: 400, code: 'VALIDATION_ERROR' },
  { name: 'strict: search date_from in basic format', method: 'GET', path: '/v1/events/search?date_from=20260601', status: 400, code: 'VALIDATION_ERROR' },
  { name: 'strict: search date_to as an ordinal date', method: 'GET', path: '/v1/events/search?date_to=2026-152', status: 400, code: 'VALIDATION_ERROR' },
  { name: 'strict: search date_from 2026-02-30', method: 'GET', path: '/v1/events/search?date_from=2026-02-30', status: 400, code: 'VALIDATION_ERROR' },
  { name: 'strict: search date_to without a time zone', method: 'GET', path: '/v1/events/search?date_to=2026-06-01T10:00:00', status: 400, code: 'VALIDATION_ERROR' },
  { name: 'strict: search date_from at hour 24', method: 'GET', path: '/v1/events/search?date_from=2026-06-01T24:00:00Z', status: 400, code: 'VALIDATION_ERROR' },
  { name: 'strict: search page in hex', method: 'GET', path: '/v1/events/search?page=0x10', status: 400, code: 'VALIDATION_ERROR', details: { fields: [expect.objectContaining({ field: 'page' })] } },
  { name: 'strict: search page in exponent form', method: 'GET', path: '/v1/events/search?page=1e1', status: 400, code: 'VALIDATION_ERROR' },
  { name: 'strict: search per_page with a leading space', method: 'GET', path: '/v1/events/search?per_page=%207', status: 400, code: 'VALIDATION_ERROR' },
  { name: 'strict: search per_page with a plus sign', method: 'GET', path: '/v1/events/search?per_page=%2B7', status: 400, code: 'VALIDATION_ERROR' },
  { name: 'strict: search query parameter toString', method: 'GET', path: '/v1/events/search?toString=1', status: 400, code: 'VALIDATION_ERROR', details: { fields: [{ field: 'toString', errors: ['property toString should not exist'] }] } },
  { name: 'strict: search query parameter hasOwnProperty', method: 'GET', path: '/v1/events/search?hasOwnProperty=1', status: 400, code: 'VALIDATION_ERROR' },
  { name: 'strict: seats query parameter valueOf', method: 'GET', path: (c) => `/v1/events/${c.eventId}/seats?valueOf=1`, status: 400, code: 'VALIDATION_ERROR' },
  { name: 'strict: tickets query parameter __defineGetter__', method: 'GET', path: '/v1/tickets?order_id=x&__defineGetter__=1', token: fan, status: 400, code: 'VALIDATION_ERROR' },
  { name: 'strict: event date as an ISO week date', method: 'POST', path: '/v1/admin/events', token: admin, body: event({ date: '2030-W01' }), status: 400, code: 'VALIDATION_ERROR', details: { fields: [expect.objectContaining({ field: 'date' })] } },
  { name: 'strict: event general_sale_start in basic format', method: 'POST', path: '/v1/admin/events', token: admin, body: event({ general_sale_start: '20200101T100000Z' }), status: 400, code: 'VALIDATION_ERROR' },
  { name: 'strict: event doors_open on an impossible day', method: 'POST', path: '/v1/admin/events', token: admin, body: event({ doors_open: '2030-02-30T18:00:00Z' }), status: 400, code: 'VALIDATION_ERROR' },
  { name: 'strict: event date without a time zone', method: 'POST', path: '/v1/admin/events', token: admin, body: event({ date: '2030-08-15T19:00:00' }), status: 400, code: 'VALIDATION_ERROR' },
  { name: 'strict: event date as a date only', method: 'POST', path: '/v1/admin/events', token: admin, body: event({ date: '2030-08-15' }), status: 400, code: 'VALIDATION_ERROR' },
  { name: 'strict: event presale_start null', method: 'POST', path: '/v1/admin/events', token: admin, body: event({ presale_start: null }), status: 400, code: 'VALIDATION_ERROR' },
  { name: 'strict: event description null', method: 'POST', path: '/v1/admin/events', token: admin, body: event({ description: null }), status: 400, code: 'VALIDATION_ERROR' },
  { name: 'strict: event queue null', method: 'POST', path: '/v1/admin/events', token: admin, body: event({ queue: null }), status: 400, code: 'VALIDATION_ERROR' },
  { name: 'strict: pricing tiers as an array of arrays', method: 'POST', path: '/v1/admin/events', token: admin, body: event({ pricing_tiers: [[{ name: 'Main', price: 50, fees: 5, sections: ['Main'] }]] }), status: 400, code: 'VALIDATION_ERROR', details: { fields: [expect.objectContaining({ field: 'pricing_tiers' })] } },
  { name: 'strict: tier sections as an array of arrays', method: 'POST', path: '/v1/admin/events', token: admin, body: tier({ sections: [['Main']] }), status: 400, code: 'VALIDATION_ERROR' },
  { name: 'strict: price in exponent form (1e-7)', method: 'POST', path: '/v1/admin/events', token: admin, body: tier({ price: 1e-7 }), status: 400, code: 'VALIDATION_ERROR', details: { fields: [expect.objectContaining({ field: 'pricing_tiers.0.price' })] } },
  { name: 'strict: fees with three decimals', method: 'POST', path: '/v1/admin/events', token: admin, body: tier({ fees: 0.001 }), status: 400, code: 'VALIDATION_ERROR' },
  { name: 'strict: price 5e-3 written raw', method: 'POST', path: '/v1/admin/events', token: admin, rawBody: '{"name":"n","artist":"a","category":"c","venue_id":"v","date":"2030-08-15T19:00:00Z","general_sale_start":"2020-01-01T10:00:00Z","pricing_tiers":[{"name":"M","price":5e-3,"fees":0,"sections":["Main"]}]}', headers: json, status: 400, code: 'VALIDATION_ERROR' },
  { name: 'strict: event field named toString', method: 'POST', path: '/v1/admin/events', token: admin, body: event({ toString: 'x' }), status: 400, code: 'VALIDATION_ERROR', details: { fields: [{ field: 'toString', errors: ['property toString should not exist'] }] } },
  { name: 'strict: tier field named valueOf', method: 'POST', path: '/v1/admin/events', token: admin, body: tier({ valueOf: 1 }), status: 400, code: 'VALIDATION_ERROR', details: { fields: [expect.objectContaining({ field: 'pricing_tiers.0.valueOf' })] } },
  { name: 'strict: event name with NUL', method: 'POST', path: '/v1/admin/events', token: admin, body: event({ name: 'Night\u0000' }), status: 400, code: 'VALIDATION_ERROR' },
  { name: 'strict: event artist with a right-to-left override', method: 'POST', path: '/v1/admin/events', token: admin, body: event({ artist: 'The \u202eTesters' }), status: 400, code: 'VALIDATION_ERROR' },
  { name: 'strict: venue sections as an array of arrays', method: 'POST', path: '/v1/admin/venues', token: admin, body: venue({ sections: [validVenue.sections] }), status: 400, code: 'VALIDATION_ERROR', details: { fields: [expect.objectContaining({ field: 'sections' })] } },
  { name: 'strict: venue rows as an array of arrays', method: 'POST', path: '/v1/admin/venues', token: admin, body: venue({ sections: [{ name: 'Main', rows: [[{ row: 'A', seats: 3 }]] }] }), status: 400, code: 'VALIDATION_ERROR' },
  { name: 'strict: venue field named __defineGetter__', method: 'POST', path: '/v1/admin/venues', token: admin, body: venue({ __defineGetter__: 'x' }), status: 400, code: 'VALIDATION_ERROR' },
  { name: 'strict: venue name with a left-to-right isolate', method: 'POST', path: '/v1/admin/venues', token: admin, body: venue({ name: 'Hall \u2066x\u2069' }), status: 400, code: 'VALIDATION_ERROR' },
  { name: 'strict: section name with a control character', method: 'POST', path: '/v1/admin/venues', token: admin, body: venue({ sections: [{ name: 'Main\u0007', rows: [{ row: 'A', seats: 3 }] }] }), status: 400, code: 'VALIDATION_ERROR' },
  { name: 'strict: token email null', method: 'POST', path: '/v1/auth/token', body: { grant_type: 'password', email: null, password: 'x' }, status: 400, code: 'VALIDATION_ERROR', details: { fields: [expect.objectContaining({ field: 'email' })] } },
  { name: 'strict: token password null', method: 'POST', path: '/oauth/token', body: { grant_type: 'password', email: ADMIN_EMAIL, password: null }, status: 400, code: 'VALIDATION_ERROR' },
  { name: 'strict: token refresh_token null', method: 'POST', path: '/v1/auth/token', body: { grant_type: 'refresh_token', refresh_token: null }, status: 400, code: 'VALIDATION_ERROR' },
  { name: 'strict: token field named hasOwnProperty', method: 'POST', path: '/v1/auth/token', body: { grant_type: 'password', email: ADMIN_EMAIL, password: 'x', hasOwnProperty: 1 }, status: 400, code: 'VALIDATION_ERROR' },
  { name: 'strict: register email with a right-to-left override', method: 'POST', path: '/v1/auth/register', body: register({ email: 'fan\u202e@example.test' }), status: 400, code: 'VALIDATION_ERROR' },
  { name: 'strict: transfer recipient email with an isolate', method: 'POST', path: '/v1/tickets/no-such-ticket/transfer', token: fan, body: { recipient_email: 'friend@example.test\u2066', recipient_name: 'Friend' }, status: 400, code: 'VALIDATION_ERROR' },
  { name: 'strict: register name with NUL', method: 'POST', path: '/v1/auth/register', body: register({ name: 'A\u0000Fan' }), status: 400, code: 'VALIDATION_ERROR', details: { fields: [expect.objectContaining({ field: 'name' })] } },
  { name: 'strict: register name with a right-to-left override', method: 'POST', path: '/v1/auth/register', body: register({ name: 'evil\u202etxt.exe' }), status: 400, code: 'VALIDATION_ERROR' },
  { name: 'strict: register name with a C1 control', method: 'POST', path: '/v1/auth/register', body: register({ name: 'A\u009bFan' }), status: 400, code: 'VALIDATION_ERROR' },
  { name: 'strict: transfer recipient name with a bidi embedding', method: 'POST', path: '/v1/tickets/no-such-ticket/transfer', token: fan, body: { recipient_email: 'friend@example.test', recipient_name: '\u202bFriend' }, status: 400, code: 'VALIDATION_ERROR' },
  { name: 'strict: reserve user_id null', method: 'POST', path: '/v1/seats/reserve', token: fan, body: reserve({ user_id: null }), status: 400, code: 'VALIDATION_ERROR' },
  { name: 'strict: reserve a 90 kB seat id', method: 'POST', path: '/v1/seats/reserve', token: fan, body: reserve({ seat_ids: ['s'.repeat(90_000)] }), status: 400, code: 'VALIDATION_ERROR' },
  { name: 'strict: order billing_address null', method: 'POST', path: '/v1/orders', token: fan, body: { reservation_id: 'r', payment_method_id: 'p', billing_address: null }, status: 400, code: 'VALIDATION_ERROR' },
  { name: 'strict: order billing_address as an array', method: 'POST', path: '/v1/orders', token: fan, body: { reservation_id: 'r', payment_method_id: 'p', billing_address: [{ street: 's', city: 'c', postal_code: '1', country: 'US' }] }, status: 400, code: 'VALIDATION_ERROR' },
  { name: 'strict: payment method make_default null', method: 'POST', path: '/v1/payment-methods', token: fan, body: { type: 'CARD', card_token: 'tok_visa', make_default: null }, status: 400, code: 'VALIDATION_ERROR' },

  // --- unknown routes and methods ---
  { name: 'unknown route at the root', method: 'GET', path: '/nope', status: 404, code: 'ROUTE_NOT_FOUND' },
  { name: 'unknown route under /v1', method: 'GET', path: '/v1/no-such-resource', status: 404, code: 'ROUTE_NOT_FOUND' },
  { name: 'the /v1 prefix alone', method: 'GET', path: '/v1', status: 404, code: 'ROUTE_NOT_FOUND' },
  { name: 'a public route with a trailing slash', method: 'GET', path: '/v1/events/search/', status: 404, code: 'ROUTE_NOT_FOUND' },
  { name: 'a partner route with a trailing slash', method: 'GET', path: '/partners/v1/events/', status: 404, code: 'ROUTE_NOT_FOUND' },
  { name: 'unknown admin route, as admin', method: 'GET', path: '/v1/admin/orders', token: admin, status: 404, code: 'ROUTE_NOT_FOUND' },
  { name: 'unknown method on a known path (PUT search)', method: 'PUT', path: '/v1/events/search', status: 404, code: 'ROUTE_NOT_FOUND' },
  { name: 'unknown method on a known path (PATCH register)', method: 'PATCH', path: '/v1/auth/register', body: {}, status: 404, code: 'ROUTE_NOT_FOUND' },
  { name: 'unknown method on a known path (DELETE venues)', method: 'DELETE', path: '/v1/admin/venues', token: admin, status: 404, code: 'ROUTE_NOT_FOUND' },
  { name: 'unknown method on a known path (GET reserve)', method: 'GET', path: '/v1/seats/reserve', token: fan, status: 404, code: 'ROUTE_NOT_FOUND' },
  { name: 'unknown method on an operations path (POST /healthz)', method: 'POST', path: '/healthz', status: 404, code: 'ROUTE_NOT_FOUND' },
  { name: 'a client-chosen X-Request-Id is echoed in the error', method: 'GET', path: '/v1/nothing-here', headers: { 'x-request-id': 'client-chosen-id-1' }, status: 404, code: 'ROUTE_NOT_FOUND' },
];

describe('bad input over HTTP: specific 4xx, always the error envelope, never 5xx', () => {
  let t: TestApp;
  let ctx: Ctx;
  const answered: Array<{ name: string; status: number }> = [];

  beforeAll(async () => {
    t = await startTestApp();
    const adminToken = await t.adminToken();
    const customer = await t.customerToken();
    const secret = t.app.config.jwtSecret;
    const now = Math.floor(Date.now() / 1000);
    const claims = { email: 'x@example.test', role: 'customer' };
    const sign = (payload: object, key: string, issuer = 'ticketing-backend', subject = 'forger') =>
      jwt.sign(payload, key, { algorithm: 'HS256', issuer, subject });

    const taken = await t.call('POST', '/v1/auth/register', { body: register({}) });
    expect(taken.status).toBe(201);

    const published = await createEvent(t.call, adminToken, {
      name: 'Bad Input Published',
      maxTicketsPerOrder: 8,
    });
    const draft = await createEvent(t.call, adminToken, { name: 'Bad Input Draft', publish: false });
    const cancelled = await createEvent(t.call, adminToken, { name: 'Bad Input Cancelled' });
    expect(
      (await t.call('POST', `/v1/admin/events/${cancelled.eventId}/cancel`, { token: adminToken, body: {} }))
        .status,
    ).toBe(200);
    const later = await createEvent(t.call, adminToken, {
      name: 'Bad Input Later',
      generalSaleStart: '2030-01-01T10:00:00Z',
    });
    const venueRes = await t.call('POST', '/v1/admin/venues', { token: adminToken, body: validVenue });
    expect(venueRes.status).toBe(201);

    ctx = {
      admin: adminToken,
      fan: customer.token,
      fanId: customer.userId,
      auditor: t.mintToken('auditor-1', 'auditor'),
      expired: sign({ ...claims, exp: now - 60, iat: now - 3660 }, secret),
      foreignSecret: sign(
        { ...claims, role: 'admin', exp: now + 600 },
        'not-the-server-secret-at-all-0123456789',
      ),
      wrongIssuer: sign({ ...claims, exp: now + 600 }, secret, 'someone-else'),
      unknownRole: sign({ ...claims, role: 'superuser', exp: now + 600 }, secret),
      algNone: jwt.sign({ ...claims, role: 'admin', exp: now + 600 }, '', {
        algorithm: 'none',
        issuer: 'ticketing-backend',
        subject: 'forger',
      }),
      takenEmail: taken.body.email,
      venueId: venueRes.body.venue_id,
      eventId: published.eventId,
      draftEventId: draft.eventId,
      cancelledEventId: cancelled.eventId,
      notOnSaleEventId: later.eventId,
    };
    // Wait until the read models have every fixture (reservation and seat-map reads go through them).
    await t.call('GET', '/v1/events/search', { headers: { 'x-min-log-position': String(later.position) } });
  });
  afterAll(() => t.close());

  it('covers at least 40 distinct kinds of bad input', () => {
    expect(new Set(CASES.map((c) => c.name)).size).toBe(CASES.length);
    expect(CASES.length).toBeGreaterThanOrEqual(40);
  });

  it.each(
    CASES.map(
      (c) => [`${c.method} ${typeof c.path === 'string' ? c.path.slice(0, 60) : '…'}: ${c.name}`, c] as const,
    ),
  )('%s', async (_title, c) => {
    const resolve = <T>(value: Lazy<T> | undefined): T | undefined =>
      typeof value === 'function' ? (value as (ctx: Ctx) => T)(ctx) : value;
    const res = await t.call(c.method, resolve(c.path)!, {
      token: c.token?.(ctx),
      body: resolve(c.body),
      rawBody: c.rawBody,
      headers: resolve(c.headers),
    });
    answered.push({ name: c.name, status: res.status });
    expectEnvelope(res, c);
  });

  it('never answered 5xx to anything in the table', () => {
    expect(answered).toHaveLength(CASES.length);
    expect(answered.filter((a) => a.status >= 500)).toEqual([]);
    expect(answered.every((a) => a.status >= 400 && a.status < 500)).toBe(true);
  });
});

describe("what node's HTTP parser refuses, in the error envelope too", () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t.close());

  const parserCase = (status: number, code: string): BadCase => ({
    name: code,
    method: 'GET',
    path: '/',
    status,
    code,
  });
  /** Sends raw bytes and reads the whole answer (the server closes the connection after a refusal). */
  const raw = (bytes: string): Promise<ApiResponse> =>
    new Promise((resolve, reject) => {
      const { port } = new URL(t.baseUrl);
      const socket = net.connect(Number(port), '127.0.0.1', () => socket.write(bytes));
      let text = '';
      socket.setEncoding('latin1');
      socket.on('data', (chunk) => (text += chunk));
      socket.on('error', reject);
      socket.on('close', () => {
        const [head, body] = text.split('\r\n\r\n');
        const [statusLine, ...lines] = head.split('\r\n');
        const headers = new Headers(
          lines.map((l) => [l.slice(0, l.indexOf(':')), l.slice(l.indexOf(':') + 1).trim()]),
        );
        resolve({
          status: Number(statusLine.split(' ')[1]),
          headers,
          body: JSON.parse(body),
          text: body,
        } as ApiResponse);
      });
    });

  it('two Authorization headers are 400 INVALID_HEADER: which credential counts is not guessed', async () => {
    const fan = t.mintToken('fan-1', 'customer');
    const admin = t.mintToken('admin-1', 'admin');
    const res = await raw(
      `GET /v1/auth/info HTTP/1.1\r\nHost: x\r\nConnection: close\r\nAuthorization: Bearer ${fan}\r\nAuthorization: Bearer ${admin}\r\n\r\n`,
    );
    expectEnvelope(res, {
      name: 'two Authorization headers',
      method: 'GET',
      path: '/v1/auth/info',
      status: 400,
      code: 'INVALID_HEADER',
    });
    expect(res.body.error).toMatchObject({
      message: 'Authorization is given more than once',
      details: { field: 'headers.authorization' },
    });
  });

  it('431 HEADERS_TOO_LARGE for headers over 16 KB (a 20 KB token, a 20 KB query string)', async () => {
    const token = 'x'.repeat(20_000);
    expectEnvelope(
      await raw(`GET /v1/events/search HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${token}\r\n\r\n`),
      parserCase(431, 'HEADERS_TOO_LARGE'),
    );
    expectEnvelope(
      await raw(`GET /v1/events/search?query=${'a'.repeat(20_000)} HTTP/1.1\r\nHost: x\r\n\r\n`),
      parserCase(431, 'HEADERS_TOO_LARGE'),
    );
    // Any request can meet it, before any route: every operation of the document says so.
    const doc = (await t.call('GET', '/openapi.json')).body;
    const methods = ['get', 'put', 'post', 'delete', 'patch'];
    const missing = Object.entries(
      doc.paths as Record<string, Record<string, { responses: Record<string, unknown> }>>,
    ).flatMap(([path, item]) =>
      methods.filter((m) => item[m] && !item[m].responses['431']).map((m) => `${m.toUpperCase()} ${path}`),
    );
    expect(missing).toEqual([]);
  });

  it('400 BAD_REQUEST for bytes that are not HTTP; the server goes on serving', async () => {
    expectEnvelope(await raw('HELLO THERE\r\n\r\n'), parserCase(400, 'BAD_REQUEST'));
    expectEnvelope(
      await raw('GET / HTTP/1.1\r\nHost: x\r\nBad Header Name: 1\r\n\r\n'),
      parserCase(400, 'BAD_REQUEST'),
    );
    expect((await t.call('GET', '/healthz')).status).toBe(200);
  });
});

function expectEnvelope(res: ApiResponse, c: BadCase): void {
  // One comparison first, so a failure shows status, code and body together.
  expect({ status: res.status, code: res.body?.error?.code }).toEqual({ status: c.status, code: c.code });
  expect(res.headers.get('content-type')).toMatch(/^application\/json\b/);
  expect(Object.keys(res.body)).toEqual(['error']);
  const error = res.body.error;
  expect(Object.keys(error).sort()).toEqual(['code', 'details', 'message', 'request_id', 'timestamp']);
  expect(typeof error.message).toBe('string');
  expect(error.message.length).toBeGreaterThan(0);
  expect(error.details).toEqual(expect.any(Object));
  expect(Array.isArray(error.details)).toBe(false);
  const requestId = res.headers.get('x-request-id');
  expect(requestId).toBeTruthy();
  expect(error.request_id).toBe(requestId);
  expect(typeof error.timestamp).toBe('string');
  expect(new Date(error.timestamp).toISOString()).toBe(error.timestamp);
  if (c.message !== undefined) {
    if (typeof c.message === 'string') expect(error.message).toBe(c.message);
    else expect(error.message).toMatch(c.message);
  }
  if (c.details) expect(error.details).toMatchObject(c.details);
  if (c.headers && typeof c.headers !== 'function' && c.headers['x-request-id']) {
    expect(error.request_id).toBe(c.headers['x-request-id']);
  }
}
