import path from 'node:path';
import { checkInvariants } from '../../src/application/audit/invariants';
import type { RecordedEvent } from '../../src/application/ports/event-store';
import { SqliteEventStore } from '../../src/infrastructure/eventstore/sqlite/sqlite-event-store';
import { appWithSagaHeldAt } from '../support/held-saga';
import { orderTwoSeats, pollUntil } from '../support/purchase';
import { startTestApp, type TestApp } from '../support/test-app';

/**
 * Earlier versions confirmed an order first and recorded its tickets afterwards (the fulfillment saga), so their
 * logs can hold an order CONFIRMED without tickets: in flight when they stopped, or left by a crash. Such an order is
 * finished by today's code either way: by a payment saga still in flight (its confirmation then records the tickets)
 * or, with nothing in flight, by the watchdog's fulfillment re-drive. The old confirmation is appended here by hand,
 * as the earlier version wrote it, behind the back of this process's caches (as another process would).
 */
async function legacyConfirm(t: TestApp, orderId: string): Promise<void> {
  const stream = `order-${orderId}`;
  const log = await t.app.store.readStream(stream);
  const placed = log.find((e) => e.type === 'OrderPlaced') as RecordedEvent<Record<string, unknown>>;
  expect(log.map((e) => e.type)).toContain('PaymentCaptured');
  // On a connection of its own to the file, as the earlier version's process had.
  const earlier = new SqliteEventStore(path.join(t.dataDir, 'events.sqlite'));
  try {
    await earlier.append(
      stream,
      [
        {
          id: `legacy-confirm-${orderId}`,
          type: 'OrderConfirmed',
          data: { ...placed.data, confirmedAt: new Date().toISOString() },
          metadata: {
            correlationId: orderId,
            causationId: 'legacy',
            userId: 'saga:payment',
            schemaVersion: 1,
          },
        },
      ],
      { expectedRevision: log[log.length - 1].revision },
    );
  } finally {
    await earlier.close();
  }
}

async function orderAwaitingTickets(t: TestApp, untilHeld: () => Promise<boolean>) {
  const placed = await orderTwoSeats(t);
  expect(await untilHeld()).toBe(true);
  return placed;
}

const confirmedWithTickets = (t: TestApp, orderId: string, token: string) =>
  pollUntil(t.call, `/v1/orders/${orderId}`, token, (r) => r.body?.status === 'CONFIRMED');

describe('orders confirmed without tickets by an earlier version', () => {
  describe('with the payment saga still in flight', () => {
    let t: TestApp;
    const saga = appWithSagaHeldAt('before-tickets', (app) => (t = app));

    it("the saga's confirmation records the tickets on the confirmed order", async () => {
      const { orderId, fan } = await orderAwaitingTickets(t, saga.untilHeld);
      await legacyConfirm(t, orderId);
      saga.release();
      const done = await confirmedWithTickets(t, orderId, fan.token);
      expect(done.body.tickets).toHaveLength(2);
      const types = (await t.app.store.readStream(`order-${orderId}`)).map((e) => e.type);
      expect(types.slice(-2)).toEqual(['OrderConfirmed', 'TicketsIssued']);
      expect(types.filter((type) => type === 'OrderConfirmed')).toHaveLength(1);
      expect((await checkInvariants(t.app.store)).violations).toEqual([]);
    });
  });

  describe('with nothing in flight', () => {
    let t: TestApp;
    let failing = true;
    let reached = false;
    beforeAll(async () => {
      t = await startTestApp({
        env: {
          SAGA_MAX_RETRIES: '0', // the failed step is dead-lettered: only the watchdog can finish the order
          ORDER_WATCHDOG_AFTER_MS: '100',
          ORDER_WATCHDOG_INTERVAL_MS: '3600000',
        },
        overrides: {
          sagas: {
            faults: (step) => {
              if (!failing || step !== 'before-tickets') return;
              reached = true;
              throw new Error('simulated crash before the tickets');
            },
          },
        },
      });
    });
    afterAll(() => t?.close());

    it("the watchdog's fulfillment re-drive issues the tickets and records them", async () => {
      const { orderId, fan } = await orderAwaitingTickets(t, async () => {
        for (let i = 0; i < 200 && !reached; i += 1) await new Promise((r) => setTimeout(r, 25));
        return reached;
      });
      await legacyConfirm(t, orderId);
      failing = false;
      await t.app.runner.catchUp();
      await new Promise((r) => setTimeout(r, 150)); // older than ORDER_WATCHDOG_AFTER_MS
      expect(await t.app.watchdog.sweep()).toMatchObject({ redriven: 1, failed: 0 });
      const done = await confirmedWithTickets(t, orderId, fan.token);
      expect(done.body.tickets).toHaveLength(2);
      const log = await t.app.store.readStream(`order-${orderId}`);
      const issued = log[log.length - 1];
      expect(issued.type).toBe('TicketsIssued');
      expect(issued.metadata.userId).toBe('saga:watchdog');
      // Driven as the fulfillment step it is (the order read afresh, not as this process had cached it).
      expect(issued.metadata.causationId).toBe(`watchdog:${orderId}:fulfillment:1`);
      expect((await checkInvariants(t.app.store)).violations).toEqual([]);
    });
  });
});
