import http from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { requestId } from '../../src/api/http/middleware';
import { RATE_LIMITS, RateLimits, type RateLimitName } from '../../src/api/http/rate-limits';
import { createEvent } from '../support/fixtures';
import { apiClient, type ApiResponse } from '../support/http';
import { startTestApp, type TestApp } from '../support/test-app';

/**
 * The seed's limits per class, with X-RateLimit-* headers counting down on every counted answer and 429
 * RATE_LIMIT_EXCEEDED with Retry-After at the limit, in the standard envelope. Counters in this process's memory;
 * shared counters on Redis: tests/integration/rate-limits-redis.int.test.ts.
 */

/** Every answer before the limit says how many are left, one fewer each time; the next one is refused. */
function expectCountdown(answers: ApiResponse[], name: RateLimitName, okStatus: number): void {
  const { limit, windowMs } = RATE_LIMITS[name];
  expect(answers).toHaveLength(limit + 1);
  const nowSeconds = Date.now() / 1000;
  const counted = answers.slice(0, limit);
  expect(counted.map((r) => r.status)).toEqual(Array(limit).fill(okStatus));
  expect(counted.map((r) => r.headers.get('x-ratelimit-limit'))).toEqual(Array(limit).fill(String(limit)));
  expect(counted.map((r) => Number(r.headers.get('x-ratelimit-remaining')))).toEqual(
    Array.from({ length: limit }, (_, i) => limit - 1 - i),
  );
  // Epoch seconds, in the future, within one window; the same window for the whole run.
  const resets = new Set(counted.map((r) => Number(r.headers.get('x-ratelimit-reset'))));
  for (const reset of resets) {
    expect(Number.isInteger(reset)).toBe(true);
    expect(reset).toBeGreaterThan(nowSeconds);
    expect(reset).toBeLessThanOrEqual(Math.ceil(nowSeconds + windowMs / 1000) + 1);
  }
  expect(Math.max(...resets) - Math.min(...resets)).toBeLessThanOrEqual(1);

  const refused = answers[limit];
  expect(refused.status).toBe(429);
  expect(refused.body.error).toMatchObject({ code: 'RATE_LIMIT_EXCEEDED', details: { limit } });
  expect(refused.body.error.request_id).toBe(refused.headers.get('x-request-id'));
  expect(refused.headers.get('x-ratelimit-remaining')).toBe('0');
  const retryAfter = Number(refused.headers.get('retry-after'));
  expect(retryAfter).toBeGreaterThan(0);
  expect(retryAfter).toBeLessThanOrEqual(windowMs / 1000);
}

async function repeat(times: number, send: (i: number) => Promise<ApiResponse>): Promise<ApiResponse[]> {
  const answers: ApiResponse[] = [];
  for (let i = 0; i < times; i += 1) answers.push(await send(i));
  return answers;
}

describe('rate limits per class (in memory)', () => {
  let t: TestApp;
  let eventId: string;
  beforeAll(async () => {
    t = await startTestApp({ env: { RATE_LIMITS: 'on' } });
    // A minted admin token: signing in would spend one of this address's sign-in budget counted below.
    ({ eventId } = await createEvent(t.call, t.mintToken('catalog-admin', 'admin')));
  });
  afterAll(() => t.close());

  it('search: 100 per minute per client', async () => {
    const answers = await repeat(101, () => t.call('GET', '/v1/events/search?query=test'));
    expectCountdown(answers, 'search', 200);
  });

  it('event details: 200 per minute per client', async () => {
    const answers = await repeat(201, () => t.call('GET', `/v1/events/${eventId}`));
    expectCountdown(answers, 'eventDetails', 200);
  });

  it('seat map: 50 per minute per client, counted apart from event details', async () => {
    const answers = await repeat(51, () => t.call('GET', `/v1/events/${eventId}/seats`));
    expectCountdown(answers, 'seatMap', 200);
  });

  it('reserve: 10 per minute per user, and another user has a budget of their own', async () => {
    const token = t.mintToken('eager-fan');
    const body = { event_id: 'no-such-event', seat_ids: ['s1:A:1'] };
    const answers = await repeat(11, () => t.call('POST', '/v1/seats/reserve', { token, body }));
    expectCountdown(answers, 'reserve', 404);
    const other = await t.call('POST', '/v1/seats/reserve', { token: t.mintToken('patient-fan'), body });
    expect(other.status).toBe(404);
    expect(other.headers.get('x-ratelimit-remaining')).toBe('9');
  });

  it('sign-in: 30 per minute per client (not in the seed: against password guessing)', async () => {
    const answers = await repeat(31, () =>
      t.call('POST', '/v1/auth/token', { body: { grant_type: 'password', email: 'x@example.test' } }),
    );
    expectCountdown(answers, 'auth', 400);
  });

  it('signed in: 1,000 per hour across every /v1 endpoint, anonymous requests not counted', async () => {
    const token = t.mintToken('busy-fan');
    // Endpoints without a class of their own, so the answer's headers are the hourly budget's.
    const answers = await repeat(1001, (i) =>
      t.call('GET', i % 2 === 0 ? '/v1/auth/info' : '/v1/orders', { token }),
    );
    expectCountdown(answers, 'authenticated', 200);
    // Spent for every endpoint, the class-limited ones included...
    const search = await t.call('GET', '/v1/events/search?query=test', { token });
    expect(search.status).toBe(429);
    expect(search.body.error.details).toEqual({ limit: 1000 });
    // ...while another user goes on; an anonymous request is not counted by this class at all.
    expect((await t.call('GET', '/v1/auth/info', { token: t.mintToken('calm-fan') })).status).toBe(200);
    const anonymous = await t.call('GET', '/v1/auth/info');
    expect(anonymous.status).toBe(401);
    expect(anonymous.headers.get('x-ratelimit-limit')).toBeNull();
  });

  it('a waiting-room token draws on no hourly budget: a user out of budget still leaves the queue', async () => {
    const token = t.mintToken('leaving-fan');
    const { eventId: queued } = await createEvent(t.call, t.mintToken('queue-admin', 'admin'), {
      queue: { enabled: true, admission_per_minute: 1, challenge_max_number: 0 },
    });
    const joined = await t.call('POST', '/v1/queue/join', {
      token,
      body: { event_id: queued, device_fingerprint: 'leaving-device' },
    });
    expect(joined.status).toBe(200);
    for (let i = 1; i < RATE_LIMITS.authenticated.limit; i += 1)
      expect((await t.call('GET', '/v1/auth/info', { token })).status).toBe(200);
    expect((await t.call('GET', '/v1/auth/info', { token })).status).toBe(429);
    const left = await t.call('DELETE', '/v1/queue/leave', { token: joined.body.queue_token });
    expect(left.status).toBe(204);
  });

  it('a class-limited answer to a signed-in user shows the class budget (the tighter one)', async () => {
    const res = await t.call('GET', `/v1/events/${eventId}/seats`, { token: t.mintToken('map-reader') });
    expect(res.status).toBe(200);
    expect(res.headers.get('x-ratelimit-limit')).toBe('50');
    expect(res.headers.get('x-ratelimit-remaining')).toBe('49');
  });

  // Red team, issue 10: the headers showed the last limiter to run (the class) while a tighter one refused.
  it("an API key's own budget below the class limit is what the headers count down, up to its refusal", async () => {
    const created = await t.call('POST', '/v1/admin/api-keys', {
      token: t.mintToken('key-admin', 'admin'),
      body: { name: 'Tight app', rate_limit_per_hour: 3 },
    });
    expect(created.status).toBe(201);
    const headers = { 'x-api-key': created.body.api_key };
    // Signed in, so three budgets count each call: the key's 3 an hour, search's 100 a minute, the user's 1,000.
    const token = t.mintToken('key-app-user');
    const answers = await repeat(4, () => t.call('GET', '/v1/events/search?query=key', { headers, token }));
    const shown = (r: ApiResponse) => [
      r.status,
      r.headers.get('x-ratelimit-limit'),
      r.headers.get('x-ratelimit-remaining'),
    ];
    expect(answers.map(shown)).toEqual([
      [200, '3', '2'],
      [200, '3', '1'],
      [200, '3', '0'],
      [429, '3', '0'],
    ]);
    // The key's window is an hour: its Reset is about an hour away, and so is the Retry-After of its refusal.
    const nowSeconds = Date.now() / 1000;
    expect(Number(answers[2].headers.get('x-ratelimit-reset'))).toBeGreaterThan(nowSeconds + 3000);
    expect(Number(answers[3].headers.get('retry-after'))).toBeGreaterThan(3000);
    expect(answers[3].body.error.details).toEqual({ limit: 3 });
  });

  it('the hourly budget, once tighter than the class, is what the headers show', async () => {
    const token = t.mintToken('nearly-spent-fan');
    const spend = RATE_LIMITS.authenticated.limit - 3;
    for (let i = 0; i < spend; i += 1)
      expect((await t.call('GET', '/v1/auth/info', { token })).status).toBe(200);
    const answers = await repeat(4, () => t.call('GET', `/v1/events/${eventId}/seats`, { token }));
    expect(
      answers.map((r) => [
        r.status,
        r.headers.get('x-ratelimit-limit'),
        r.headers.get('x-ratelimit-remaining'),
      ]),
    ).toEqual([
      [200, '1000', '2'],
      [200, '1000', '1'],
      [200, '1000', '0'],
      [429, '1000', '0'],
    ]);
    expect(answers[3].body.error.details).toEqual({ limit: 1000 });
  });
});

/**
 * The queue-status class on its own: `GET /v1/queue/status` (tests/api/queue.api.test.ts) takes it with
 * `rateLimit: 'queueStatus'`. Counted per queue entry: by the queue_token (hashed), else by client address, or by
 * what the operation names as `req.rateLimitKey`.
 */
describe('queue status: 2 per minute per queue entry', () => {
  let server: http.Server;
  let call: ReturnType<typeof apiClient>;
  beforeAll(async () => {
    const app = express();
    app.set('query parser', 'simple');
    app.use(requestId);
    const limit = new RateLimits({ enabled: true }).limit('queueStatus');
    app.get('/status', limit, (_req, res) => res.json({ ok: true }));
    // An operation that names its key (OperationSpec.rateLimitKey): two tokens of one entry share a budget.
    app.get(
      '/by-entry',
      (req, _res, next) => {
        req.rateLimitKey = 'entry-1';
        next();
      },
      limit,
      (_req, res) => res.json({ ok: true }),
    );
    server = http.createServer(app);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    call = apiClient(`http://127.0.0.1:${(server.address() as AddressInfo).port}`);
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('counts each queue token apart, and a client without one by its address', async () => {
    const first = await repeat(3, () => call('GET', '/status?queue_token=token-a'));
    expectCountdown(first, 'queueStatus', 200);
    const other = await repeat(3, () => call('GET', '/status?queue_token=token-b'));
    expectCountdown(other, 'queueStatus', 200);
    const anonymous = await repeat(3, () => call('GET', '/status'));
    expectCountdown(anonymous, 'queueStatus', 200);
  });

  it('counts by the key the operation names, whatever the token', async () => {
    const answers = await repeat(3, (i) => call('GET', `/by-entry?queue_token=token-${i}`));
    expectCountdown(answers, 'queueStatus', 200);
  });
});

describe('RATE_LIMITS=off', () => {
  it('counts nothing and sends no rate-limit headers', async () => {
    const t = await startTestApp({ env: { RATE_LIMITS: 'off' } });
    try {
      const answers = await repeat(12, () =>
        t.call('POST', '/v1/seats/reserve', {
          token: t.mintToken('bench-fan'),
          body: { event_id: 'no-such-event', seat_ids: ['s1:A:1'] },
        }),
      );
      expect(answers.map((r) => r.status)).toEqual(Array(12).fill(404));
      expect(answers[11].headers.get('x-ratelimit-limit')).toBeNull();
    } finally {
      await t.close();
    }
  });
});
