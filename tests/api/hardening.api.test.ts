/* eslint-disable @typescript-eslint/no-explicit-any -- response bodies are whatever the API sent */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import express from 'express';
import { metricsAccess } from '../../src/api/http/metrics';
import { errorHandler, requestId } from '../../src/api/http/middleware';
import { checkInvariants } from '../../src/application/audit/invariants';
import { JwtAccessTokens } from '../../src/infrastructure/auth/jwt-access-tokens';
import { ConfigError, loadConfig } from '../../src/infrastructure/config/config';
import { createLogger } from '../../src/infrastructure/logging/logger';
import { seed } from '../../scripts/seed';
import { startChildServer } from '../support/child-server';
import { createEvent } from '../support/fixtures';
import { apiClient } from '../support/http';
import { addCard, pollUntil, reserve, placeOrder } from '../support/purchase';
import { startTestApp, type TestApp } from '../support/test-app';

/**
 * Issue 8, items 5-7: secrets and data files, /metrics access and labels, trust proxy, refresh-token families,
 * transfers versus the buyer's cancellation, and Cache-Control on answers that carry codes or tokens.
 */

const mode = (file: string) => fs.statSync(file).mode & 0o777;
const tmpDir = () => fs.mkdtempSync(path.join(os.tmpdir(), 'ticketing-hardening-'));
const SECRET_64 = 'k3Jt0tq2hRkYrJc9-8_3mO0tJtJb2QxZ'.repeat(2);

function expectEnvelope(res: { status: number; body: any }, status: number, code: string): void {
  expect(res.status).toBe(status);
  expect(res.body).toEqual({
    error: {
      code,
      message: expect.any(String),
      details: expect.any(Object),
      request_id: expect.any(String),
      timestamp: expect.any(String),
    },
  });
}

/** Every file under the directory is 0600 (and those named exist). */
function expectOwnerOnlyFiles(dir: string, mustExist: string[]): void {
  const files = (fs.readdirSync(dir, { recursive: true }) as string[]).filter((f) =>
    fs.statSync(path.join(dir, f)).isFile(),
  );
  expect(files).toEqual(expect.arrayContaining(mustExist));
  for (const file of files) expect([file, mode(path.join(dir, file))]).toEqual([file, 0o600]);
}

describe('secrets and data files (item 5)', () => {
  const dirs: string[] = [];
  const freshDir = () => {
    const dir = tmpDir();
    dirs.push(dir);
    return dir;
  };
  afterAll(() => dirs.forEach((d) => fs.rmSync(d, { recursive: true, force: true })));

  it.each([
    ['empty', ''],
    ['whitespace only', ' \n\t '],
    ['short', 'x'.repeat(31)],
  ])('a %s jwt-secret file stops the start-up with a clear message', (_what, content) => {
    const dir = freshDir();
    fs.writeFileSync(path.join(dir, 'jwt-secret'), content, { mode: 0o600 });
    expect(() => loadConfig({ DATA_DIR: dir })).toThrow(ConfigError);
    expect(() => loadConfig({ DATA_DIR: dir })).toThrow(/jwt-secret.*at least 32/);
    // Never replaced behind the operator's back.
    expect(fs.readFileSync(path.join(dir, 'jwt-secret'), 'utf8')).toBe(content);
  });

  it.each([
    ['NUL bytes', Buffer.alloc(48, 0)],
    ['0xFF bytes', Buffer.alloc(48, 0xff)],
    ['random binary bytes', Buffer.from('9f00c3a1ffe2808b7f1b5d00'.repeat(4), 'hex')],
    ['invisible characters', Buffer.from('\u200b\u00a0\u2060'.repeat(16), 'utf8')],
    ['printable text with spaces inside', Buffer.from('correct horse battery staple and more words')],
    ['one repeated character', Buffer.from('a'.repeat(48))],
    ['a short pattern', Buffer.from('abcdefghi'.repeat(6))],
  ])('a jwt-secret file of %s stops the start-up, naming the file and the fix', (_what, content) => {
    const dir = freshDir();
    fs.writeFileSync(path.join(dir, 'jwt-secret'), content, { mode: 0o600 });
    expect(() => loadConfig({ DATA_DIR: dir })).toThrow(ConfigError);
    expect(() => loadConfig({ DATA_DIR: dir })).toThrow(
      /jwt-secret .*Delete it to have a new secret generated/,
    );
    expect(fs.readFileSync(path.join(dir, 'jwt-secret'))).toEqual(content);
  });

  it('a jwt-secret that is a directory stops the start-up with the same clear message, not a raw EISDIR', () => {
    const dir = freshDir();
    fs.mkdirSync(path.join(dir, 'jwt-secret'));
    expect(() => loadConfig({ DATA_DIR: dir })).toThrow(ConfigError);
    expect(() => loadConfig({ DATA_DIR: dir })).toThrow(
      /jwt-secret is a directory\. Delete it to have a new secret generated/,
    );
  });

  it.each([
    ['NUL characters', '\u0000'.repeat(40)],
    ['0xFF characters', '\u00ff'.repeat(40)],
    ['one repeated character', 'x'.repeat(40)],
    ['a short pattern', '0123456789'.slice(0, 9).repeat(5)],
    ['a space inside', `${SECRET_64.slice(0, 20)} ${SECRET_64.slice(20)}`],
  ])('JWT_SECRET and METRICS_TOKEN made of %s are refused, naming the variable', (_what, value) => {
    const dir = freshDir();
    expect(() => loadConfig({ DATA_DIR: dir, JWT_SECRET: value })).toThrow(/^JWT_SECRET .*openssl rand/);
    expect(() => loadConfig({ DATA_DIR: dir, METRICS_TOKEN: value })).toThrow(
      /^METRICS_TOKEN .*openssl rand/,
    );
  });

  it('a missing secret is generated (>= 32 characters, 0600) in a 0700 data directory', () => {
    const dir = path.join(freshDir(), 'nested', 'data');
    const config = loadConfig({ DATA_DIR: dir });
    expect(config.jwtSecret.length).toBeGreaterThanOrEqual(32);
    expect(fs.readFileSync(path.join(dir, 'jwt-secret'), 'utf8')).toBe(config.jwtSecret);
    expect(mode(path.join(dir, 'jwt-secret'))).toBe(0o600);
    expect(mode(dir)).toBe(0o700);
    // The same secret on the next start.
    expect(loadConfig({ DATA_DIR: dir }).jwtSecret).toBe(config.jwtSecret);
  });

  it('an existing data directory and secret file readable by others are tightened', () => {
    const dir = freshDir();
    fs.chmodSync(dir, 0o755);
    fs.writeFileSync(path.join(dir, 'jwt-secret'), SECRET_64, { mode: 0o644 });
    fs.chmodSync(path.join(dir, 'jwt-secret'), 0o644); // whatever the umask
    expect(loadConfig({ DATA_DIR: dir }).jwtSecret).toBe(SECRET_64);
    expect(mode(dir)).toBe(0o700);
    expect(mode(path.join(dir, 'jwt-secret'))).toBe(0o600);
  });

  it('JWT_SECRET and METRICS_TOKEN shorter than 32 characters are refused', () => {
    const dir = freshDir();
    expect(() => loadConfig({ DATA_DIR: dir, JWT_SECRET: 'short' })).toThrow(/JWT_SECRET/);
    expect(() => loadConfig({ DATA_DIR: dir, METRICS_TOKEN: 'short' })).toThrow(/METRICS_TOKEN/);
    expect(loadConfig({ DATA_DIR: dir, METRICS_TOKEN: SECRET_64 }).metricsToken).toBe(SECRET_64);
  });

  it('npm run seed leaves only owner-only files (0600) in a 0700 data directory', async () => {
    const dir = freshDir();
    fs.chmodSync(dir, 0o755);
    await seed(loadConfig({ DATA_DIR: dir }));
    expect(mode(dir)).toBe(0o700);
    expectOwnerOnlyFiles(dir, ['events.sqlite', 'test-payment-gateway.sqlite', 'jwt-secret']);
  });

  it("LOG_LEVEL is one of pino's levels (any case), else a configuration error naming them", () => {
    const dir = freshDir();
    const level = (value?: string) =>
      loadConfig({ DATA_DIR: dir, ...(value === undefined ? {} : { LOG_LEVEL: value }) }).logLevel;
    expect(level()).toBe('info');
    expect(level('')).toBe('info');
    expect(level('DEBUG')).toBe('debug');
    expect(level('silent')).toBe('silent');
    for (const bad of ['loud', 'verbose', '30', 'info,debug'])
      expect(() => level(bad)).toThrow(
        /LOG_LEVEL must be one of fatal, error, warn, info, debug, trace, silent/,
      );
  });

  it('BODY_LIMIT is a size from 1 byte to 100mb, as body-parser reads it; anything else is a configuration error', () => {
    const dir = freshDir();
    const limit = (value?: string) =>
      loadConfig({ DATA_DIR: dir, ...(value === undefined ? {} : { BODY_LIMIT: value }) }).bodyLimit;
    expect(limit()).toBe('100kb');
    expect(limit('1mb')).toBe('1mb');
    expect(limit('2048')).toBe('2048');
    expect(limit(' 64KB ')).toBe('64KB');
    for (const bad of ['banana', '-5', '0', '0kb', '1.5mb', '101mb', '1gb', '10 apples'])
      expect(() => limit(bad)).toThrow(/BODY_LIMIT must be a size/);
  });

  it('TRUST_PROXY is off by default and accepts only what express understands, never "true"', () => {
    const dir = freshDir();
    const trust = (value?: string) =>
      loadConfig({ DATA_DIR: dir, ...(value === undefined ? {} : { TRUST_PROXY: value }) }).trustProxy;
    expect(trust()).toBe(false);
    expect(trust('off')).toBe(false);
    expect(trust('loopback')).toEqual(['loopback']);
    expect(trust('2')).toBe(2);
    expect(trust('10.0.0.0/8, 127.0.0.1, ::1, fd00::/8')).toEqual([
      '10.0.0.0/8',
      '127.0.0.1',
      '::1',
      'fd00::/8',
    ]);
    for (const bad of ['true', 'yes', '*', '10.0.0.0/33', 'proxy.example.com', '99'])
      expect(() => trust(bad)).toThrow(ConfigError);
  });
});

describe('the running service (items 5, 6, 7)', () => {
  let t: TestApp;
  let admin: string;

  beforeAll(async () => {
    t = await startTestApp();
    admin = await t.adminToken();
  });
  afterAll(() => t?.close());

  it('every file in the data directory (event log, test gateway ledger, their -wal/-shm, secret) is 0600', async () => {
    // A purchase, so the test gateway's ledger has written (and created its side files) too.
    const fan = await t.customerToken();
    const event = await createEvent(t.call, admin, { name: 'File Modes Night' });
    const hold = await reserve(t.call, fan.token, event.eventId, ['s1:A:1']);
    const card = await addCard(t.call, fan.token);
    const order = await t.call('POST', '/v1/orders', {
      token: fan.token,
      body: { reservation_id: hold, payment_method_id: card },
    });
    expect(order.status).toBe(201);
    await pollUntil(
      t.call,
      `/v1/orders/${order.body.order_id}`,
      fan.token,
      (r) => r.body.status === 'CONFIRMED',
    );
    expect(mode(t.dataDir)).toBe(0o700);
    expectOwnerOnlyFiles(t.dataDir, [
      'events.sqlite',
      'events.sqlite-wal',
      'test-payment-gateway.sqlite',
      'test-payment-gateway.sqlite-wal',
      'jwt-secret',
    ]);
  });

  describe('/metrics', () => {
    it('401 without a token or with a forged one, 403 for a customer, 200 for an admin', async () => {
      expectEnvelope(await t.call('GET', '/metrics'), 401, 'UNAUTHORIZED');
      expectEnvelope(await t.call('GET', '/metrics', { token: 'not-a-token' }), 401, 'UNAUTHORIZED');
      const fan = await t.customerToken();
      expectEnvelope(await t.call('GET', '/metrics', { token: fan.token }), 403, 'FORBIDDEN');
      const res = await t.call('GET', '/metrics', { token: admin });
      expect(res.status).toBe(200);
      expect(res.text).toContain('http_requests_total');
    });

    it('labels carry the full route template; unmatched paths share one label', async () => {
      const fan = await t.customerToken();
      // 404s travel back up through the routers as errors: the case that used to lose the /v1/... prefix.
      expect((await t.call('GET', '/v1/orders/no-such-order', { token: fan.token })).status).toBe(404);
      expect((await t.call('GET', '/v1/tickets/no-such-ticket', { token: fan.token })).status).toBe(404);
      expect((await t.call('GET', '/v1/reservations/no-such-hold', { token: fan.token })).status).toBe(404);
      await t.call('GET', `/v1/no-such-path-${Date.now()}`);
      await t.call('GET', `/v1/another-missing-path-${Date.now()}`);
      const text = (await t.call('GET', '/metrics', { token: admin })).text;
      const routes = new Set([...text.matchAll(/route="([^"]*)"/g)].map((m) => m[1]));
      for (const route of ['/v1/orders/:id', '/v1/tickets/:id', '/v1/reservations/:id', 'unmatched'])
        expect([...routes]).toContain(route);
      for (const route of routes) expect(route === 'unmatched' || route.startsWith('/')).toBe(true);
      expect([...routes].filter((r) => r.includes('no-such') || r.includes('missing'))).toEqual([]);
      expect([...routes]).not.toContain('/:id');
    });
  });

  describe('refresh-token families', () => {
    it('reusing a rotated refresh token revokes its whole family (recorded in the log)', async () => {
      const email = `family-${Date.now()}@example.test`;
      const password = 'family-password-1';
      const reg = await t.call('POST', '/v1/auth/register', { body: { email, password, name: 'Fam' } });
      expect(reg.status).toBe(201);
      const login = async () =>
        (await t.call('POST', '/v1/auth/token', { body: { grant_type: 'password', email, password } })).body
          .refresh_token as string;
      const refresh = (token: string, via = '/v1/auth/token') =>
        t.call('POST', via, { body: { grant_type: 'refresh_token', refresh_token: token } });

      const first = await login();
      const otherDevice = await login(); // another sign-in: another family
      const second = await refresh(first);
      expect(second.status).toBe(200);
      const third = await refresh(second.body.refresh_token, '/oauth/token');
      expect(third.status).toBe(200);

      // The stolen copy of `first` comes back: refused, and the family dies with it.
      expectEnvelope(await refresh(first), 401, 'INVALID_GRANT');
      expectEnvelope(await refresh(third.body.refresh_token), 401, 'INVALID_GRANT');
      expectEnvelope(await refresh(second.body.refresh_token), 401, 'INVALID_GRANT');
      expect((await refresh(otherDevice)).status).toBe(200);

      const log = await t.app.store.readStream(`customer-${reg.body.user_id}`);
      const revoked = log.filter((e) => e.type === 'RefreshTokenFamilyRevoked');
      expect(revoked).toHaveLength(1);
      expect((revoked[0].data as any).revokedTokenIds).toHaveLength(3);
      expect(JSON.stringify(log)).not.toContain(first.split('.')[2]); // secrets are never recorded raw
    });
  });

  describe('Cache-Control: no-store on answers carrying tokens, card references, barcodes or QR codes (item 7)', () => {
    const noStore = (res: { headers: Headers; status: number }, what: string) =>
      expect([what, res.status, res.headers.get('cache-control')]).toEqual([
        what,
        res.status,
        expect.stringContaining('no-store'),
      ]);

    it('tokens, registration, payment methods, orders, tickets and transfers, errors included', async () => {
      const email = `cache-${Date.now()}@example.test`;
      const password = 'cache-password-1';
      noStore(
        await t.call('POST', '/v1/auth/register', { body: { email, password, name: 'C' } }),
        'register',
      );
      const login = await t.call('POST', '/v1/auth/token', {
        body: { grant_type: 'password', email, password },
      });
      noStore(login, 'token');
      noStore(
        await t.call('POST', '/oauth/token', { body: { grant_type: 'password', email, password } }),
        'oauth token',
      );
      noStore(
        await t.call('POST', '/oauth/token', {
          body: { grant_type: 'password', email, password: 'wrong-pw' },
        }),
        'oauth token refused',
      );
      const token = login.body.access_token as string;
      noStore(
        await t.call('POST', '/v1/payment-methods', {
          token,
          body: { type: 'CARD', card_token: 'tok_visa' },
        }),
        'add card',
      );
      noStore(await t.call('GET', '/v1/payment-methods', { token }), 'list cards');
      noStore(await t.call('GET', '/v1/orders', { token }), 'orders');
      noStore(await t.call('GET', '/v1/orders/nope', { token }), 'order 404');
      noStore(await t.call('GET', '/v1/tickets/nope', { token }), 'ticket 404');
      noStore(await t.call('POST', '/v1/transfers/nope/accept', { token }), 'accept 404');
      // A public catalog answer carries none of these and stays cacheable.
      expect((await t.call('GET', '/healthz')).headers.get('cache-control') ?? '').not.toContain('no-store');
    });
  });

  describe('transfers versus the buyer cancelling (item 6: the whole order or nothing)', () => {
    let eventId: string;
    beforeAll(async () => {
      ({ eventId } = await createEvent(t.call, admin));
    });

    const buy = async (token: string, seats: string[]) => {
      const card = await addCard(t.call, token);
      const reservationId = await reserve(t.call, token, eventId, seats);
      const placed = await t.call('POST', '/v1/orders', {
        token,
        body: { reservation_id: reservationId, payment_method_id: card },
      });
      expect(placed.status).toBe(201);
      const orderId = placed.body.order_id as string;
      const done = await pollUntil(
        t.call,
        `/v1/orders/${orderId}`,
        token,
        (r) => r.body?.status === 'CONFIRMED' && r.body.tickets.length === seats.length,
      );
      noStoreCheck(done);
      return { orderId, tickets: done.body.tickets as Array<{ ticket_id: string; barcode: string }> };
    };
    const noStoreCheck = (res: { headers: Headers }) =>
      expect(res.headers.get('cache-control')).toContain('no-store');
    const transfer = (token: string, ticketId: string, recipientEmail: string) =>
      t.call('POST', `/v1/tickets/${ticketId}/transfer`, {
        token,
        body: { recipient_email: recipientEmail, recipient_name: 'Friend' },
      });
    const cancel = (token: string, orderId: string) =>
      t.call('POST', `/v1/orders/${orderId}/cancel`, { token });

    it('pending transfer -> 409 TRANSFER_PENDING; accepted -> 409 ORDER_HAS_TRANSFERRED_TICKETS; the recipient keeps a valid ticket', async () => {
      const buyer = await t.customerToken();
      const friendEmail = `friend-${Date.now()}@example.test`;
      const friend = await t.customerToken(friendEmail);
      const { orderId, tickets } = await buy(buyer.token, ['s1:A:1', 's1:A:2']);

      const requested = await transfer(buyer.token, tickets[0].ticket_id, friendEmail);
      expect(requested.status).toBe(200);
      noStoreCheck(requested);
      const pending = await cancel(buyer.token, orderId);
      expectEnvelope(pending, 409, 'TRANSFER_PENDING');
      expect(pending.body.error.details.transfer_ids).toEqual([requested.body.transfer_id]);

      const accepted = await t.call('POST', `/v1/transfers/${requested.body.transfer_id}/accept`, {
        token: friend.token,
      });
      expect(accepted.status).toBe(200);
      noStoreCheck(accepted);
      const refused = await cancel(buyer.token, orderId);
      expectEnvelope(refused, 409, 'ORDER_HAS_TRANSFERRED_TICKETS');
      expect(refused.body.error.details.ticket_ids).toEqual([tickets[0].ticket_id]);

      // Nothing was cancelled or refunded; the recipient's ticket is valid and shows its QR code.
      const log = await t.app.store.readStream(`order-${orderId}`);
      expect(log.map((e) => e.type)).not.toContain('OrderCancelled');
      const friendsTicket = await t.call('GET', `/v1/tickets/${accepted.body.ticket_id}`, {
        token: friend.token,
        headers: { 'x-min-log-position': accepted.headers.get('x-log-position')! },
      });
      expect(friendsTicket.body).toMatchObject({ status: 'ACTIVE', qr_code: expect.any(String) });
      noStoreCheck(friendsTicket);

      // The organiser cancels the event: the buyer, who paid, gets everything back; no ticket stays valid.
      expect((await t.call('POST', `/v1/admin/events/${eventId}/cancel`, { token: admin })).status).toBe(200);
      const refunded = await pollUntil(
        t.call,
        `/v1/orders/${orderId}`,
        buyer.token,
        (r) => r.body?.status === 'CANCELLED' && r.body.refund_status === 'COMPLETED',
      );
      expect(refunded.body.refund_amount).toBe(refunded.body.total);
      const voided = await pollUntil(
        t.call,
        `/v1/tickets/${accepted.body.ticket_id}`,
        friend.token,
        (r) => r.body?.status === 'VOID',
      );
      expect(voided.body.qr_code).toBeNull();
      const report = await checkInvariants(t.app.store);
      expect(report.money.problems).toEqual([]);
    });
  });

  it('a transfer taken back restores the right to cancel: full refund, everything voided', async () => {
    const { eventId } = await createEvent(t.call, admin);
    const buyer = await t.customerToken();
    const card = await addCard(t.call, buyer.token);
    const reservationId = await reserve(t.call, buyer.token, eventId, ['s1:B:1', 's1:B:2']);
    const placed = await placeOrder(t.call, buyer.token, reservationId, card);
    const orderId = placed.body.order_id as string;
    const done = await pollUntil(
      t.call,
      `/v1/orders/${orderId}`,
      buyer.token,
      (r) => r.body?.status === 'CONFIRMED' && r.body.tickets.length === 2,
    );
    const ticketId = done.body.tickets[0].ticket_id as string;
    const requested = await t.call('POST', `/v1/tickets/${ticketId}/transfer`, {
      token: buyer.token,
      body: { recipient_email: 'someone@example.test', recipient_name: 'Someone' },
    });
    expect(requested.status).toBe(200);
    expect(
      (await t.call('DELETE', `/v1/transfers/${requested.body.transfer_id}`, { token: buyer.token })).status,
    ).toBe(204);
    const cancelled = await t.call('POST', `/v1/orders/${orderId}/cancel`, { token: buyer.token });
    expect(cancelled.status).toBe(200);
    expect(cancelled.body.refund_amount).toBe(done.body.total);
    // The cancelled order starts no transfer any more (refused by the order even before the saga voids it).
    const late = await t.call('POST', `/v1/tickets/${done.body.tickets[1].ticket_id}/transfer`, {
      token: buyer.token,
      body: { recipient_email: 'someone@example.test', recipient_name: 'Someone' },
    });
    expectEnvelope(late, 409, 'TICKET_NOT_TRANSFERABLE');
  });
});

describe('trust proxy and the rate-limit key', () => {
  const exhaustAuthLimit = async (t: TestApp, forwardedFor: (i: number) => string) => {
    const statuses: number[] = [];
    for (let i = 0; i < 31; i += 1) {
      const res = await t.call('POST', '/v1/auth/token', {
        body: { grant_type: 'nope' },
        headers: { 'x-forwarded-for': forwardedFor(i) },
      });
      statuses.push(res.status);
    }
    return statuses;
  };

  it('off by default: X-Forwarded-For from a loopback client does not reset the per-address budget', async () => {
    const t = await startTestApp({ env: { RATE_LIMITS: 'on' } });
    try {
      const statuses = await exhaustAuthLimit(t, (i) => `203.0.113.${i + 1}`);
      expect(statuses.slice(0, 30).every((s) => s === 400)).toBe(true);
      expect(statuses[30]).toBe(429);
    } finally {
      await t.close();
    }
  });

  it('TRUST_PROXY=loopback: the forwarded client address is the key (behind a configured proxy)', async () => {
    const t = await startTestApp({ env: { RATE_LIMITS: 'on', TRUST_PROXY: 'loopback' } });
    try {
      expect(t.app.config.trustProxy).toEqual(['loopback']);
      const statuses = await exhaustAuthLimit(t, () => '203.0.113.7');
      expect(statuses[30]).toBe(429);
      // Another client behind the same proxy has its own budget.
      const other = await t.call('POST', '/v1/auth/token', {
        body: { grant_type: 'nope' },
        headers: { 'x-forwarded-for': '203.0.113.8' },
      });
      expect(other.status).toBe(400);
    } finally {
      await t.close();
    }
  });
});

describe('shutdown with a closed stdout (node dist/src/main.js | head -1)', () => {
  const dir = tmpDir();
  let server: Awaited<ReturnType<typeof startChildServer>> | undefined;
  // Also after a timeout (the failure mode): a hung child must not outlive the test.
  afterAll(() => {
    if (server && server.process.exitCode === null && server.process.signalCode === null)
      server.process.kill('SIGKILL');
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('SIGTERM still stops the process: a log line that cannot be written never blocks the exit', async () => {
    server = await startChildServer(dir);
    // Our end of its stdout pipe goes away, as when `head -1` has read its line: every write now fails (EPIPE).
    server.process.stdout!.destroy();
    await fetch(`${server.baseUrl}/health`).catch(() => undefined);
    server.process.kill('SIGTERM');
    // Before the fix the process looped forever flushing the log on exit; jest's timeout is the failure.
    expect(await server.exited).toBe(0);
  }, 30_000);
});

describe('a second server on a port in use', () => {
  const dirs = [tmpDir(), tmpDir()];
  let server: Awaited<ReturnType<typeof startChildServer>> | undefined;
  afterAll(() => {
    if (server && server.process.exitCode === null) server.process.kill('SIGKILL');
    for (const dir of dirs) fs.rmSync(dir, { recursive: true, force: true });
  });

  it('stops at once with one line naming the port, not a stack (exit 1)', async () => {
    server = await startChildServer(dirs[0]);
    const port = new URL(server.baseUrl).port;
    const dist = process.env.TEST_SERVER_DIST ?? path.join(__dirname, '../../dist');
    const second = spawnSync(process.execPath, [path.join(dist, 'src', 'main.js')], {
      env: { ...process.env, DATA_DIR: dirs[1], PORT: port, HOST: '127.0.0.1', LOG_LEVEL: 'silent' },
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect(second.status).toBe(1);
    expect(second.stderr.trim()).toBe(
      `Start-up failed: cannot listen on 127.0.0.1:${port}: the port is in use (set PORT to another one)`,
    );
  }, 90_000);

  it('a HOST that names no address stops at once with one line too', () => {
    const dist = process.env.TEST_SERVER_DIST ?? path.join(__dirname, '../../dist');
    const run = spawnSync(process.execPath, [path.join(dist, 'src', 'main.js')], {
      env: { ...process.env, DATA_DIR: dirs[1], PORT: '0', HOST: '999.1.1.1', LOG_LEVEL: 'silent' },
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect(run.status).toBe(1);
    expect(run.stderr.trim()).toMatch(
      /^Start-up failed: cannot listen on HOST 999\.1\.1\.1: no address of this machine has that name \((ENOTFOUND|EAI_AGAIN)\)$/,
    );
  }, 90_000);
});

describe('/metrics with METRICS_TOKEN', () => {
  it('the configured token is accepted (compared in constant time), any other refused', async () => {
    const token = 'scraper-token-0123456789abcdef-0123456789';
    const t = await startTestApp({ env: { METRICS_TOKEN: token } });
    try {
      expect((await t.call('GET', '/metrics', { token })).status).toBe(200);
      expectEnvelope(await t.call('GET', '/metrics', { token: `${token}x` }), 401, 'UNAUTHORIZED');
      expect((await t.call('GET', '/metrics', { token: await t.adminToken() })).status).toBe(200);
    } finally {
      await t.close();
    }
  });

  it('metricsAccess on its own: token, admin, customer, nothing', async () => {
    const tokens = new JwtAccessTokens('metrics-access-test-secret-0123456789abcdef');
    const app = express();
    app.use(requestId);
    app.get('/metrics', metricsAccess(tokens, 'm'.repeat(40)), (_req, res) => {
      res.send('ok');
    });
    app.use(errorHandler(createLogger('silent')));
    const server = http.createServer(app);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const call = apiClient(`http://127.0.0.1:${(server.address() as AddressInfo).port}`);
    try {
      const as = (role: 'admin' | 'customer') =>
        tokens.issue({ sub: role, email: `${role}@example.test`, role }, 60).token;
      expect((await call('GET', '/metrics', { token: 'm'.repeat(40) })).status).toBe(200);
      expect((await call('GET', '/metrics', { token: as('admin') })).status).toBe(200);
      expectEnvelope(await call('GET', '/metrics', { token: as('customer') }), 403, 'FORBIDDEN');
      expectEnvelope(await call('GET', '/metrics', { token: 'm'.repeat(39) }), 401, 'UNAUTHORIZED');
      expectEnvelope(await call('GET', '/metrics'), 401, 'UNAUTHORIZED');
    } finally {
      await new Promise((r) => server.close(r));
    }
  });
});
