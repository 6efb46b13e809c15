import { solveChallenge } from 'altcha-lib/v1';
import jwt from 'jsonwebtoken';
import { RATE_LIMITS } from '../../src/api/http/rate-limits';
import { ManualClock } from '../../src/infrastructure/clock/system-clock';
import { createEvent } from '../support/fixtures';
import { startTestApp, type TestApp } from '../support/test-app';

/**
 * The waiting room over HTTP: the ALTCHA challenge, join / status / leave, the token kinds (a queue token only
 * checks status and leaves; a queue access token only reserves at its event) and the reserve gate. Each test makes
 * its own event, so one test's queue never shows in another's; the clock is the application's (ManualClock).
 */

const START = '2026-06-01T12:00:00Z';
/** Small proof-of-work in tests: a few hundred hashes at most. */
const EASY = 1000;

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

describe('the waiting room over HTTP', () => {
  let t: TestApp;
  let admin: string;
  const clock = new ManualClock(START);
  let users = 0;
  /** A fresh member (a minted token: these tests need many users). */
  const member = () => {
    const userId = `queue-fan-${(users += 1)}`;
    return { userId, token: t.mintToken(userId) };
  };

  /** A queue-protected event (published, on sale since 2020); `queue` overrides the room's settings. */
  const queuedEvent = async (queue: Json = {}) =>
    (
      await createEvent(t.call, admin, {
        queue: { enabled: true, admission_per_minute: 60, challenge_max_number: EASY, ...queue },
      })
    ).eventId;

  const challenge = async (eventId: string): Promise<Json> => {
    const res = await t.call('GET', `/v1/queue/challenge?event_id=${eventId}`);
    expect([res.status, res.body?.error?.code]).toEqual([200, undefined]);
    return res.body;
  };

  /** What the ALTCHA widget sends: base64 of the solved challenge. */
  const solve = async (eventId: string, tamper = 0): Promise<string> => {
    const c = await challenge(eventId);
    const solution = await solveChallenge(c.challenge, c.salt, c.algorithm, c.maxnumber).promise;
    if (!solution) throw new Error('challenge not solved');
    const { algorithm, challenge: hash, salt, signature } = c;
    const payload = { algorithm, challenge: hash, number: solution.number + tamper, salt, signature };
    return Buffer.from(JSON.stringify(payload)).toString('base64');
  };

  const join = async (
    eventId: string,
    token: string,
    options: { device?: string | null; altcha?: string | null; headers?: Record<string, string> } = {},
  ) => {
    const altcha = options.altcha === undefined ? await solve(eventId) : options.altcha;
    const device = options.device === undefined ? `device-of-${token.slice(-12)}` : options.device;
    return t.call('POST', '/v1/queue/join', {
      token,
      body: {
        event_id: eventId,
        ...(device === null ? {} : { device_fingerprint: device }),
        ...(altcha === null ? {} : { altcha }),
      },
      headers: options.headers,
    });
  };

  const status = (queueToken: string) =>
    t.call('GET', `/v1/queue/status?queue_token=${encodeURIComponent(queueToken)}`);

  /** Every answer the idempotency table keeps, as stored. */
  const storedAnswers = () => {
    const db = (t.app.store as unknown as { db: import('better-sqlite3').Database }).db;
    return (db.prepare('SELECT response FROM idempotency_keys').all() as Array<{ response: string }>).map(
      (row) => row.response,
    );
  };

  /** Joins and moves the clock until this entry's turn has come: its READY status. */
  const readyTurn = async (eventId: string, token: string, device?: string): Promise<Json> => {
    const joined = await join(eventId, token, { device });
    expect(joined.status).toBe(200);
    let res = await status(joined.body.queue_token);
    for (let i = 0; i < 10 && res.body.status !== 'READY'; i += 1) {
      clock.advance(1000); // 60 per minute: one turn a second
      res = await status(joined.body.queue_token);
    }
    expect(res.body.status).toBe('READY');
    return { queueToken: joined.body.queue_token as string, ...(res.body as Json) };
  };

  const reserve = (token: string, eventId: string, seatIds: string[], headers: Record<string, string> = {}) =>
    t.call('POST', '/v1/seats/reserve', { token, body: { event_id: eventId, seat_ids: seatIds }, headers });

  beforeAll(async () => {
    // The admission job is left to its own test (below): here turns come lazily, when a status call reads the room.
    t = await startTestApp({ clock, env: { QUEUE_ADMISSION_MS: '3600000', QUEUE_CHALLENGE_SECONDS: '300' } });
    admin = await t.adminToken();
  });
  afterAll(() => t.close());

  it('serves an ALTCHA challenge bound to the event, with its challenge_max_number', async () => {
    const eventId = await queuedEvent({ challenge_max_number: 4321 });
    const c = await challenge(eventId);
    expect(Object.keys(c).sort()).toEqual(['algorithm', 'challenge', 'maxnumber', 'salt', 'signature']);
    expect(c).toMatchObject({ algorithm: 'SHA-256', maxnumber: 4321 });
    const params = new URLSearchParams(c.salt.split('?')[1]);
    expect(params.get('scope')).toBe(`queue:${eventId}`);
    // A few minutes (QUEUE_CHALLENGE_SECONDS) on the application's clock.
    expect(Number(params.get('expires'))).toBe(Math.floor(clock.now().getTime() / 1000) + 300);
  });

  it('400 for an unknown or unpublished event, and for an event without a waiting room', async () => {
    const fan = member();
    const unpublished = (
      await createEvent(t.call, admin, {
        publish: false,
        queue: { enabled: true, challenge_max_number: EASY },
      })
    ).eventId;
    const plain = (await createEvent(t.call, admin)).eventId;
    for (const [eventId, code] of [
      ['no-such-event', 'INVALID_EVENT'],
      [unpublished, 'INVALID_EVENT'],
      [plain, 'QUEUE_NOT_ENABLED'],
    ]) {
      const c = await t.call('GET', `/v1/queue/challenge?event_id=${eventId}`);
      const j = await join(eventId, fan.token, { altcha: null });
      expect([eventId, c.status, c.body.error.code, j.status, j.body.error.code]).toEqual([
        eventId,
        400,
        code,
        400,
        code,
      ]);
    }
    const missing = await t.call('GET', '/v1/queue/challenge');
    expect([missing.status, missing.body.error.code]).toEqual([400, 'VALIDATION_ERROR']);
  });

  it('joins with a solved challenge: the seed shape, a queue token, and the status call', async () => {
    const eventId = await queuedEvent();
    const fan = member();
    const joined = await join(eventId, fan.token);
    expect(joined.status).toBe(200);
    expect(joined.headers.get('x-log-position')).toMatch(/^\d+$/);
    expect(joined.body).toEqual({
      queue_token: expect.any(String),
      queue_position: 1,
      estimated_wait_minutes: 1,
      queue_size: 1,
      status: 'QUEUED',
      poll_interval_seconds: 5,
      opens_at: '2020-01-01T10:00:00.000Z',
    });
    const claims = jwt.decode(joined.body.queue_token) as Json;
    expect(claims).toMatchObject({ sub: fan.userId, kind: 'queue', event_id: eventId });
    expect(claims.entry_id).toEqual(expect.any(String));
    // The device fingerprint never travels in a token, only a hash of it.
    expect(JSON.stringify(claims)).not.toContain(`device-of-`);

    const res = await status(joined.body.queue_token);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      queue_position: 1,
      estimated_wait_minutes: 1,
      status: 'QUEUED',
      access_granted: false,
      poll_interval_seconds: 5,
      queue_size: 1,
      opens_at: '2020-01-01T10:00:00.000Z',
    });
  });

  it('409 ALREADY_IN_QUEUE for a second join while waiting', async () => {
    const eventId = await queuedEvent();
    const fan = member();
    expect((await join(eventId, fan.token)).status).toBe(200);
    const again = await join(eventId, fan.token);
    expect([again.status, again.body.error.code]).toEqual([409, 'ALREADY_IN_QUEUE']);
  });

  it("a lost join answer is not lost for good: the 409 carries the caller's entry and a fresh queue token (red team, issue 10)", async () => {
    const eventId = await queuedEvent();
    const fan = member();
    const lost = await join(eventId, fan.token, { device: 'fan-phone' });
    expect(lost.status).toBe(200);
    const lostClaims = jwt.decode(lost.body.queue_token) as Json;

    // The client never saw that answer and joins again (from another tab: the token names the entry's device).
    const again = await join(eventId, fan.token, { device: 'fan-laptop' });
    expect([again.status, again.body.error.code]).toEqual([409, 'ALREADY_IN_QUEUE']);
    const { entry_id: entryId, queue_token: recovered } = again.body.error.details;
    expect(entryId).toBe(lostClaims.entry_id);
    expect(recovered).not.toBe(lost.body.queue_token);
    expect(jwt.decode(recovered)).toMatchObject({
      sub: fan.userId,
      kind: 'queue',
      event_id: eventId,
      entry_id: entryId,
      device: lostClaims.device,
    });
    // It does what the lost one would have: the status, then leaving.
    expect((await status(recovered)).body).toMatchObject({ status: 'QUEUED', queue_position: 1 });
    expect((await t.call('DELETE', '/v1/queue/leave', { token: recovered })).status).toBe(204);
    expect((await status(lost.body.queue_token)).body.status).toBe('LEFT');
    // Someone else's join still gets no token of this entry.
    const other = await join(eventId, member().token);
    expect(other.status).toBe(200);
    expect((jwt.decode(other.body.queue_token) as Json).entry_id).not.toBe(entryId);
  });

  it('a join retried with the same Idempotency-Key is replayed with a fresh token; the table keeps none (red team, issue 10)', async () => {
    const eventId = await queuedEvent();
    const fan = member();
    const altcha = await solve(eventId);
    const headers = { 'idempotency-key': `join-${fan.userId}` };
    const first = await join(eventId, fan.token, { altcha, headers });
    const retry = await join(eventId, fan.token, { altcha, headers });
    expect([first.status, retry.status]).toEqual([200, 200]);
    expect(retry.headers.get('idempotent-replayed')).toBe('true');
    expect(first.headers.get('idempotent-replayed')).toBeNull();
    const { queue_token: firstToken, ...firstRest } = first.body;
    const { queue_token: retryToken, ...retryRest } = retry.body;
    expect(retryRest).toEqual(firstRest);
    expect(retryToken).not.toBe(firstToken);
    expect((jwt.decode(retryToken) as Json).entry_id).toBe((jwt.decode(firstToken) as Json).entry_id);
    expect((await status(retryToken)).body.status).toBe('QUEUED');
    expect(retry.headers.get('x-log-position')).toBe(first.headers.get('x-log-position'));

    // A 409 with a token is replayed the same way; another body under that key is refused.
    const rejoinHeaders = { 'idempotency-key': `rejoin-${fan.userId}` };
    const rejoin = await solve(eventId);
    const conflict = await join(eventId, fan.token, { altcha: rejoin, headers: rejoinHeaders });
    const conflictRetry = await join(eventId, fan.token, { altcha: rejoin, headers: rejoinHeaders });
    for (const res of [conflict, conflictRetry])
      expect([res.status, res.body.error.code, res.body.error.details.entry_id]).toEqual([
        409,
        'ALREADY_IN_QUEUE',
        (jwt.decode(firstToken) as Json).entry_id,
      ]);
    expect(conflictRetry.headers.get('idempotent-replayed')).toBe('true');
    const conflictTokens = [conflict, conflictRetry].map((res) => res.body.error.details.queue_token);
    expect(conflictTokens[1]).not.toBe(conflictTokens[0]);
    expect((await status(conflictTokens[1])).body.status).toBe('QUEUED');
    const reused = await join(eventId, fan.token, { altcha: await solve(eventId), headers: rejoinHeaders });
    expect([reused.status, reused.body.error.code]).toEqual([422, 'IDEMPOTENCY_KEY_REUSED']);

    const kept = storedAnswers().join('\n');
    expect(kept).toContain('ALREADY_IN_QUEUE');
    for (const token of [firstToken, retryToken, ...conflictTokens]) expect(kept).not.toContain(token);
  });

  it('503 QUEUE_FULL with Retry-After when the room holds its capacity', async () => {
    const eventId = await queuedEvent({ capacity: 2 });
    expect((await join(eventId, member().token)).status).toBe(200);
    expect((await join(eventId, member().token)).status).toBe(200);
    const full = await join(eventId, member().token);
    expect([full.status, full.body.error.code]).toEqual([503, 'QUEUE_FULL']);
    expect(Number(full.headers.get('retry-after'))).toBeGreaterThan(0);
  });

  it('409 DEVICE_LIMIT_REACHED past max_entries_per_device; the device may come from X-Device-ID', async () => {
    const eventId = await queuedEvent({ max_entries_per_device: 1 });
    const first = await join(eventId, member().token, {
      device: null,
      headers: { 'x-device-id': 'shared-box' },
    });
    expect(first.status).toBe(200);
    const second = await join(eventId, member().token, { device: 'shared-box' });
    expect([second.status, second.body.error.code]).toEqual([409, 'DEVICE_LIMIT_REACHED']);
    // The body's fingerprint wins over the header.
    const third = await join(eventId, member().token, {
      device: 'own-box',
      headers: { 'x-device-id': 'shared-box' },
    });
    expect(third.status).toBe(200);
    const none = await join(eventId, member().token, { device: null });
    expect([none.status, none.body.error.code]).toEqual([400, 'VALIDATION_ERROR']);
  });

  it('400 CHALLENGE_FAILED for a missing, wrong, expired, reused or other event solution', async () => {
    const eventId = await queuedEvent();
    const other = await queuedEvent();
    const refused = async (altcha: string | null, why: string) => {
      const res = await join(eventId, member().token, { altcha });
      expect([why, res.status, res.body.error?.code]).toEqual([why, 400, 'CHALLENGE_FAILED']);
    };
    await refused(null, 'missing');
    await refused(await solve(eventId, 1), 'wrong number');
    await refused(Buffer.from('{"algorithm":"SHA-1"}').toString('base64'), 'malformed');
    await refused('not base64 json', 'garbage');
    await refused(await solve(other), "another event's");

    const used = await solve(eventId);
    expect((await join(eventId, member().token, { altcha: used })).status).toBe(200);
    await refused(used, 'reused by someone else');

    // Expiry is on the application's clock: QUEUE_CHALLENGE_SECONDS (300) later the solution is refused.
    const stale = await solve(eventId);
    clock.advance(301_000);
    await refused(stale, 'expired');
  });

  it('an event with challenge_max_number 0 needs no challenge', async () => {
    const eventId = await queuedEvent({ challenge_max_number: 0 });
    const res = await join(eventId, member().token, { altcha: null });
    expect([res.status, res.body.status]).toEqual([200, 'QUEUED']);
    expect((await challenge(eventId)).maxnumber).toBe(1);
  });

  it('READY carries an access token for the user, event and entry that expires exactly at expires_at', async () => {
    const eventId = await queuedEvent({ access_seconds: 120 });
    const fan = member();
    const turn = await readyTurn(eventId, fan.token);
    expect(turn).toMatchObject({
      queue_position: 0,
      estimated_wait_minutes: 0,
      status: 'READY',
      access_granted: true,
      access_token: expect.any(String),
    });
    const queueClaims = jwt.decode(turn.queueToken) as Json;
    const claims = jwt.decode(turn.access_token) as Json;
    expect(claims).toMatchObject({
      sub: fan.userId,
      kind: 'queue_access',
      event_id: eventId,
      entry_id: queueClaims.entry_id,
    });
    expect(claims.exp * 1000).toBe(Date.parse(turn.expires_at));
    expect(Date.parse(turn.expires_at)).toBe(clock.now().getTime() + 120_000);
    // Asking again gives a token for the same turn, ending at the same moment.
    const again = await status(turn.queueToken);
    expect(again.body.expires_at).toBe(turn.expires_at);
    expect((jwt.decode(again.body.access_token) as Json).exp).toBe(claims.exp);

    // The turn ends: EXPIRED, no token, and the one given no longer works.
    clock.advance(121_000);
    const ended = await status(turn.queueToken);
    expect(ended.body).toMatchObject({ status: 'EXPIRED', access_granted: false, queue_position: null });
    expect(ended.body.access_token).toBeUndefined();
    const late = await reserve(turn.access_token, eventId, ['s1:A:1', 's1:A:2']);
    expect(late.status).toBe(401);
  });

  it('the reserve gate: only the caller’s own open turn for this event reserves', async () => {
    const eventId = await queuedEvent();
    const otherQueued = await queuedEvent();
    const plain = (await createEvent(t.call, admin)).eventId;
    const fan = member();
    const stranger = member();
    const turn = await readyTurn(eventId, fan.token, 'fan-phone');

    const refusedWith = async (res: Awaited<ReturnType<typeof reserve>>, code: string, why: string) =>
      expect([why, res.status, res.body.error?.code]).toEqual([why, 403, code]);

    await refusedWith(
      await reserve(fan.token, eventId, ['s1:A:1', 's1:A:2']),
      'QUEUE_REQUIRED',
      'member token alone',
    );
    await refusedWith(
      await reserve(stranger.token, eventId, ['s1:A:1', 's1:A:2'], {
        'x-queue-access-token': turn.access_token,
      }),
      'QUEUE_REQUIRED',
      "someone else's access token beside my member token",
    );
    await refusedWith(
      await reserve(turn.access_token, eventId, ['s1:A:1', 's1:A:2'], { 'x-device-id': 'thief-laptop' }),
      'QUEUE_REQUIRED',
      'another device',
    );
    await refusedWith(
      await reserve(turn.access_token, otherQueued, ['s1:A:1', 's1:A:2']),
      'QUEUE_REQUIRED',
      "another queue-protected event's token",
    );
    await refusedWith(
      await reserve(turn.access_token, plain, ['s1:A:1', 's1:A:2']),
      'FORBIDDEN',
      'an access token at an event without a waiting room',
    );
    await refusedWith(
      await reserve(fan.token, eventId, ['s1:A:1', 's1:A:2'], { 'x-queue-access-token': turn.queueToken }),
      'QUEUE_REQUIRED',
      'the queue token is not the access token',
    );

    // The access token as the bearer (from the same device), then beside the member token.
    const held = await reserve(turn.access_token, eventId, ['s1:A:1', 's1:A:2'], {
      'x-device-id': 'fan-phone',
    });
    expect(held.status).toBe(201);
    const used = await status(turn.queueToken);
    expect(used.body).toMatchObject({ status: 'USED', access_granted: true, expires_at: turn.expires_at });
    const second = await reserve(fan.token, eventId, ['s1:B:1', 's1:B:2'], {
      'x-queue-access-token': used.body.access_token,
    });
    expect(second.status).toBe(201);
    // The member token keeps working on events without a waiting room.
    expect((await reserve(fan.token, plain, ['s1:A:1', 's1:A:2'])).status).toBe(201);
  });

  it('a USED turn that has run out grants nothing more: no access token, access_granted false', async () => {
    const eventId = await queuedEvent();
    const fan = member();
    const turn = await readyTurn(eventId, fan.token, 'fan-phone');
    const held = await reserve(turn.access_token, eventId, ['s1:A:1', 's1:A:2'], {
      'x-device-id': 'fan-phone',
    });
    expect(held.status).toBe(201);
    clock.advance(Date.parse(turn.expires_at) - clock.now().getTime());
    const ended = await status(turn.queueToken);
    expect(ended.body).toMatchObject({ status: 'USED', access_granted: false });
    expect(ended.body.access_token).toBeUndefined();
    expect(ended.body.poll_interval_seconds).toBeGreaterThan(5);
  });

  it('a 403 QUEUE_REQUIRED is not kept under its Idempotency-Key: the same key with the turn runs the command', async () => {
    const eventId = await queuedEvent();
    const fan = member();
    const turn = await readyTurn(eventId, fan.token, 'fan-phone');
    const key = { 'idempotency-key': 'reserve-once-1' };
    const refused = await reserve(fan.token, eventId, ['s1:A:1', 's1:A:2'], key);
    expect([refused.status, refused.body.error?.code]).toEqual([403, 'QUEUE_REQUIRED']);
    const held = await reserve(fan.token, eventId, ['s1:A:1', 's1:A:2'], {
      ...key,
      'x-queue-access-token': turn.access_token,
      'x-device-id': 'fan-phone',
    });
    expect(held.status).toBe(201);
    // From then on the key answers that 201, whoever retries it with the same body.
    const replayed = await reserve(fan.token, eventId, ['s1:A:1', 's1:A:2'], key);
    expect([replayed.status, replayed.body.reservation_id]).toEqual([201, held.body.reservation_id]);
  });

  it('two access tokens of different users (bearer and X-Queue-Access-Token) are refused', async () => {
    const eventId = await queuedEvent();
    const fan = member();
    const stranger = member();
    const turn = await readyTurn(eventId, fan.token);
    const strangerTurn = await readyTurn(eventId, stranger.token);
    const mixed = await reserve(turn.access_token, eventId, ['s1:A:1', 's1:A:2'], {
      'x-queue-access-token': strangerTurn.access_token,
    });
    expect([mixed.status, mixed.body.error.code]).toEqual([403, 'QUEUE_REQUIRED']);
  });

  it('a queue token is refused everywhere but status and leave; an access token everywhere but reserve', async () => {
    const eventId = await queuedEvent();
    const fan = member();
    const turn = await readyTurn(eventId, fan.token);
    const forbidden = async (method: string, path: string, token: string, body?: unknown) => {
      const res = await t.call(method, path, { token, body });
      expect([method, path, res.status, res.body?.error?.code]).toEqual([method, path, 403, 'FORBIDDEN']);
    };
    for (const token of [turn.queueToken, turn.access_token]) {
      await forbidden('GET', '/v1/events/search', token);
      await forbidden('GET', `/v1/events/${eventId}`, token);
      await forbidden('GET', '/v1/orders', token);
      await forbidden('GET', '/v1/auth/info', token);
      await forbidden('GET', `/v1/queue/challenge?event_id=${eventId}`, token);
      await forbidden('POST', '/v1/queue/join', token, { event_id: eventId, device_fingerprint: 'x' });
      await forbidden('GET', `/v1/queue/status?queue_token=${encodeURIComponent(turn.queueToken)}`, token);
    }
    await forbidden('POST', '/v1/seats/reserve', turn.queueToken, {
      event_id: eventId,
      seat_ids: ['s1:A:1'],
    });
    await forbidden('DELETE', '/v1/queue/leave', turn.access_token);
    await forbidden('DELETE', '/v1/queue/leave', fan.token);
    // And the member token is still the member's.
    expect((await t.call('GET', '/v1/auth/info', { token: fan.token })).status).toBe(200);
  });

  it('401 for a bad, forged or expired queue token on status and leave', async () => {
    const eventId = await queuedEvent();
    const fan = member();
    const joined = await join(eventId, fan.token);
    const [head, payload] = joined.body.queue_token.split('.');
    const forged = `${head}.${payload}.${Buffer.from('not the signature').toString('base64url')}`;
    for (const token of ['garbage', forged, fan.token]) {
      const res = await status(token);
      expect([res.status, res.body.error.code]).toEqual([401, 'UNAUTHORIZED']);
    }
    expect((await t.call('DELETE', '/v1/queue/leave', { token: forged })).status).toBe(401);
    // QUEUE_TOKEN_SECONDS (a day) later the queue token has expired.
    clock.advance(86_401_000);
    expect((await status(joined.body.queue_token)).status).toBe(401);
  });

  it('leave: 204, the status says LEFT, those behind move up, and a rejoin goes to the back', async () => {
    const eventId = await queuedEvent({ admission_per_minute: 1 });
    const [a, b, c] = [member(), member(), member()];
    const ja = await join(eventId, a.token);
    const jb = await join(eventId, b.token);
    const jc = await join(eventId, c.token);
    expect([ja.body.queue_position, jb.body.queue_position, jc.body.queue_position]).toEqual([1, 2, 3]);

    const left = await t.call('DELETE', '/v1/queue/leave', { token: ja.body.queue_token });
    expect(left.status).toBe(204);
    expect((await status(ja.body.queue_token)).body).toMatchObject({
      status: 'LEFT',
      queue_position: null,
      access_granted: false,
    });
    expect((await status(jb.body.queue_token)).body.queue_position).toBe(1);
    expect((await status(jc.body.queue_token)).body.queue_position).toBe(2);

    const back = await join(eventId, a.token);
    expect([back.status, back.body.queue_position, back.body.status]).toEqual([200, 3, 'QUEUED']);
    // The old queue token still names the old, left entry.
    expect((await status(ja.body.queue_token)).body.status).toBe('LEFT');
  });
});

describe('the waiting room with its job and rate limit running', () => {
  let t: TestApp;
  let admin: string;
  const clock = new ManualClock(START);

  beforeAll(async () => {
    t = await startTestApp({ clock, env: { QUEUE_ADMISSION_MS: '20', RATE_LIMITS: 'on' } });
    admin = await t.adminToken();
  });
  afterAll(() => t.close());

  it('the admission job admits due entries without anyone asking; status is limited to 2 a minute per entry', async () => {
    const { eventId } = await createEvent(t.call, admin, {
      queue: { enabled: true, admission_per_minute: 60, challenge_max_number: 0 },
    });
    const joinAs = (userId: string) =>
      t.call('POST', '/v1/queue/join', {
        token: t.mintToken(userId),
        body: { event_id: eventId, device_fingerprint: `${userId}-device` },
      });
    const first = await joinAs('job-fan-1');
    const second = await joinAs('job-fan-2');
    expect([first.status, second.status]).toEqual([200, 200]);

    // Nobody polls: the job alone records the admission in the log.
    clock.advance(1000);
    const admitted = async () =>
      (await t.app.store.readStream(`queue-${eventId}`)).filter((e) => e.type === 'QueueAdmitted');
    let events = await admitted();
    for (let i = 0; i < 200 && events.length === 0; i += 1) {
      await new Promise((r) => setTimeout(r, 25));
      events = await admitted();
    }
    expect(events).toHaveLength(1);
    expect(JSON.stringify(events[0].data)).toContain((jwt.decode(first.body.queue_token) as Json).entry_id);

    const poll = (token: string) =>
      t.call('GET', `/v1/queue/status?queue_token=${encodeURIComponent(token)}`);
    const polls = [await poll(first.body.queue_token), await poll(first.body.queue_token)];
    expect(polls.map((r) => [r.status, r.headers.get('x-ratelimit-limit')])).toEqual([
      [200, '2'],
      [200, '2'],
    ]);
    expect(polls[0].body.status).toBe('READY');
    const third = await poll(first.body.queue_token);
    expect([third.status, third.body.error.code]).toEqual([429, 'RATE_LIMIT_EXCEEDED']);
    // Counted per entry: the other entry polls on its own budget, a bad token is 401 and not counted.
    expect((await poll(second.body.queue_token)).status).toBe(200);
    expect((await poll('garbage')).status).toBe(401);
  });
});

describe('the advised polling interval with rate limits on (red team, issue 10)', () => {
  let t: TestApp;
  let admin: string;
  const clock = new ManualClock(START);
  /** The spacing the status limit allows for ever: 60 s / 2 = 30 s. */
  const { limit, windowMs } = RATE_LIMITS.queueStatus;
  const spacing = windowMs / limit / 1000;

  beforeAll(async () => {
    t = await startTestApp({ clock, env: { QUEUE_ADMISSION_MS: '3600000', RATE_LIMITS: 'on' } });
    admin = await t.adminToken();
  });
  afterAll(() => t.close());

  it('is never shorter than the status limit allows, and still grows with the distance to the front', async () => {
    const { eventId } = await createEvent(t.call, admin, {
      queue: { enabled: true, admission_per_minute: 1, challenge_max_number: 0 },
    });
    const joined: Json[] = [];
    for (let i = 1; i <= 8; i += 1) {
      const res = await t.call('POST', '/v1/queue/join', {
        token: t.mintToken(`patient-fan-${i}`),
        body: { event_id: eventId, device_fingerprint: `patient-device-${i}` },
      });
      expect([res.status, res.body.queue_position]).toEqual([200, i]);
      joined.push(res.body);
    }
    const advised = joined.map((body) => body.poll_interval_seconds as number);
    // One a minute: the front is due in a minute (6 s without the limit), the eighth in eight (48 s).
    expect(advised).toEqual([30, 30, 30, 30, 30, 36, 42, 48]);
    expect(Math.min(...advised)).toBeGreaterThanOrEqual(spacing);
    const polled = await t.call(
      'GET',
      `/v1/queue/status?queue_token=${encodeURIComponent(joined[0].queue_token)}`,
    );
    expect([polled.status, polled.body.poll_interval_seconds]).toEqual([200, spacing]);
    expect(polled.headers.get('x-ratelimit-limit')).toBe(String(limit));
  });
});
