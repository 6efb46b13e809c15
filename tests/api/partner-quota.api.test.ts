import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pollUntil } from '../support/purchase';
import { createPartnerClient } from '../support/partner-client';
import { deleteRedisKeys, redisSuite } from '../support/redis';
import { startTestApp, type TestApp } from '../support/test-app';

/**
 * Partner quotas (FAQ "Event Availability": 429 on a quota violation, with the quota in the response headers):
 * every /partners/v1 answer carries Ratelimit-Quota-Allowed, -Used and -Expiry; past `quota_per_hour`, 429
 * QUOTA_EXCEEDED. With REDIS_URL every API process counts against one budget.
 */
const quotaHeaders = (res: { headers: Headers }) => ({
  allowed: res.headers.get('ratelimit-quota-allowed'),
  used: res.headers.get('ratelimit-quota-used'),
  expiry: Number(res.headers.get('ratelimit-expiry')),
});

describe('partner quota', () => {
  let t: TestApp;
  beforeAll(async () => {
    // RATE_LIMITS stays off (the test default): quotas are part of the partner's contract and hold regardless.
    t = await startTestApp();
  });
  afterAll(() => t.close());

  it('counts every answer in the headers, then 429 QUOTA_EXCEEDED with Retry-After, per partner', async () => {
    const small = await createPartnerClient(t, { name: 'Small', quota_per_hour: 3 });
    const other = await createPartnerClient(t, { name: 'Other', quota_per_hour: 3 });
    const started = Date.now();
    const paths = ['/partners/v1/events', '/partners/v1/captcha', '/partners/v1/events/no-such-event'];
    const answers = [];
    for (const p of paths) answers.push(await t.call('GET', p, { token: small.token }));
    expect(answers.map((r) => r.status)).toEqual([200, 200, 404]);
    expect(answers.map((r) => quotaHeaders(r).used)).toEqual(['1', '2', '3']);
    for (const res of answers) {
      const { allowed, expiry } = quotaHeaders(res);
      expect(allowed).toBe('3');
      // Epoch milliseconds, within the hour the window lasts.
      expect(expiry).toBeGreaterThan(started);
      expect(expiry).toBeLessThanOrEqual(Date.now() + 3_600_000);
    }

    const over = await t.call('GET', '/partners/v1/events', { token: small.token });
    expect(over.status).toBe(429);
    expect(over.body.error.code).toBe('QUOTA_EXCEEDED');
    expect(quotaHeaders(over)).toMatchObject({ allowed: '3', used: '4' });
    expect(Number(over.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);

    // Another partner's budget is its own.
    const fine = await t.call('GET', '/partners/v1/events', { token: other.token });
    expect(fine.status).toBe(200);
    expect(quotaHeaders(fine)).toMatchObject({ allowed: '3', used: '1' });
  });
});

describe('partner clients across two API processes on one data directory', () => {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ticketing-partner-two-'));
  let a: TestApp;
  let b: TestApp;
  beforeAll(async () => {
    a = await startTestApp({ dataDir });
    b = await startTestApp({ dataDir });
  });
  afterAll(async () => {
    await a.close();
    await b.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it('a client registered on one process works on the other at once, and its revocation reaches it', async () => {
    const partner = await createPartnerClient(a, { name: 'Travelling shop' });
    // b never saw it registered: it reads the client's stream on first use.
    expect((await b.call('GET', '/partners/v1/events', { token: partner.token })).status).toBe(200);
    const revoked = await a.call('DELETE', `/v1/admin/partners/${partner.partnerId}`, {
      token: await a.adminToken(),
    });
    expect(revoked.status).toBe(204);
    // b learns it from the log (its projection runner), within its lag.
    const refused = await pollUntil(
      b.call,
      '/partners/v1/events',
      partner.token,
      (res) => res.status === 401,
    );
    expect(refused.body.error.message).toBe('No valid access token found');
  });
});

redisSuite('partner quota on Redis', (url) => {
  const prefix = `quota-test-${randomUUID()}:`;
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ticketing-partner-quota-'));
  let a: TestApp;
  let b: TestApp;
  beforeAll(async () => {
    const env = { REDIS_URL: url, RATE_LIMIT_PREFIX: prefix };
    a = await startTestApp({ dataDir, env });
    b = await startTestApp({ dataDir, env });
  });
  afterAll(async () => {
    await a?.close();
    await b?.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
    await deleteRedisKeys(url, prefix);
  });

  it('two processes count against one budget', async () => {
    const partner = await createPartnerClient(a, { name: 'Shared budget', quota_per_hour: 4 });
    const used: Array<string | null> = [];
    for (const instance of [a, b, a, b]) {
      const res = await instance.call('GET', '/partners/v1/events', { token: partner.token });
      expect(res.status).toBe(200);
      used.push(res.headers.get('ratelimit-quota-used'));
    }
    expect(used).toEqual(['1', '2', '3', '4']);
    for (const instance of [a, b]) {
      const res = await instance.call('GET', '/partners/v1/events', { token: partner.token });
      expect(res.status).toBe(429);
      expect(res.body.error.code).toBe('QUOTA_EXCEEDED');
    }
  });
});
