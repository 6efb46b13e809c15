import { solveChallenge } from 'altcha-lib/v1';
import { IDS } from '../../src/composition';
import { resolve } from '../../src/composition/identifiers';
import { createEvent } from '../support/fixtures';
import { createPartnerClient, type PartnerClientFixture } from '../support/partner-client';
import { startTestApp, type TestApp } from '../support/test-app';

/**
 * Partner captcha (the FAQ's Captcha answers): the site key and an ALTCHA challenge, only for pages on the client's
 * registered domains; a solution is good once, for its own client, and not after the site key was rotated; a cart
 * at an event that asks for a captcha needs one.
 */
interface Challenge {
  algorithm: string;
  challenge: string;
  salt: string;
  signature: string;
  maxnumber: number;
}

/** What the ALTCHA widget sends: the challenge with the number found, base64 JSON. */
async function solve(c: Challenge): Promise<string> {
  const solution = await solveChallenge(c.challenge, c.salt, c.algorithm, c.maxnumber).promise;
  if (!solution) throw new Error('no solution found');
  const payload = {
    algorithm: c.algorithm,
    challenge: c.challenge,
    number: solution.number,
    salt: c.salt,
    signature: c.signature,
  };
  return Buffer.from(JSON.stringify(payload)).toString('base64');
}

describe('partner captcha', () => {
  let t: TestApp;
  let admin: string;
  let partner: PartnerClientFixture;
  let other: PartnerClientFixture;
  let eventId: string;

  const captcha = (p: PartnerClientFixture, origin?: string) =>
    t.call('GET', '/partners/v1/captcha', { token: p.token, headers: origin ? { origin } : {} });
  const solved = async (p: PartnerClientFixture) => {
    const res = await captcha(p);
    expect(res.status).toBe(200);
    return solve(res.body.challenge);
  };
  const verify = (partnerId: string, altcha: string | undefined) =>
    resolve(t.app.container, IDS.partnerCaptcha).verify(partnerId, altcha);
  const createCart = (p: PartnerClientFixture, altcha?: string) =>
    t.call('POST', `/partners/v1/events/${eventId}/cart`, {
      token: p.token,
      body: { tier_id: `${eventId}-t1`, quantity: 1, ...(altcha ? { altcha } : {}) },
    });

  beforeAll(async () => {
    t = await startTestApp();
    admin = await t.adminToken();
    partner = await createPartnerClient(t, {
      name: 'Shop',
      captcha_domains: ['shop.example.com', 'localhost'],
    });
    other = await createPartnerClient(t, { name: 'Other shop', captcha_domains: ['other.example.com'] });
    ({ eventId } = await createEvent(t.call, admin, { extra: { captcha_required: true } }));
  });
  afterAll(() => t.close());

  it('serves the site key and a challenge to a page on a registered domain, and to the partner server', async () => {
    for (const origin of [
      'https://shop.example.com',
      'https://SHOP.example.com:8443',
      'http://localhost:5173',
      undefined,
    ]) {
      const res = await captcha(partner, origin);
      expect({ origin, status: res.status }).toEqual({ origin, status: 200 });
      expect(res.body).toEqual({
        site_key: partner.siteKey,
        challenge: {
          algorithm: 'SHA-256',
          challenge: expect.stringMatching(/^[0-9a-f]{64}$/),
          salt: expect.any(String),
          signature: expect.stringMatching(/^[0-9a-f]{64}$/),
          maxnumber: expect.any(Number),
        },
      });
      expect(res.headers.get('cache-control')).toBe('no-store');
    }
  });

  it('refuses a page on any other domain: 403 CAPTCHA_DOMAIN_NOT_ALLOWED', async () => {
    for (const origin of [
      'https://evil.example.com',
      'https://shop.example.com.evil.example',
      'https://other.example.com',
      'null',
    ]) {
      const res = await captcha(partner, origin);
      expect({ origin, status: res.status, code: res.body.error?.code }).toEqual({
        origin,
        status: 403,
        code: 'CAPTCHA_DOMAIN_NOT_ALLOWED',
      });
    }
  });

  it('a cart at an event that requires a captcha needs a solution, which is good once', async () => {
    const missing = await createCart(partner);
    expect(missing.status).toBe(400);
    expect(missing.body.error.code).toBe('CAPTCHA_FAILED');

    const altcha = await solved(partner);
    const created = await createCart(partner, altcha);
    expect(created.status).toBe(201);
    const reused = await createCart(partner, altcha);
    expect(reused.status).toBe(400);
    expect(reused.body.error.code).toBe('CAPTCHA_FAILED');
    expect(reused.body.error.message).toMatch(/already used/);
  });

  it('a solution is only good for its own client, and a tampered one is refused', async () => {
    const mine = await solved(partner);
    await expect(verify(other.partnerId, mine)).rejects.toMatchObject({ code: 'CAPTCHA_FAILED' });
    const decoded = JSON.parse(Buffer.from(mine, 'base64').toString());
    const tampered = Buffer.from(JSON.stringify({ ...decoded, number: decoded.number + 1 })).toString(
      'base64',
    );
    await expect(verify(partner.partnerId, tampered)).rejects.toMatchObject({ code: 'CAPTCHA_FAILED' });
    await expect(verify(partner.partnerId, 'not base64 json')).rejects.toMatchObject({
      code: 'CAPTCHA_FAILED',
    });
    // The untampered one is still good: nothing above spent it.
    await expect(verify(partner.partnerId, mine)).resolves.toBeUndefined();
  });

  it('after the site key is rotated, challenges made under the old one no longer verify', async () => {
    const p = await createPartnerClient(t, { name: 'Rotating shop' });
    const before = await solved(p);
    const rotated = await t.call('POST', `/v1/admin/partners/${p.partnerId}/rotate-site-key`, {
      token: admin,
    });
    expect(rotated.status).toBe(200);
    expect(rotated.body.site_key).not.toBe(p.siteKey);
    expect(rotated.body.site_key_rotated_at).toEqual(expect.any(String));

    const now = await captcha(p);
    expect(now.body.site_key).toBe(rotated.body.site_key);
    await expect(verify(p.partnerId, before)).rejects.toMatchObject({
      code: 'CAPTCHA_FAILED',
      message: expect.stringMatching(/rotated/),
    });
    await expect(verify(p.partnerId, await solve(now.body.challenge))).resolves.toBeUndefined();
  });
});
