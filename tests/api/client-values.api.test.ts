import fs from 'node:fs';
import path from 'node:path';
import { Writable } from 'node:stream';
import type { Request, Response } from 'express';
import pino from 'pino';
import { ApiError } from '../../src/api/http/api-error';
import { errorHandler, MAX_ECHO, routeTemplate, sendError } from '../../src/api/http/middleware';
import { EVENT_STORE, type EventStore } from '../../src/application/ports/event-store';
import { createEvent, type EventFixture } from '../support/fixtures';
import type { ApiResponse } from '../support/http';
import { startTestApp, type TestApp } from '../support/test-app';

/**
 * Issue 8, item 3: no card data through any door. Every client value the service stores or logs (JSON and form
 * bodies, query strings, path parameters, the headers it keeps) passes the one card-data guard, and client-chosen
 * ids and keys must have a safe shape: 400 otherwise, before anything records them. Afterwards the data
 * directory (event log, idempotency table) holds none of the card numbers sent.
 */

const PAN = '4242424242424242';
const PANS = [PAN, '4242 4242 4242 4242', '5555-5555-5555-4444', '378282246310005'];

function expectEnvelope(res: ApiResponse, status: number, code: string): void {
  expect({ status: res.status, code: res.body?.error?.code }).toEqual({ status, code });
  expect(Object.keys(res.body.error).sort()).toEqual([
    'code',
    'details',
    'message',
    'request_id',
    'timestamp',
  ]);
  expect(res.body.error.request_id).toBe(res.headers.get('x-request-id'));
  // The refused value is never echoed, in the body or in the X-Request-Id header.
  for (const pan of PANS) expect(res.text + (res.headers.get('x-request-id') ?? '')).not.toContain(pan);
}

describe('card data and unsafe ids, whatever the door', () => {
  let t: TestApp;
  let admin: string;
  let fan: string;
  let fanId: string;
  let event: EventFixture;
  const reserve = () => ({ event_id: event.eventId, seat_ids: ['s1:A:1'] });

  beforeAll(async () => {
    t = await startTestApp();
    admin = await t.adminToken();
    ({ token: fan, userId: fanId } = await t.customerToken());
    event = await createEvent(t.call, admin, { name: 'Doors Night' });
  });
  afterAll(() => t.close());

  it.each(PANS)('a JSON body holding %s is refused', async (pan) => {
    const res = await t.call('POST', '/v1/seats/reserve', { token: fan, body: { ...reserve(), note: pan } });
    expectEnvelope(res, 400, 'RAW_CARD_DATA_REJECTED');
  });

  it.each([
    `grant_type=password&email=fan%40example.test&password=${PAN}`,
    `grant_type=password&email=fan%40example.test&password=x&card_number=1`,
    `grant_type=password&email=fan%40example.test&password=x&cvv=123`,
  ])('a form-encoded token request is guarded like JSON: %s', async (form) => {
    for (const url of ['/v1/auth/token', '/oauth/token']) {
      const res = await t.call('POST', url, {
        rawBody: form,
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
      });
      expectEnvelope(res, 400, 'RAW_CARD_DATA_REJECTED');
    }
  });

  it('a form-encoded token request still works, and null-like form values are refused, not crashed on', async () => {
    const ok = await t.call('POST', '/oauth/token', {
      rawBody: 'grant_type=password&email=admin%40example.test&password=admin-password-123',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    expect(ok.status).toBe(200);
    const unknown = await t.call('POST', '/oauth/token', {
      rawBody: 'grant_type=password&email=a%40b.c&password=x&toString=1',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    expectEnvelope(unknown, 400, 'VALIDATION_ERROR');
  });

  it.each([
    `/v1/events/search?query=${PAN}`,
    `/v1/events/search?query=${encodeURIComponent('4242 4242 4242 4242')}`,
    `/v1/events/search?cvv=123`,
    `/v1/events/search?city=x&${PAN}=1`,
  ])('a query string holding card data is refused: %s', async (url) => {
    expectEnvelope(await t.call('GET', url), 400, 'RAW_CARD_DATA_REJECTED');
  });

  it.each([
    ['GET', `/v1/events/${PAN}`],
    ['GET', `/v1/events/${encodeURIComponent('5555 5555 5555 4444')}/seats`],
    ['GET', `/v1/orders/${PAN}`],
    ['DELETE', `/v1/reservations/${'%34%32%34%32'.repeat(4)}`],
    ['POST', `/v1/transfers/378282246310005/accept`],
    ['GET', `/v1/no-such-route/${PAN}`],
  ])('a path parameter holding a card number is refused: %s %s', async (method, url) => {
    expectEnvelope(await t.call(method, url, { token: fan }), 400, 'RAW_CARD_DATA_REJECTED');
  });

  it.each([
    ['x-request-id', PAN],
    ['x-request-id', 'req-4242424242424242'],
    ['x-request-id', '4242.4242.4242.4242'],
    ['x-request-id', '4111111111111112'], // 16 digits starting as a Visa, not Luhn-valid: still a card-number shape for an id
    ['x-correlation-id', 'corr_5555555555554444'],
    ['idempotency-key', PAN],
    ['idempotency-key', 'key:378282246310005'],
    ['x-session-id', PAN],
    ['x-device-id', 'device 4242 4242 4242 4242'],
    // Digit groups split by letters (red team, after issue 8): still a card number in an id.
    ['x-correlation-id', '4242a4242b4242c4242'],
    ['x-session-id', 'pan_4242x4242x4242x4242'],
    ['x-request-id', 'X4242Y4242Z4242W4242'],
    ['idempotency-key', '3782x822463x10005'],
  ])('a kept header holding a card number is refused: %s: %s', async (header, value) => {
    const res = await t.call('POST', '/v1/seats/reserve', {
      token: fan,
      body: reserve(),
      headers: { [header]: value },
    });
    expectEnvelope(res, 400, 'RAW_CARD_DATA_REJECTED');
    expect(res.body.error.details).toEqual({ field: `headers.${header}` });
  });

  it.each([
    ['idempotency-key', 'ord-20261203095712132'], // a timestamp key: no card network's number starts so
    ['idempotency-key', 'ord-20261203095712140'],
    ['x-request-id', 'k-20261203095638694'],
    ['x-correlation-id', 'k-0.1234567890123456'],
  ])('a kept header with a long number no card starts with is taken: %s: %s', async (header, value) => {
    const res = await t.call('GET', '/v1/auth/info', { token: fan, headers: { [header]: value } });
    expect(res.status).toBe(200);
  });

  it.each(
    [
      ['x-request-id', 'has space', 'INVALID_REQUEST_ID'],
      ['x-request-id', 'r'.repeat(129), 'INVALID_REQUEST_ID'],
      ['x-request-id', 'semi;colon', 'INVALID_REQUEST_ID'],
      ['x-correlation-id', 'a/b', 'INVALID_CORRELATION_ID'],
      ['x-correlation-id', 'c'.repeat(200), 'INVALID_CORRELATION_ID'],
      ['idempotency-key', '{"json":1}', 'INVALID_IDEMPOTENCY_KEY'],
      ['x-session-id', 'sess@ion', 'INVALID_HEADER'],
      ['x-device-id', 'd'.repeat(513), 'INVALID_HEADER'],
    ].map(([header, value, code]) => [
      header,
      value.length > 40 ? `${value.length} chars` : value,
      value,
      code,
    ]),
  )('an unsafe %s (%s) is refused with 400, on reads too', async (header, _label, value, code) => {
    const write = await t.call('POST', '/v1/seats/reserve', {
      token: fan,
      body: reserve(),
      headers: { [header]: value },
    });
    expectEnvelope(write, 400, code);
    expect(write.headers.get('x-request-id')).not.toBe(value);
    const read = await t.call('GET', '/v1/events/search', { headers: { [header]: value } });
    expectEnvelope(read, 400, code);
  });

  it('safe ids are kept: the X-Request-Id is echoed, the correlation id lands in the event metadata scoped to its caller', async () => {
    const res = await t.call('POST', '/v1/seats/reserve', {
      token: fan,
      body: { event_id: event.eventId, seat_ids: ['s1:B:1'] },
      headers: {
        'x-request-id': 'req.2026-12-01:0001',
        'x-correlation-id': 'corr-1',
        'idempotency-key': 'k-1',
      },
    });
    expect(res.status).toBe(201);
    expect(res.headers.get('x-request-id')).toBe('req.2026-12-01:0001');
    const correlation = `${fanId}:corr-1`;
    expect(res.headers.get('x-correlation-id')).toBe(correlation);
    const events = await t.app.container.get<EventStore>(EVENT_STORE).readAll();
    expect(events.filter((e) => e.metadata.correlationId === correlation).map((e) => e.type)).toEqual([
      'SeatsHeld',
    ]);
    expect(events.some((e) => e.metadata.correlationId === 'corr-1')).toBe(false);
  });

  it("a client-chosen correlation or request id never files one user's events under another's", async () => {
    // Pairs from a row's end, so no hold leaves a single seat between two.
    const reserveAs = (token: string, first: number, headers: Record<string, string>) =>
      t.call('POST', '/v1/seats/reserve', {
        token,
        body: { event_id: event.eventId, seat_ids: [`s2:A:${first}`, `s2:A:${first + 1}`] },
        headers,
      });
    const other = t.mintToken('someone-else');
    const mine = await reserveAs(fan, 1, { 'x-correlation-id': 'purchase-7', 'x-request-id': 'r-7' });
    const theirs = await reserveAs(other, 3, { 'x-correlation-id': 'purchase-7' });
    const copied = await reserveAs(other, 5, { 'x-request-id': 'r-7' });
    expect([mine, theirs, copied].map((r) => [r.status, r.body.error?.code])).toEqual(
      Array(3).fill([201, undefined]),
    );
    const ids = [mine, theirs, copied].map((r) => r.headers.get('x-correlation-id'));
    expect(new Set(ids).size).toBe(3);
    expect(ids).toEqual([`${fanId}:purchase-7`, 'someone-else:purchase-7', 'someone-else:r-7']);
    // Without either header the server's own request id is the correlation, as before.
    const plain = await reserveAs(fan, 7, {});
    expect(plain.headers.get('x-correlation-id')).toBe(plain.headers.get('x-request-id'));
  });

  it('client values echoed in an error are cut short: field names, paths, ids', async () => {
    const longName = 'k'.repeat(10_000);
    const unknown = await t.call('POST', '/v1/seats/reserve', {
      token: fan,
      body: { ...reserve(), [longName]: 1 },
    });
    expectEnvelope(unknown, 400, 'VALIDATION_ERROR');
    expect(unknown.text.length).toBeLessThan(1000);
    expect(unknown.body.error.details.fields[0].field).toBe(`${'k'.repeat(MAX_ECHO)}…`);
    const nowhere = await t.call('GET', `/v1/${'p'.repeat(8000)}`);
    expectEnvelope(nowhere, 404, 'ROUTE_NOT_FOUND');
    expect(nowhere.text.length).toBeLessThan(1000);
    const seat = await t.call('POST', '/v1/seats/reserve', {
      token: fan,
      // Letters: 16+ digits in a row in an id are refused as a card-number shape (RAW_CARD_DATA_REJECTED).
      body: { event_id: event.eventId, seat_ids: ['s9:Z:'.padEnd(64, 'z')] },
    });
    expectEnvelope(seat, 404, 'SEAT_NOT_FOUND');
    expect(seat.body.error.details.seat_ids).toEqual(['s9:Z:'.padEnd(64, 'z')]); // short values stay whole
  });

  it('the envelope builder cuts every client value in details, however deep', () => {
    let sent: { error: { message: string; details: Record<string, unknown> } } | undefined;
    const res = { setHeader() {}, status: () => res, json: (body: typeof sent) => (sent = body) };
    const huge = 's'.repeat(90_000);
    sendError(
      { requestId: 'r' } as Request,
      res as unknown as Response,
      new ApiError(404, 'SEAT_NOT_FOUND', `No seat ${huge}`, {
        seat_ids: [huge],
        nested: { [huge]: { id: huge } },
      }),
    );
    const text = JSON.stringify(sent);
    expect(text.length).toBeLessThan(1000);
    expect((sent!.error.details.seat_ids as string[])[0]).toBe(`${'s'.repeat(MAX_ECHO)}…`);
  });

  it('the idempotency table keeps no client-chosen text: neither the key nor the path', async () => {
    const key = 'visible-idempotency-key-0123';
    const first = await t.call('POST', '/v1/tickets/visible-ticket-path-0123/transfer', {
      token: fan,
      body: { recipient_email: 'friend@example.test', recipient_name: 'Friend' },
      headers: { 'idempotency-key': key },
    });
    expect(first.status).toBe(404);
    const again = await t.call('POST', '/v1/tickets/visible-ticket-path-0123/transfer', {
      token: fan,
      body: { recipient_email: 'friend@example.test', recipient_name: 'Friend' },
      headers: { 'idempotency-key': key },
    });
    expect(again.headers.get('idempotent-replayed')).toBe('true'); // stored, under a digest
    const files = fs.readdirSync(t.dataDir).filter((f) => fs.statSync(path.join(t.dataDir, f)).isFile());
    const bytes = files.map((f) => fs.readFileSync(path.join(t.dataDir, f)).toString('latin1')).join('\n');
    expect(bytes).not.toContain(key);
    expect(bytes).not.toContain('visible-ticket-path-0123');
  });

  // Red team, after issue 8: variant spellings of a card number, in names, addresses and client-chosen ids.
  const VARIANTS = [
    '4242.4242.4242.4242',
    '4242  4242  4242  4242',
    '4242\u00a04242\u00a04242\u00a04242',
    '4242/4242/4242/4242',
    '4242,4242,4242,4242',
    '4242+4242+4242+4242',
    '4242_4242_4242_4242',
    '4242\u20134242\u20134242\u20134242',
    '4242 - 4242 - 4242 - 4242',
    '4242\u200b4242\u200b4242\u200b4242',
    'x4242424242424242',
    'ref-4242424242424242',
    '\uff14\uff12\uff14\uff12'.repeat(4),
    '\u0664\u0662\u0664\u0662'.repeat(4),
    '\u096a\u0968\u096a\u0968'.repeat(4),
    '122000000000003', // UATP
  ];

  it.each(VARIANTS)('a name holding %p is refused before anything records it', async (variant) => {
    const res = await t.call('POST', '/v1/auth/register', {
      body: { email: 'variant@example.test', password: 'variant-password-1', name: `Jane ${variant} Doe` },
    });
    expectEnvelope(res, 400, 'RAW_CARD_DATA_REJECTED');
    expect(res.body.error.details).toEqual({ field: 'name' });
  });

  it.each(VARIANTS.slice(0, 4))('a billing address holding %p is refused', async (variant) => {
    const res = await t.call('POST', '/v1/payment-methods', {
      token: fan,
      body: {
        type: 'CARD',
        card_token: 'tok_visa',
        billing_address: { street: `1 Main St ${variant}`, city: 'Springfield', country: 'US' },
      },
    });
    expectEnvelope(res, 400, 'RAW_CARD_DATA_REJECTED');
    expect(res.body.error.details).toEqual({ field: 'billing_address.street' });
  });

  it.each(['ref-4242424242424242', '4242a4242b4242c4242', 'evt-4242-4242-4242-4242'])(
    'an admin event_id %p (it would name a stream) is refused with the id rule',
    async (eventId) => {
      const res = await t.call('POST', '/v1/admin/events', {
        token: admin,
        body: { event_id: eventId, name: 'Card Night' },
      });
      expectEnvelope(res, 400, 'RAW_CARD_DATA_REJECTED');
      expect(res.body.error.details).toEqual({ field: 'event_id' });
    },
  );

  it('our own ids still pass: a reservation id (a UUID) in a body and in a path', async () => {
    const hold = await t.call('POST', '/v1/seats/reserve', {
      token: fan,
      body: { event_id: event.eventId, seat_ids: ['s1:B:2'] },
    });
    expect(hold.status).toBe(201);
    const again = await t.call('GET', `/v1/reservations/${hold.body.reservation_id}`, { token: fan });
    expect(again.status).toBe(200);
  });

  it('nothing refused above reached storage: no card number anywhere in the data directory', async () => {
    const files = fs.readdirSync(t.dataDir).map((name) => path.join(t.dataDir, name));
    const bytes = files
      .filter((f) => fs.statSync(f).isFile())
      .map((f) => fs.readFileSync(f).toString('latin1'));
    expect(bytes.length).toBeGreaterThan(0);
    for (const pan of [...PANS, '5555555555554444', '4111111111111112', ...VARIANTS]) {
      expect(bytes.filter((b) => b.includes(pan))).toHaveLength(0);
      // The JSON in the log escapes non-ASCII characters only sometimes: the UTF-8 bytes are looked for too.
      const utf8 = Buffer.from(pan, 'utf8').toString('latin1');
      expect(bytes.filter((b) => b.includes(utf8))).toHaveLength(0);
    }
  });
});

describe('the error log line carries the route template, never the path or client values', () => {
  function logOf(req: Partial<Request>, error: unknown): string {
    let out = '';
    const logger = pino(
      { level: 'error' },
      new Writable({
        write(chunk, _enc, done) {
          out += String(chunk);
          done();
        },
      }),
    );
    const res = {
      headersSent: false,
      setHeader() {},
      status() {
        return this;
      },
      json() {},
    };
    errorHandler(logger)(
      error,
      { requestId: 'r-1', method: 'GET', ...req } as Request,
      res as unknown as Response,
      () => {},
    );
    return out;
  }

  it('logs /v1/orders/:id for a failure on /v1/orders/4242..., with card numbers in the error masked', () => {
    const line = logOf(
      { originalUrl: `/v1/orders/${PAN}?q=${PAN}`, route: { path: '/:id' } as Request['route'] },
      new TypeError(`cannot read ${PAN} of undefined`),
    );
    expect(line).toContain('"route":"/v1/orders/:id"');
    expect(line).toContain('[redacted]');
    expect(line).not.toContain(PAN);
  });

  it('an unmatched request is logged as such', () => {
    expect(routeTemplate({ originalUrl: `/v1/${PAN}` } as Request)).toBe('(unmatched)');
    expect(
      routeTemplate({
        originalUrl: '/v1/admin/events/abc/publish',
        route: { path: '/events/:id/publish' },
      } as unknown as Request),
    ).toBe('/v1/admin/events/:id/publish');
  });
});

describe('strict JSON, one key per email, no automatic OPTIONS (red team, after issue 8)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t.close());

  const register = (rawBody: string | Uint8Array) =>
    t.call('POST', '/v1/auth/register', { rawBody, headers: { 'content-type': 'application/json' } });

  it.each([
    ['a lone continuation byte', [0x80]],
    ['an overlong encoding of "/"', [0xc0, 0xaf]],
    ['a truncated 3-byte sequence', [0xe2, 0x82]],
    ['0xFF', [0xff]],
    ['an encoded UTF-16 surrogate', [0xed, 0xa0, 0x80]],
  ])(
    'a body with invalid UTF-8 (%s) is refused with 400 INVALID_JSON, not stored as U+FFFD',
    async (_w, bytes) => {
      const before = Buffer.from('{"email":"bad-utf8@example.test","password":"long-enough-1","name":"Ren');
      const after = Buffer.from('e"}');
      const res = await register(Buffer.concat([before, Buffer.from(bytes), after]));
      expectEnvelope(res, 400, 'INVALID_JSON');
      // Nothing was registered: the same email, sent cleanly, is still free.
      const clean = await t.call('POST', '/v1/auth/register', {
        body: { email: `bad-utf8-${bytes.join('')}@example.test`, password: 'long-enough-1', name: 'René' },
      });
      expect(clean.status).toBe(201);
    },
  );

  it.each([
    ['at the top level', '{"email":"dup@example.test","password":"long-enough-1","name":"A","name":"B"}'],
    [
      'spelled with an escape',
      '{"email":"dup@example.test","password":"long-enough-1","name":"A","\\u006eame":"B"}',
    ],
    ['in a nested object', '{"event_id":"e","seat_ids":["s1:A:1"],"x":{"a":1,"b":{"c":1,"c":2}}}'],
  ])('a key repeated in one object (%s) is refused with 400 INVALID_JSON', async (_w, body) => {
    expectEnvelope(await register(body), 400, 'INVALID_JSON');
  });

  it('the same key in different objects, or as a value, is fine', async () => {
    const res = await register('{"email":"same-key@example.test","password":"long-enough-1","name":"name"}');
    expect(res.status).toBe(201);
  });

  it('an email registered in NFC cannot be registered again in NFD, and signs in either way', async () => {
    const nfc = 'jos\u00e9.nfc@example.test';
    const nfd = nfc.normalize('NFD');
    expect(nfd).not.toBe(nfc);
    const first = await t.call('POST', '/v1/auth/register', {
      body: { email: nfc, password: 'long-enough-1', name: 'José' },
    });
    expect(first.status).toBe(201);
    const second = await t.call('POST', '/v1/auth/register', {
      body: { email: nfd.toUpperCase(), password: 'long-enough-2', name: 'Jose' },
    });
    expectEnvelope(second, 409, 'EMAIL_TAKEN');
    const token = await t.call('POST', '/v1/auth/token', {
      body: { grant_type: 'password', email: nfd, password: 'long-enough-1' },
    });
    expect(token.status).toBe(200);
  });

  it.each(['/v1/orders', '/v1/events/search', '/health', '/v1/seats/reserve'])(
    'OPTIONS %s is 404 ROUTE_NOT_FOUND in the envelope, like any unknown method',
    async (url) => {
      const res = await t.call('OPTIONS', url);
      expectEnvelope(res, 404, 'ROUTE_NOT_FOUND');
      expect(res.headers.get('allow')).toBeNull();
    },
  );
});
