/* eslint-disable @typescript-eslint/no-explicit-any -- frames and bodies are whatever the server sent */
import http from 'node:http';
import type { OpenAPIObject } from 'openapi3-ts/oas30';
import { ACCESS_TOKENS, type AccessTokens } from '../../src/application/ports/access-tokens';
import type { PaymentGateway } from '../../src/application/ports/payment-gateway';
import { systemMetadata } from '../../src/application/shared/command-metadata';
import { ManualClock } from '../../src/infrastructure/clock/system-clock';
import { contractChecker, type ContractChecker } from '../support/contract';
import { createEvent } from '../support/fixtures';
import { addCard } from '../support/purchase';
import { openRealtime, realtimeUrl, refusedUpgrade, type RealtimeClient } from '../support/realtime-client';
import { startTestApp, type TestApp } from '../support/test-app';

const HOLD_SECONDS = 600;

/** An upgrade request with exactly these handshake headers (ws's client always sends valid ones): the answer. */
function rawUpgrade(
  url: string,
  method: string,
  headers: Record<string, string>,
): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: any }> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, {
      method,
      headers: { Connection: 'Upgrade', Upgrade: 'websocket', ...headers },
    });
    req.once('upgrade', (_res, socket) => {
      socket.destroy();
      reject(new Error(`the upgrade with ${JSON.stringify(headers)} was accepted`));
    });
    req.once('response', (res) => {
      let text = '';
      res.on('data', (chunk) => (text += chunk));
      res.on('end', () =>
        resolve({
          status: res.statusCode ?? 0,
          headers: res.headers,
          body: text ? JSON.parse(text) : undefined,
        }),
      );
    });
    req.once('error', reject);
    req.end();
  });
}

/** Available seats per section name, as the seat-map API shows them (read your writes at `position`). */
async function seatMapCounts(
  t: TestApp,
  eventId: string,
  position?: string,
): Promise<Record<string, number>> {
  const res = await t.call('GET', `/v1/events/${eventId}/seats`, {
    headers: position ? { 'x-min-log-position': position } : {},
  });
  expect(res.status).toBe(200);
  return Object.fromEntries(
    res.body.sections.map((s: any) => [
      s.name,
      s.rows.flatMap((r: any) => r.seats).filter((seat: any) => seat.status === 'AVAILABLE').length,
    ]),
  );
}

const isUpdate = (section: string, available?: number) => (f: any) =>
  f.type === 'availability_update' &&
  f.section === section &&
  (available === undefined || f.available_seats === available);

/** Resolves once `condition` holds (checked after each turn of the event loop, up to the test's own timeout). */
async function eventually(condition: () => boolean | Promise<boolean>): Promise<void> {
  while (!(await condition())) await new Promise((r) => setTimeout(r, 20));
}

describe('realtime over WebSocket (GET /v1/realtime)', () => {
  const clock = new ManualClock('2026-06-01T12:00:00Z');
  let t: TestApp;
  let doc: OpenAPIObject;
  let checker: ContractChecker;
  let admin: string;
  const clients: RealtimeClient[] = [];
  let authorizationGate = Promise.resolve();

  const open = async (token: string, options = {}) => {
    const client = await openRealtime(t.baseUrl, doc, token, options);
    clients.push(client);
    return client;
  };
  const reserve = (token: string, eventId: string, seatIds: string[]) =>
    t.call('POST', '/v1/seats/reserve', { token, body: { event_id: eventId, seat_ids: seatIds } });

  beforeAll(async () => {
    t = await startTestApp({
      clock,
      // The expiry notices are checked by hand (tick) after moving the clock, never by the timer.
      env: { HOLD_SECONDS: String(HOLD_SECONDS), REALTIME_TICK_MS: '3600000' },
      overrides: {
        // A card's authorization waits while the test holds its gate (an order kept unsold).
        gateway: (inner: PaymentGateway) => {
          const gated = Object.create(inner) as PaymentGateway;
          gated.authorize = async (request) => {
            await authorizationGate;
            return inner.authorize(request);
          };
          return gated;
        },
      },
    });
    admin = await t.adminToken();
    doc = (await t.call('GET', '/openapi.json')).body;
    checker = contractChecker(doc);
  });
  afterEach(() => {
    for (const client of clients) expect(client.problems).toEqual([]);
  });
  afterAll(async () => {
    await Promise.all(clients.splice(0).map((c) => c.close()));
    await t.close();
  });

  it('subscribe -> subscribed and the current counts; a hold and its release move Floor down by 2 and back, as the seat map shows', async () => {
    const { eventId } = await createEvent(t.call, admin);
    const watcher = await open(t.mintToken('watcher'));
    watcher.send({ type: 'subscribe', event_id: eventId });
    expect(await watcher.next((f) => f.type === 'subscribed')).toEqual({
      type: 'subscribed',
      event_id: eventId,
    });
    const floor = await watcher.next(isUpdate('Floor'));
    const balcony = await watcher.next(isUpdate('Balcony'));
    expect([floor.available_seats, balcony.available_seats]).toEqual([20, 8]);
    expect(floor).toMatchObject({
      event_id: eventId,
      section_id: 's1',
      timestamp: clock.now().toISOString(),
    });

    const buyer = t.mintToken('buyer');
    const held = await reserve(buyer, eventId, ['s1:A:1', 's1:A:2']);
    expect(held.status).toBe(201);
    const down = await watcher.next(isUpdate('Floor'));
    expect(down.available_seats).toBe(18);
    expect((await seatMapCounts(t, eventId, held.headers.get('x-log-position')!)).Floor).toBe(18);

    const released = await t.call('DELETE', `/v1/reservations/${held.body.reservation_id}`, { token: buyer });
    expect(released.status).toBe(204);
    const back = await watcher.next(isUpdate('Floor'));
    expect(back.available_seats).toBe(20);
    expect(await seatMapCounts(t, eventId, released.headers.get('x-log-position')!)).toEqual({
      Floor: 20,
      Balcony: 8,
    });
    // Balcony did not change: no update for it after the first count.
    expect(watcher.frames.filter(isUpdate('Balcony'))).toHaveLength(1);
  });

  it("a cancellation drops every section's count to 0, and a later subscriber is told 0, as the seat map shows", async () => {
    const { eventId } = await createEvent(t.call, admin);
    const watcher = await open(t.mintToken('watcher-of-a-cancellation'));
    watcher.send({ type: 'subscribe', event_id: eventId });
    await watcher.next(isUpdate('Balcony', 8));
    const cancel = await t.call('POST', `/v1/admin/events/${eventId}/cancel`, { token: admin, body: {} });
    expect(cancel.status).toBe(200);
    await watcher.next(isUpdate('Floor', 0));
    await watcher.next(isUpdate('Balcony', 0));
    expect(await seatMapCounts(t, eventId, cancel.headers.get('x-log-position')!)).toEqual({
      Floor: 0,
      Balcony: 0,
    });
    const late = await open(t.mintToken('late-watcher'));
    late.send({ type: 'subscribe', event_id: eventId });
    await late.next(isUpdate('Floor', 0));
    await late.next(isUpdate('Balcony', 0));
  });

  it('unsubscribe stops the updates; an unknown or unpublished event is an error frame', async () => {
    const { eventId } = await createEvent(t.call, admin);
    const draft = await createEvent(t.call, admin, { publish: false });
    const client = await open(t.mintToken('fickle'));

    client.send({ type: 'subscribe', event_id: 'no-such-event' });
    expect(await client.next((f) => f.type === 'error')).toMatchObject({ code: 'EVENT_NOT_FOUND' });
    client.send({ type: 'subscribe', event_id: draft.eventId });
    expect(await client.next((f) => f.type === 'error')).toMatchObject({ code: 'EVENT_NOT_FOUND' });

    client.send({ type: 'subscribe', event_id: eventId });
    await client.next((f) => f.type === 'subscribed');
    client.send({ type: 'unsubscribe', event_id: eventId });
    await client.next((f) => f.type === 'unsubscribed');
    const afterUnsubscribe = client.frames.length;
    const held = await reserve(t.mintToken('other-buyer'), eventId, ['s2:A:1', 's2:A:2', 's2:A:3']);
    expect(held.status).toBe(201);
    await t.app.runner.waitFor(Number(held.headers.get('x-log-position')), 5000);
    client.send({ type: 'subscribe', event_id: eventId });
    const again = await client.next((f) => f.type === 'subscribed');
    // Nothing about the event while unsubscribed; the new count comes with the subscription.
    expect(client.frames.slice(afterUnsubscribe, client.frames.indexOf(again))).toEqual([]);
    expect((await client.next(isUpdate('Balcony'))).available_seats).toBe(5);

    // Subscribing again while subscribed is answered as the first time: `subscribed`, then every section's count.
    client.send({ type: 'subscribe', event_id: eventId });
    await client.next((f) => f.type === 'subscribed');
    expect((await client.next(isUpdate('Floor'))).available_seats).toEqual(expect.any(Number));
    expect((await client.next(isUpdate('Balcony'))).available_seats).toBe(5);
  });

  it('reservation_expiring: every connection of the owner, 60 s before expiry; not another user, not a released hold', async () => {
    const { eventId } = await createEvent(t.call, admin);
    const owner = t.mintToken('owner');
    const [first, second, stranger] = [
      await open(owner),
      await open(owner),
      await open(t.mintToken('stranger')),
    ];
    const kept = await reserve(owner, eventId, ['s1:B:1', 's1:B:2']);
    const dropped = await reserve(owner, eventId, ['s1:B:5', 's1:B:6']);
    expect([kept.status, dropped.status]).toEqual([201, 201]);
    const released = await t.call('DELETE', `/v1/reservations/${dropped.body.reservation_id}`, {
      token: owner,
    });
    expect(released.status).toBe(204);
    await t.app.runner.waitFor(Number(released.headers.get('x-log-position')), 5000);

    const expiresAt = Date.parse(kept.body.expires_at);
    clock.set(new Date(expiresAt - 61_000));
    expect(t.app.realtime.tick()).toBe(0);
    clock.set(new Date(expiresAt - 60_000));
    expect(t.app.realtime.tick()).toBe(2);
    for (const client of [first, second])
      expect(await client.next((f) => f.type === 'reservation_expiring')).toEqual({
        type: 'reservation_expiring',
        reservation_id: kept.body.reservation_id,
        expires_in_seconds: 60,
      });
    // Once only, and never the released hold: later ticks send nothing, up to (and past) the expiry.
    clock.set(new Date(expiresAt - 1000));
    expect(t.app.realtime.tick()).toBe(0);
    clock.set(new Date(expiresAt + 1000));
    expect(t.app.realtime.tick()).toBe(0);
    // A marker on each connection: every frame before its answer has arrived.
    for (const client of [first, second, stranger]) {
      client.send({ type: 'subscribe', event_id: eventId });
      await client.next((f) => f.type === 'subscribed');
    }
    const notices = (c: RealtimeClient) => c.frames.filter((f) => f.type === 'reservation_expiring');
    expect([notices(first).length, notices(second).length, notices(stranger).length]).toEqual([1, 1, 0]);

    // Nobody connected when the notice fell due: it goes out when the owner connects, while the hold lasts.
    const latecomer = t.mintToken('latecomer');
    const late = await reserve(latecomer, eventId, ['s2:A:7', 's2:A:8']);
    await t.app.runner.waitFor(Number(late.headers.get('x-log-position')), 5000);
    clock.set(new Date(Date.parse(late.body.expires_at) - 30_000));
    expect(t.app.realtime.tick()).toBe(0);
    const connected = await open(latecomer);
    expect(await connected.next((f) => f.type === 'reservation_expiring')).toEqual({
      type: 'reservation_expiring',
      reservation_id: late.body.reservation_id,
      expires_in_seconds: 30,
    });
  });

  it('reservation_expiring: a connection the owner opens after the notice went out gets its own (red team, issue 10)', async () => {
    const { eventId } = await createEvent(t.call, admin);
    const owner = t.mintToken('two-tabs');
    const first = await open(owner);
    const held = await reserve(owner, eventId, ['s1:A:1', 's1:A:2']);
    expect(held.status).toBe(201);
    await t.app.runner.waitFor(Number(held.headers.get('x-log-position')), 5000);
    const expiresAt = Date.parse(held.body.expires_at);
    clock.set(new Date(expiresAt - 60_000));
    expect(t.app.realtime.tick()).toBe(1);
    await first.next((f) => f.type === 'reservation_expiring');

    // A second tab inside the 60 s: told on connecting, 20 s before the expiry; the first tab is not told again.
    clock.set(new Date(expiresAt - 20_000));
    const second = await open(owner);
    expect(await second.next((f) => f.type === 'reservation_expiring')).toEqual({
      type: 'reservation_expiring',
      reservation_id: held.body.reservation_id,
      expires_in_seconds: 20,
    });
    expect(t.app.realtime.tick()).toBe(0);
    for (const client of [first, second]) {
      client.send({ type: 'subscribe', event_id: eventId });
      await client.next((f) => f.type === 'subscribed');
    }
    const notices = (c: RealtimeClient) => c.frames.filter((f) => f.type === 'reservation_expiring');
    expect([notices(first).length, notices(second).length]).toEqual([1, 1]);
  });

  it('bad frames get an error frame and the connection stays usable; a frame over the hard limit closes only that connection', async () => {
    const { eventId } = await createEvent(t.call, admin);
    const client = await open(t.mintToken('sloppy-client'));
    const bystander = await open(t.mintToken('bystander'));
    const cases: Array<[unknown, string]> = [
      ['hello', 'INVALID_MESSAGE'],
      ['[1,2]', 'INVALID_MESSAGE'],
      ['null', 'INVALID_MESSAGE'],
      [{ event_id: eventId }, 'INVALID_MESSAGE'],
      [{ type: 'dance', event_id: eventId }, 'UNKNOWN_MESSAGE_TYPE'],
      [{ type: 'subscribe' }, 'INVALID_MESSAGE'],
      [{ type: 'subscribe', event_id: 42 }, 'INVALID_MESSAGE'],
      [{ type: 'subscribe', event_id: '../../etc' }, 'INVALID_MESSAGE'],
      [{ type: 'subscribe', event_id: eventId, extra: true }, 'INVALID_MESSAGE'],
      // A repeated key is refused, as in HTTP bodies (it was settled by the last one).
      [`{"type":"subscribe","event_id":"${eventId}","event_id":"other"}`, 'INVALID_MESSAGE'],
      [Buffer.from([1, 2, 3]), 'BINARY_NOT_SUPPORTED'],
      [JSON.stringify({ type: 'subscribe', event_id: eventId, pad: 'x'.repeat(5000) }), 'MESSAGE_TOO_LARGE'],
    ];
    for (const [frame, code] of cases) {
      client.send(frame);
      const error = await client.next((f) => f.type === 'error');
      expect([String(frame).slice(0, 40), error.code, typeof error.message]).toEqual([
        String(frame).slice(0, 40),
        code,
        'string',
      ]);
    }
    client.send({ type: 'subscribe', event_id: eventId });
    await client.next((f) => f.type === 'subscribed');

    // 16x the message limit is not even read: ws closes with 1009 (message too big); others carry on.
    client.send('x'.repeat(4096 * 16 + 1));
    expect((await client.closed).code).toBe(1009);
    bystander.send({ type: 'subscribe', event_id: eventId });
    expect(await bystander.next((f) => f.type === 'subscribed')).toEqual({
      type: 'subscribed',
      event_id: eventId,
    });
  });

  it('refuses an upgrade in the error envelope: 401 bad token, 403 queue access token, 429 over the per-user limit, 404 elsewhere; a plain GET is 426', async () => {
    const tokens = t.app.container.get<AccessTokens>(ACCESS_TOKENS);
    const expired = tokens.issue({ sub: 'late', email: 'late@example.test', role: 'customer' }, -60).token;
    const queueAccess = tokens.issue(
      {
        sub: 'q',
        email: 'q@example.test',
        role: 'customer',
        kind: 'queue_access',
        eventId: 'e',
        entryId: 'x',
      },
      600,
    ).token;
    const refusals: Array<[string, number, string]> = [
      [realtimeUrl(t.baseUrl), 401, 'UNAUTHORIZED'],
      [realtimeUrl(t.baseUrl, 'not.a.token'), 401, 'UNAUTHORIZED'],
      [realtimeUrl(t.baseUrl, expired), 401, 'UNAUTHORIZED'],
      [realtimeUrl(t.baseUrl, queueAccess), 403, 'FORBIDDEN'],
      [`${realtimeUrl(t.baseUrl, t.mintToken('curious'))}&token=again`, 400, 'VALIDATION_ERROR'],
      [realtimeUrl(t.baseUrl, t.mintToken('lost'), '/v1/elsewhere'), 404, 'ROUTE_NOT_FOUND'],
      // Card data in the query string, as on every other route.
      [realtimeUrl(t.baseUrl, '4242424242424242'), 400, 'RAW_CARD_DATA_REJECTED'],
    ];
    for (const [url, status, code] of refusals) {
      const res = await refusedUpgrade(url);
      expect([url.slice(0, 60), res.status, res.body.error.code]).toEqual([url.slice(0, 60), status, code]);
      expect(res.body.error.request_id).toBe(res.headers.get('x-request-id'));
      expect(checker.problems('GET', new URL(url).pathname, res)).toEqual([]);
    }

    const busy = t.mintToken('busy');
    const five = await Promise.all(Array.from({ length: 5 }, () => open(busy)));
    const sixth = await refusedUpgrade(realtimeUrl(t.baseUrl, busy));
    expect([sixth.status, sixth.body.error.code]).toEqual([429, 'TOO_MANY_CONNECTIONS']);
    expect(checker.problems('GET', '/v1/realtime', sixth)).toEqual([]);
    // Every 429 says when to try again; the limit is the connections a user may have.
    expect({
      retryAfter: sixth.headers.get('retry-after'),
      limit: sixth.headers.get('x-ratelimit-limit'),
      remaining: sixth.headers.get('x-ratelimit-remaining'),
      details: sixth.body.error.details,
    }).toEqual({ retryAfter: '5', limit: '5', remaining: '0', details: { max_connections: 5 } });
    const before = t.app.realtime.connectionCount;
    await five[0].close();
    await eventually(() => t.app.realtime.connectionCount === before - 1);
    await open(busy);

    // Without an upgrade the route answers (the client checks it against the document).
    expect((await t.call('GET', '/v1/realtime')).status).toBe(401);
    const plain = await t.call('GET', `/v1/realtime?token=${busy}`);
    expect([plain.status, plain.body.error.code, plain.headers.get('upgrade')]).toEqual([
      426,
      'UPGRADE_REQUIRED',
      'websocket',
    ]);
  });

  it('a malformed WebSocket handshake is refused in the error envelope, before the token is read, and opens nothing', async () => {
    const token = t.mintToken('handshaker');
    const key = 'dGhlIHNhbXBsZSBub25jZQ==';
    const cases: Array<[string, Record<string, string>, number, string]> = [
      ['GET', { 'Sec-WebSocket-Version': '13' }, 400, 'INVALID_HEADER'], // no key
      ['GET', { 'Sec-WebSocket-Key': 'short', 'Sec-WebSocket-Version': '13' }, 400, 'INVALID_HEADER'],
      ['GET', { 'Sec-WebSocket-Key': key, 'Sec-WebSocket-Version': '7' }, 426, 'UPGRADE_REQUIRED'],
      ['GET', { 'Sec-WebSocket-Key': key }, 426, 'UPGRADE_REQUIRED'], // no version
      [
        'GET',
        { 'Sec-WebSocket-Key': key, 'Sec-WebSocket-Version': '13', Upgrade: 'h2c' },
        426,
        'UPGRADE_REQUIRED',
      ],
      // What ws itself still checks after ours: a protocol list it cannot parse.
      [
        'GET',
        { 'Sec-WebSocket-Key': key, 'Sec-WebSocket-Version': '13', 'Sec-WebSocket-Protocol': 'a,,b' },
        400,
        'INVALID_HEADER',
      ],
      ['POST', { 'Sec-WebSocket-Key': key, 'Sec-WebSocket-Version': '13' }, 404, 'ROUTE_NOT_FOUND'],
    ];
    const before = t.app.realtime.connectionCount;
    for (const [method, headers, status, code] of cases) {
      const res = await rawUpgrade(`${t.baseUrl}/v1/realtime?token=${token}`, method, headers);
      expect([method, headers, res.status, res.headers['content-type'], res.body?.error?.code]).toEqual([
        method,
        headers,
        status,
        'application/json; charset=utf-8',
        code,
      ]);
      expect(res.body.error.request_id).toBe(res.headers['x-request-id']);
    }
    const version = await rawUpgrade(`${t.baseUrl}/v1/realtime?token=${token}`, 'GET', {
      'Sec-WebSocket-Key': key,
      'Sec-WebSocket-Version': '7',
    });
    expect(version.headers['sec-websocket-version']).toBe('13, 8');
    expect(t.app.realtime.connectionCount).toBe(before);
    // None of them used up the user's connections.
    const five = await Promise.all(Array.from({ length: 5 }, () => open(token)));
    await Promise.all(five.map((client) => client.close()));
  });

  it('reservation_expiring follows a checkout that extended the hold: not at the old time, at the new one', async () => {
    const { eventId } = await createEvent(t.call, admin);
    const fan = await t.customerToken();
    const card = await addCard(t.call, fan.token);
    const watcher = await open(fan.token);
    const held = await reserve(fan.token, eventId, ['s2:A:3', 's2:A:4']);
    expect(held.status).toBe(201);
    const oldExpiry = Date.parse(held.body.expires_at);
    clock.set(new Date(oldExpiry - 100_000));
    let authorize: () => void = () => undefined;
    authorizationGate = new Promise<void>((resolve) => (authorize = resolve));
    // Placed with 100 s left: the checkout extends the hold to now + 120 s; its authorization waits (not sold yet).
    const ordering = t.call('POST', '/v1/orders', {
      token: fan.token,
      body: { reservation_id: held.body.reservation_id, payment_method_id: card },
    });
    await eventually(async () =>
      (await t.app.store.readStream(`event-${eventId}`)).some((e) => e.type === 'HoldExtended'),
    );
    await t.app.runner.catchUp(5000);
    clock.set(new Date(oldExpiry - 50_000)); // past the old notice time (60 s before the old expiry)
    expect(t.app.realtime.tick()).toBe(0);
    clock.set(new Date(oldExpiry - 40_000)); // 60 s before the new expiry
    expect(t.app.realtime.tick()).toBe(1);
    expect(await watcher.next((f) => f.type === 'reservation_expiring')).toEqual({
      type: 'reservation_expiring',
      reservation_id: held.body.reservation_id,
      expires_in_seconds: 60,
    });
    authorize();
    authorizationGate = Promise.resolve();
    expect((await ordering).status).toBe(201);
  });

  it('a hold made with less than the notice period left is told at once', async () => {
    const short = await startTestApp({ clock, env: { HOLD_SECONDS: '30', REALTIME_TICK_MS: '3600000' } });
    try {
      const { eventId } = await createEvent(short.call, await short.adminToken());
      const hurried = short.mintToken('hurried');
      const client = await openRealtime(short.baseUrl, doc, hurried);
      const held = await short.call('POST', '/v1/seats/reserve', {
        token: hurried,
        body: { event_id: eventId, seat_ids: ['s2:A:3', 's2:A:4'] },
      });
      expect(held.status).toBe(201);
      expect(await client.next((f) => f.type === 'reservation_expiring')).toEqual({
        type: 'reservation_expiring',
        reservation_id: held.body.reservation_id,
        expires_in_seconds: 30,
      });
      expect(client.problems).toEqual([]);
      await client.close();
    } finally {
      await short.close();
    }
  });
});

describe('realtime heartbeat', () => {
  it('closes a connection that does not answer pings, keeps one that does, and counts both in /metrics', async () => {
    const t = await startTestApp({ env: { REALTIME_PING_INTERVAL_MS: '100' } });
    try {
      const doc = (await t.call('GET', '/openapi.json')).body;
      const silent = await openRealtime(t.baseUrl, doc, t.mintToken('silent'), { autoPong: false });
      const lively = await openRealtime(t.baseUrl, doc, t.mintToken('lively'));
      expect((await silent.closed).code).toBe(1006); // terminated, no close handshake
      const { eventId } = await createEvent(t.call, await t.adminToken());
      lively.send({ type: 'subscribe', event_id: eventId });
      await lively.next((f) => f.type === 'subscribed');

      const metrics = async () => (await t.call('GET', '/metrics', { token: await t.adminToken() })).text;
      await eventually(async () => /^realtime_connections 1$/m.test(await metrics()));
      expect(await metrics()).toMatch(/^realtime_closed_unresponsive_total 1$/m);
      expect([silent.problems, lively.problems]).toEqual([[], []]);
      await lively.close();
    } finally {
      await t.close();
    }
  });
});

describe('realtime queue_update', () => {
  it('when the event starts, a follower of a waiting entry is told CLOSED, though nothing happens in the room', async () => {
    // A real clock: the room closes when the event starts, a few seconds from now.
    const t = await startTestApp();
    const open: RealtimeClient[] = [];
    try {
      const doc = (await t.call('GET', '/openapi.json')).body;
      const starts = new Date(Date.now() + 3_000);
      const { eventId } = await createEvent(t.call, await t.adminToken(), {
        date: starts.toISOString(),
        queue: { enabled: true, admission_per_minute: 1, challenge_max_number: 0 },
      });
      const fans = ['front', 'behind'].map((name) => t.mintToken(`closing-${name}`));
      const joined = [];
      for (const [i, token] of fans.entries())
        joined.push(
          await t.call('POST', '/v1/queue/join', {
            token,
            body: { event_id: eventId, device_fingerprint: `d${i}` },
          }),
        );
      expect(joined.map((res) => res.status)).toEqual([200, 200]);
      const follower = await openRealtime(t.baseUrl, doc, joined[1].body.queue_token);
      open.push(follower);
      const isQueueUpdate = (f: any) => f.type === 'queue_update';
      expect((await follower.next(isQueueUpdate)).status).toBe('QUEUED');
      const closed = await follower.next((f) => isQueueUpdate(f) && f.status === 'CLOSED');
      expect(closed).toMatchObject({ event_id: eventId, queue_position: null });
      expect(Date.parse(closed.timestamp)).toBeGreaterThanOrEqual(starts.getTime());
      expect(follower.problems).toEqual([]);
    } finally {
      await Promise.all(open.map((c) => c.close()));
      await t.close();
    }
  });

  it('a queue token follows its own entry, a member who subscribed follows theirs, positions only go down as AdmitDue runs', async () => {
    const clock = new ManualClock('2026-06-01T12:00:00Z');
    // The admission job is run by hand below, after moving the clock.
    const t = await startTestApp({ clock, env: { QUEUE_ADMISSION_MS: '3600000' } });
    const open: RealtimeClient[] = [];
    try {
      const doc = (await t.call('GET', '/openapi.json')).body;
      const { eventId } = await createEvent(t.call, await t.adminToken(), {
        queue: { enabled: true, admission_per_minute: 60, challenge_max_number: 0 },
      });
      const fans = ['first', 'second', 'third'].map((name) => ({
        name,
        token: t.mintToken(`queue-${name}`),
      }));
      const joined: any[] = [];
      for (const fan of fans) {
        const res = await t.call('POST', '/v1/queue/join', {
          token: fan.token,
          body: { event_id: eventId, device_fingerprint: `device-${fan.name}` },
        });
        expect([res.status, res.body.queue_position]).toEqual([200, joined.length + 1]);
        joined.push(res.body);
      }
      const third = await openRealtime(t.baseUrl, doc, joined[2].queue_token);
      const second = await openRealtime(t.baseUrl, doc, fans[1].token);
      open.push(third, second);
      const isQueueUpdate = (f: any) => f.type === 'queue_update';
      // A queue token gets its entry at once, without subscribing, and may not subscribe to anything.
      expect(await third.next(isQueueUpdate)).toMatchObject({
        event_id: eventId,
        queue_position: 3,
        status: 'QUEUED',
        estimated_wait: joined[2].estimated_wait_minutes,
      });
      third.send({ type: 'subscribe', event_id: eventId });
      expect(await third.next((f) => f.type === 'error')).toMatchObject({ code: 'FORBIDDEN' });
      // A member's subscription to the event carries their entry's updates too.
      second.send({ type: 'subscribe', event_id: eventId });
      await second.next((f) => f.type === 'subscribed');
      expect(await second.next(isQueueUpdate)).toMatchObject({ queue_position: 2, status: 'QUEUED' });

      const admit = () =>
        t.app.queue.admitDue(systemMetadata('test-admission', `admit-${clock.now().getTime()}`));
      clock.advance(1000); // 60 per minute: one turn a second
      expect(await admit()).toBe(1);
      expect(await third.next(isQueueUpdate)).toMatchObject({ queue_position: 2, status: 'QUEUED' });
      expect(await second.next(isQueueUpdate)).toMatchObject({ queue_position: 1, status: 'QUEUED' });
      clock.advance(1000);
      expect(await admit()).toBe(1);
      expect(await third.next(isQueueUpdate)).toMatchObject({ queue_position: 1, status: 'QUEUED' });
      expect(await second.next(isQueueUpdate)).toMatchObject({ queue_position: 0, status: 'READY' });

      // The frames agree with the status API.
      const polled = await t.call('GET', `/v1/queue/status?queue_token=${joined[2].queue_token}`);
      expect([polled.body.queue_position, polled.body.status]).toEqual([1, 'QUEUED']);
      const positions = third.frames.filter(isQueueUpdate).map((f) => f.queue_position);
      expect(positions).toEqual([3, 2, 1]);

      // The event is cancelled: its room's stream does not change, but whoever waits there is told it is closed
      // (and the poll agrees); the turn already given is closed too.
      const cancel = await t.call('POST', `/v1/admin/events/${eventId}/cancel`, {
        token: await t.adminToken(),
        body: { reason: 'storm' },
      });
      expect(cancel.status).toBe(200);
      expect(await third.next(isQueueUpdate)).toMatchObject({ queue_position: null, status: 'CLOSED' });
      expect(await second.next(isQueueUpdate)).toMatchObject({ queue_position: null, status: 'CLOSED' });
      const closed = await t.call('GET', `/v1/queue/status?queue_token=${joined[2].queue_token}`);
      expect([closed.body.queue_position, closed.body.status, closed.body.access_granted]).toEqual([
        null,
        'CLOSED',
        false,
      ]);
      const challenge = await t.call('GET', `/v1/queue/challenge?event_id=${eventId}`);
      expect([challenge.status, challenge.body.error?.code]).toEqual([400, 'SALE_ENDED']);
      expect([third.problems, second.problems]).toEqual([[], []]);
    } finally {
      await Promise.all(open.map((c) => c.close()));
      await t.close();
    }
  });
});
