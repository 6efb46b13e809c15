import { createEvent } from '../support/fixtures';
import { startTestApp, type TestApp } from '../support/test-app';

it('probe', async () => {
  const t: TestApp = await startTestApp();
  try {
    const admin = await t.adminToken();
    const fan = t.mintToken('probe-fan');
    const ev = await createEvent(t.call, admin);
    const deep = (n: number) => '['.repeat(n) + ']'.repeat(n);
    const deepObj = (n: number) => '{"a":'.repeat(n) + '1' + '}'.repeat(n);
    const probes: Array<[string, string, any]> = [
      ['POST', '/v1/auth/register', { rawBody: `{"email":"a@b.cd","password":"12345678","name":${deep(40000)}}`, headers: { 'content-type': 'application/json' } }],
      ['POST', '/v1/auth/register', { rawBody: `{"email":"a@b.cd","password":"12345678","name":"x","extra":${deepObj(15000)}}`, headers: { 'content-type': 'application/json' } }],
      ['POST', '/v1/admin/venues', { token: admin, rawBody: `{"name":"x","city":"c","state":"s","country":"US","sections":${deep(40000)}}`, headers: { 'content-type': 'application/json' } }],
      ['POST', '/v1/admin/venues', { token: admin, rawBody: `{"name":"x","city":"c","state":"s","country":"US","sections":[{"name":"a","rows":[${deepObj(15000)}]}]}`, headers: { 'content-type': 'application/json' } }],
      ['POST', '/v1/auth/register', { rawBody: '{"__proto__":{"x":1},"email":"proto@b.cd","password":"12345678","name":"x"}', headers: { 'content-type': 'application/json' } }],
      ['POST', '/v1/auth/register', { rawBody: '{"constructor":{"prototype":{"x":1}},"email":"ctor@b.cd","password":"12345678","name":"x"}', headers: { 'content-type': 'application/json' } }],
      ['GET', '/v1/events/__proto__', {}],
      ['GET', '/v1/events/constructor', {}],
      ['GET', '/v1/events/toString', {}],
      ['GET', '/v1/events/hasOwnProperty/seats', {}],
      ['GET', '/v1/events/__proto__/seats', {}],
      ['GET', '/v1/admin/events/constructor', { token: admin }],
      ['POST', '/v1/admin/events/constructor/publish', { token: admin }],
      ['POST', '/v1/admin/events/__proto__/cancel', { token: admin }],
      ['POST', '/v1/admin/events/toString/cancel', { token: admin }],
      ['GET', '/v1/reservations/__proto__', { token: fan }],
      ['GET', '/v1/reservations/constructor', { token: fan }],
      ['DELETE', '/v1/reservations/toString', { token: fan }],
      ['POST', '/v1/seats/reserve', { token: fan, body: { event_id: '__proto__', seat_ids: ['a'] } }],
      ['POST', '/v1/seats/reserve', { token: fan, body: { event_id: 'constructor', seat_ids: ['a'] } }],
      ['POST', '/v1/seats/reserve', { token: fan, body: { event_id: ev.eventId, seat_ids: ['__proto__'] } }],
      ['POST', '/v1/seats/reserve', { token: fan, body: { event_id: ev.eventId, seat_ids: ['constructor', 'toString'] } }],
      ['POST', '/v1/admin/events', { token: admin, body: { name: 'n', artist: 'a', category: 'c', venue_id: '__proto__', date: '2030-01-01T00:00:00Z', general_sale_start: '2020-01-01T00:00:00Z', pricing_tiers: [{ name: 'x', price: 1, fees: 0, sections: ['Floor'] }] } }],
      ['POST', '/v1/admin/events', { token: admin, body: { name: 'n', artist: 'a', category: 'c', venue_id: 'constructor', date: '2030-01-01T00:00:00Z', general_sale_start: '2020-01-01T00:00:00Z', pricing_tiers: [{ name: 'x', price: 1, fees: 0, sections: ['Floor'] }] } }],
      ['POST', '/v1/admin/events', { token: admin, body: { name: 'n', artist: 'a', category: 'c', venue_id: ev.venueId, date: '2030-01-01T00:00:00Z', general_sale_start: '2020-01-01T00:00:00Z', pricing_tiers: [{ name: 'x', price: 1, fees: 0, sections: ['constructor'] }] } }],
      ['POST', '/v1/admin/events', { token: admin, body: { name: 'n', artist: 'a', category: 'c', venue_id: ev.venueId, date: '2030-01-01T00:00:00Z', general_sale_start: '2020-01-01T00:00:00Z', pricing_tiers: [{ name: 'x', price: 1, fees: 0, sections: ['__proto__'] }] } }],
      ['POST', '/v1/admin/events', { token: admin, body: { name: 'n', artist: 'a', category: 'c', venue_id: ev.venueId, date: '2030-01-01T00:00:00Z', general_sale_start: '2020-01-01T00:00:00Z', pricing_tiers: [{ name: 'x', price: 1, fees: 0, sections: ['toString'] }] } }],
      ['POST', '/v1/admin/venues', { token: admin, body: { name: 'x', city: 'c', state: 's', country: 'US', sections: [{ name: '__proto__', rows: [{ row: 'toString', seats: 2 }, { row: 'valueOf', seats: 2 }] }, { name: 'constructor', rows: [{ row: 'A', seats: 1 }] }] } }],
      ['POST', '/v1/admin/venues', { token: admin, body: { name: 'x', city: 'c', state: 's', country: 'US', sections: [{ name: 'a', rows: [{ row: 'A', seats: 1e308 }] }] } }],
      ['POST', '/v1/admin/venues', { token: admin, body: { name: 'x', city: 'c', state: 's', country: 'US', sections: Array.from({ length: 500 }, (_, i) => ({ name: `s${i}`, rows: Array.from({ length: 1 }, () => ({ row: 'A', seats: 1000 })) })) } }],
      ['GET', '/v1/events/search?query=(((', {}],
      ['GET', '/v1/events/search?query=*', {}],
      ['GET', '/v1/events/search?city=[', {}],
      ['GET', '/v1/events/search?category=%5C', {}],
      ['GET', '/v1/events/search?__proto__=x', {}],
      ['GET', '/v1/events/search?constructor=x', {}],
      ['GET', '/v1/events/search?date_from=2030-01-01&date_to=99999-01-01', {}],
      ['GET', '/v1/events/search?date_from=%2B275760-09-13', {}],
      ['GET', '/v1/events/search?date_to=2030-01-01T25:00:00Z', {}],
      ['GET', '/v1/events/search?date_from=0000-01-01', {}],
      ['GET', '/v1/events/search?page=10000&per_page=100', {}],
      ['GET', `/v1/events/${ev.eventId}/seats?section=(((`, {}],
      ['GET', `/v1/events/${ev.eventId}/seats?section=__proto__`, {}],
      ['GET', `/v1/events/${ev.eventId}/seats?section=constructor`, {}],
      ['GET', '/v1/events/search', { headers: { 'x-min-log-position': '999999999999999' } }],
      ['POST', '/v1/auth/token', { body: { grant_type: 'password', email: '__proto__', password: 'x' } }],
      ['POST', '/v1/auth/token', { body: { grant_type: 'password', email: 'constructor', password: 'x' } }],
      ['POST', '/v1/auth/token', { body: { grant_type: 'refresh_token', refresh_token: '__proto__' } }],
      ['POST', '/v1/auth/token', { body: { grant_type: 'refresh_token', refresh_token: 'a.b.c' } }],
      ['POST', '/v1/auth/token', { body: { grant_type: ['password'], email: 'a', password: 'b' } }],
      ['POST', '/v1/auth/token', { body: { grant_type: 'constructor' } }],
      ['GET', '/v1/auth/info', { headers: { authorization: 'Bearer ' + 'a'.repeat(8000) } }],
      ['GET', '/v1/events/search', { headers: { 'x-request-id': 'bad id with spaces' } }],
      ['POST', '/v1/seats/reserve', { token: fan, body: { event_id: ev.eventId, seat_ids: ['s1:A:5'] }, headers: { 'idempotency-key': '__proto__' } }],
      ['POST', '/v1/seats/reserve', { token: fan, body: { event_id: ev.eventId, seat_ids: ['s1:A:5'] }, headers: { 'idempotency-key': 'constructor' } }],
      ['POST', '/v1/admin/events/x/cancel', { token: admin, rawBody: '[]', headers: { 'content-type': 'application/json' } }],
      ['POST', '/v1/admin/events/x/publish', { token: admin, rawBody: '{', headers: { 'content-type': 'application/json' } }],
      ['OPTIONS', '/v1/events/search', {}],
      ['HEAD', '/v1/nope', {}],
      ['GET', '/v1/events/search', { headers: { 'content-type': 'application/json' }, rawBody: undefined }],
      ['GET', '/docs', {}],
      ['GET', '/docs/nope.js', {}],
      ['POST', '/docs/', { body: {} }],
      ['GET', '/openapi.json/x', {}],
      ['POST', '/v1/auth/register', { rawBody: '{"email":"a@b.cd","password":"12345678","name":"x"}', headers: { 'content-type': 'application/json', 'content-length': '5' } }],
    ];
    for (const [m, p, o] of probes) {
      let res; const t0 = Date.now();
      try { res = await t.call(m, p, o); } catch (e) { console.log(m, p.slice(0, 80), 'THREW', String(e)); continue; }
      console.log(Date.now() - t0, "ms", m, p.slice(0, 80), JSON.stringify(o.body ?? o.rawBody ?? "").slice(0, 60), "=>", res.status, res.headers.get("content-type"), res.text.slice(0, 160));
    }
  } finally {
    await t.close();
  }
}, 120000);
