import { startTestApp, type TestApp } from '../support/test-app';

/** The seed's limits, with X-RateLimit-* headers and Retry-After on 429, in the standard envelope. */
describe('rate limits', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ env: { RATE_LIMITS: 'on' } });
  });
  afterAll(() => t.close());

  it('reserve: 10 per minute per user, then 429 with Retry-After', async () => {
    const token = t.mintToken('eager-fan');
    const body = { event_id: 'no-such-event', seat_ids: ['s1:A:1'] };
    const answers = [];
    for (let i = 0; i < 11; i += 1) answers.push(await t.call('POST', '/v1/seats/reserve', { token, body }));
    expect(answers.slice(0, 10).map((r) => r.status)).toEqual(Array(10).fill(404));
    expect(answers[0].headers.get('x-ratelimit-limit')).toBe('10');
    expect(answers[0].headers.get('x-ratelimit-remaining')).toBe('9');
    expect(Number(answers[0].headers.get('x-ratelimit-reset'))).toBeGreaterThan(Date.now() / 1000);
    const limited = answers[10];
    expect(limited.status).toBe(429);
    expect(limited.body.error).toMatchObject({ code: 'RATE_LIMIT_EXCEEDED', details: { limit: 10 } });
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
    // Another user has a budget of their own.
    expect(
      (await t.call('POST', '/v1/seats/reserve', { token: t.mintToken('patient-fan'), body })).status,
    ).toBe(404);
  });

  it('search: 100 per minute per client', async () => {
    let last;
    for (let i = 0; i < 101; i += 1) last = await t.call('GET', '/v1/events/search?query=x');
    expect(last!.status).toBe(429);
    expect(last!.headers.get('x-ratelimit-limit')).toBe('100');
  });
});
