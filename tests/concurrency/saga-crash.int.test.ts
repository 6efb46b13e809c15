import { spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { checkInvariants } from '../../src/application/audit/invariants';
import { orderIdFor } from '../../src/application/orders/order-service';
import { SAGA_QUEUES } from '../../src/application/sagas/order-sagas';
import { retryDelayMs } from '../../src/application/ports/message-bus';
import { SqliteEventStore } from '../../src/infrastructure/eventstore/sqlite/sqlite-event-store';
import { TestPaymentGateway } from '../../src/infrastructure/payments/test-payment-gateway';
import { startChildServer, tokensFor, type ChildServer } from '../support/child-server';
import { createEvent } from '../support/fixtures';
import { apiClient, type ApiCall } from '../support/http';
import { addCard } from '../support/purchase';
import { deleteTopology, rabbitMqSuite } from '../support/rabbitmq';

/**
 * Fault injection (issue 8): the compiled server as a child process, 20 buyers reserving and ordering at once, the
 * server SIGKILLed at a named saga step (CRASH_AT, honoured only with ALLOW_FAULT_INJECTION=1) or from outside in
 * the middle of the burst, then restarted on the same data directory. After every restart each order must reach a
 * terminal state within a bound; at the end each confirmed order has exactly one capture (in the log and at the
 * gateway) and its tickets, no seat is sold twice, and the compiled replay script exits 0.
 */

const ROOT = path.resolve(__dirname, '..', '..');
const BUYERS = 20;
/** Every step the sagas pass, plus the gap between authorize and the OrderPlaced append, plus kills from outside. */
const KILL_POINTS = [
  'after-authorize:4',
  'before-sell:3',
  'after-sell:5',
  'after-capture:4',
  'before-tickets:3',
  'after-tickets:6',
  'after-refund:1',
  'external',
  'external',
];
/** How long, after a restart, every order may take to become terminal. */
const TERMINAL_WITHIN_MS = 20_000;
const SAGA_RETRY_DELAY_MS = 100;
const SAGA_MAX_RETRIES = 5;

interface Placed {
  orderId: string;
  token: string;
  seats: number;
  /** The POST /v1/orders answered 201 (the order must exist); otherwise it may or may not. */
  acknowledged: boolean;
}

function faultTest(bus: string, extraEnv: () => Record<string, string>, afterAll?: () => Promise<void>) {
  describe(`SIGKILL at every saga step, ${bus} bus`, () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), `ticketing-saga-crash-${bus}-`));
    let server: ChildServer | undefined;
    const baseEnv = () => ({
      ...extraEnv(),
      ADMIN_EMAIL: 'admin@saga-crash.test',
      ADMIN_PASSWORD: 'admin-password-123',
      SAGA_RETRY_DELAY_MS: String(SAGA_RETRY_DELAY_MS),
      SAGA_MAX_RETRIES: String(SAGA_MAX_RETRIES),
      // The watchdog is the second line: it must not be what finishes orders within the bound here.
      ORDER_WATCHDOG_AFTER_MS: '15000',
      ORDER_WATCHDOG_INTERVAL_MS: '1000',
      ALLOW_FAULT_INJECTION: '1',
      LOG_LEVEL: 'info',
    });

    const kill = async () => {
      if (server && server.process.exitCode === null && server.process.signalCode === null) {
        server.process.kill('SIGKILL');
        await server.exited;
      }
    };

    afterEach(kill);
    if (afterAll) globalThis.afterAll(afterAll);
    globalThis.afterAll(() => fs.rmSync(dataDir, { recursive: true, force: true }));

    it('every order ends terminal, captured once, ticketed, no seat twice; replay is clean', async () => {
      server = await startChildServer(dataDir, baseEnv());
      let call = apiClient(server.baseUrl);
      const login = await call('POST', '/v1/auth/token', {
        body: { grant_type: 'password', email: 'admin@saga-crash.test', password: 'admin-password-123' },
      });
      expect(login.status).toBe(200);
      const rows = 'ABCDEFGHIJKLMNOPQRST'.split('');
      const { eventId } = await createEvent(call, login.body.access_token, {
        sections: [{ name: 'Main', rows: rows.map((row) => ({ row, seats: 25 })) }],
        tiers: [{ name: 'Main', price: 40, fees: 4, sections: ['Main'] }],
        maxTicketsPerOrder: 10,
        restrictSingleSeat: false,
      });
      const seatIds = rows.flatMap((row) => Array.from({ length: 25 }, (_, i) => `s1:${row}:${i + 1}`));
      const tokens = tokensFor(dataDir);
      const admin = tokens.issue(
        { sub: 'auditor', email: 'audit@saga-crash.test', role: 'admin' },
        3600,
      ).token;
      const buyers = await Promise.all(
        Array.from({ length: BUYERS }, async (_, n) => {
          const email = `b${n}@saga-crash.test`;
          const password = `buyer-password-${n}`;
          const registered = await call('POST', '/v1/auth/register', {
            body: { email, password, name: `Buyer ${n}` },
          });
          expect(registered.status).toBe(201);
          const login = await call('POST', '/v1/auth/token', {
            body: { grant_type: 'password', email, password },
          });
          const token = login.body.access_token as string;
          return { token, card: await addCard(call, token) };
        }),
      );
      await kill();

      const orders = new Map<string, Placed>();
      const cancelled = new Set<string>();
      const timings: Array<{ after: string; ms: number }> = [];
      let round = 0;

      for (const point of KILL_POINTS) {
        const external = point === 'external';
        server = await startChildServer(dataDir, {
          ...baseEnv(),
          ...(external ? {} : { CRASH_AT: point }),
        });
        call = apiClient(server.baseUrl);
        const died = server.exited;
        let dead = false;
        void died.then(() => (dead = true));
        let answered = 0;

        // Cancel two confirmed orders from earlier rounds (drives the cancellation saga and its refund step).
        const toCancel = [...orders.values()]
          .filter((o) => o.acknowledged && !cancelled.has(o.orderId))
          .slice(0, 2);
        const cancels = toCancel.map(async (order) => {
          const res = await call('POST', `/v1/orders/${order.orderId}/cancel`, {
            token: order.token,
            body: {},
          }).catch(() => undefined);
          if (res?.status === 200) cancelled.add(order.orderId);
        });

        const burst = buyers.map(async ({ token, card }, n) => {
          const first = (round * BUYERS + n) * 2;
          try {
            const hold = await call('POST', '/v1/seats/reserve', {
              token,
              body: { event_id: eventId, seat_ids: seatIds.slice(first, first + 2) },
            });
            if (hold.status !== 201) return;
            const orderId = orderIdFor(hold.body.reservation_id);
            orders.set(orderId, { orderId, token, seats: 2, acknowledged: false });
            const res = await call('POST', '/v1/orders', {
              token,
              body: {
                reservation_id: hold.body.reservation_id,
                payment_method_id: card,
                delivery_method: 'MOBILE',
              },
            });
            if (res.status === 201) {
              orders.get(orderId)!.acknowledged = true;
              answered += 1;
            }
          } catch {
            // connection reset by the kill
          }
        });
        let settled = false;
        const all = Promise.all([...burst, ...cancels]).then(() => (settled = true));
        if (external) {
          // From outside, at a moment that depends on the race: after the 8th order was acknowledged.
          while (answered < 8 && !dead && !settled) await new Promise((r) => setTimeout(r, 2));
          await kill();
        }
        await all;
        // A named kill point must actually be reached; its line is written before the kill.
        const deadline = Date.now() + 15_000;
        while (!dead && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
        if (!external) {
          const step = point.split(':')[0];
          expect([point, server.output()]).toEqual([point, expect.stringContaining(`SIGKILL at ${step}`)]);
        }
        await kill();
        round += 1;

        // Recover: no crash point; every order known so far must become terminal within the bound.
        server = await startChildServer(dataDir, baseEnv());
        call = apiClient(server.baseUrl);
        const started = Date.now();
        await allTerminal(call, admin, orders);
        timings.push({ after: point, ms: Date.now() - started });
        // The sagas finished every order, not the watchdog. (Releasing a payment attempt whose POST was killed
        // before its order existed is the watchdog's job, and may happen here once such an attempt is old enough.)
        expect(server.output()).not.toMatch(
          /order watchdog: (driving a stuck order|order failed|cannot finish)/,
        );
        await kill();
      }

      // Final run: shut down cleanly, then audit the log, the gateway and run the compiled replay. Its watchdog
      // releases at once the payment attempts the kills left behind (POSTs killed after recording theirs).
      server = await startChildServer(dataDir, { ...baseEnv(), ORDER_WATCHDOG_AFTER_MS: '500' });
      call = apiClient(server.baseUrl);
      const finalStates = await allTerminal(call, admin, orders);
      // No money left held at the gateway: every authorization it made was captured or voided.
      const gatewayFile = path.join(dataDir, 'test-payment-gateway.sqlite');
      const held = () => {
        const db = new Database(gatewayFile, { readonly: true, fileMustExist: true });
        try {
          return db
            .prepare<[], { key: string; value: string }>(
              "SELECT key, value FROM gateway_records WHERE kind = 'authorization'",
            )
            .all()
            .filter((row) => {
              const record = JSON.parse(row.value) as { voided: boolean; captures: Record<string, number> };
              return !record.voided && Object.keys(record.captures).length === 0;
            })
            .map((row) => row.key);
        } finally {
          db.close();
        }
      };
      const heldUntil = Date.now() + TERMINAL_WITHIN_MS;
      while (held().length > 0 && Date.now() < heldUntil) await new Promise((r) => setTimeout(r, 100));
      expect(held()).toEqual([]);
      server.process.kill('SIGTERM');
      expect(await server.exited).toBe(0);

      const store = new SqliteEventStore(path.join(dataDir, 'events.sqlite'));
      const report = await checkInvariants(store);
      const log = await store.readAll({ fromPosition: 0, maxCount: 1_000_000 });
      await store.close();
      expect(report.seats.violations).toEqual([]);
      expect(report.money.problems).toEqual([]);
      expect(report.orders.missingTickets).toEqual([]);
      expect(report.orders.pending).toBe(0);
      expect(report.orders.authorizing).toBe(0);
      expect(report.ok).toBe(true);

      // The gateway's own records agree with the log: a captured order has exactly one capture there, of its
      // total; an order captured nowhere in the log has none (no money taken behind the log's back).
      const placed = new Map<string, { authorizationId: string; totalCents: number }>();
      const capturedInLog = new Map<string, number>();
      for (const event of log) {
        const data = event.data as { orderId: string; authorizationId: string; totalCents: number };
        if (event.type === 'OrderPlaced') placed.set(data.orderId, data);
        if (event.type === 'PaymentCaptured')
          capturedInLog.set(data.orderId, (capturedInLog.get(data.orderId) ?? 0) + 1);
      }
      expect(placed.size).toBe([...finalStates.values()].filter((s) => s.status !== 'NEVER_PLACED').length);
      const gateway = new TestPaymentGateway({ file: path.join(dataDir, 'test-payment-gateway.sqlite') });
      try {
        for (const [orderId, order] of placed) {
          const record = gateway.authorizationRecord(order.authorizationId);
          const expected = capturedInLog.has(orderId) ? { [`capture:${orderId}`]: order.totalCents } : {};
          expect([orderId, capturedInLog.get(orderId) ?? 0, record?.captures]).toEqual([
            orderId,
            capturedInLog.has(orderId) ? 1 : 0,
            expected,
          ]);
        }
      } finally {
        gateway.close();
      }

      // The same build as the server's (TEST_SERVER_DIST: see startChildServer).
      const dist = process.env.TEST_SERVER_DIST ?? path.join(ROOT, 'dist');
      const replay = spawnSync(process.execPath, [path.join(dist, 'scripts', 'replay.js')], {
        cwd: ROOT,
        env: { ...process.env, DATA_DIR: dataDir },
        encoding: 'utf8',
        timeout: 60_000,
      });
      expect([replay.status, replay.stderr]).toEqual([0, '']);

      const confirmed = [...finalStates.values()].filter((s) => s.status === 'CONFIRMED').length;
      const longest = Math.max(...timings.map((t) => t.ms));
      console.log(
        `[saga-crash ${bus}] kill points: ${KILL_POINTS.length} (${KILL_POINTS.join(', ')}); orders: ${orders.size} ` +
          `(${confirmed} confirmed, ${report.orders.cancelled} cancelled, ${report.orders.failed} failed); ` +
          `longest time to all-terminal after a restart: ${longest} ms; per restart: ${timings.map((t) => `${t.after}=${t.ms}ms`).join(' ')}`,
      );
      expect(confirmed).toBeGreaterThan(BUYERS);
      expect(report.orders.cancelled).toBeGreaterThan(0);
    }, 240_000);
  });
}

interface FinalState {
  status: string;
}

/**
 * Polls until every known order is terminal: CONFIRMED with a ticket per seat, FAILED, or CANCELLED with its refund
 * done (REFUNDED or VOIDED). An order whose POST was never acknowledged may not exist (the kill came first).
 */
async function allTerminal(
  call: ApiCall,
  admin: string,
  orders: Map<string, Placed>,
): Promise<Map<string, FinalState>> {
  const deadline = Date.now() + TERMINAL_WITHIN_MS;
  const done = new Map<string, FinalState>();
  for (;;) {
    const open: string[] = [];
    for (const order of orders.values()) {
      if (done.has(order.orderId)) continue;
      const res = await call('GET', `/v1/orders/${order.orderId}`, { token: admin });
      if (res.status === 404 && !order.acknowledged) {
        done.set(order.orderId, { status: 'NEVER_PLACED' });
        continue;
      }
      const body = res.body;
      const terminal =
        res.status === 200 &&
        ((body.status === 'CONFIRMED' && body.tickets.length === order.seats) ||
          body.status === 'FAILED' ||
          (body.status === 'CANCELLED' && ['REFUNDED', 'VOIDED'].includes(body.payment_status)));
      if (terminal) done.set(order.orderId, { status: body.status });
      else
        open.push(
          `${order.orderId}: ${res.status} ${body?.status}/${body?.payment_status}/${body?.tickets?.length}`,
        );
    }
    if (open.length === 0) return done;
    if (Date.now() > deadline)
      throw new Error(`orders not terminal in ${TERMINAL_WITHIN_MS} ms:\n${open.join('\n')}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

faultTest('in-process', () => ({}));

const namespace = `saga-crash-${randomUUID().slice(0, 8)}`;
rabbitMqSuite('saga crash on RabbitMQ', (url) => {
  const queues = Object.values(SAGA_QUEUES).flatMap((q) => {
    const name = `${namespace}.${q}`;
    return [
      name,
      `${name}.dlq`,
      ...Array.from(
        { length: SAGA_MAX_RETRIES },
        (_, i) => `${name}.retry.${retryDelayMs(SAGA_RETRY_DELAY_MS, i + 1)}`,
      ),
    ];
  });
  faultTest(
    'RabbitMQ',
    () => ({ AMQP_URL: url, BUS_NAMESPACE: namespace }),
    () => deleteTopology(url, queues, [`${namespace}.events`]),
  );
});
