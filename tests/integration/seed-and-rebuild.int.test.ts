import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { seed } from '../../scripts/seed';
import { checkInvariants } from '../../src/application/audit/invariants';
import { loadConfig } from '../../src/infrastructure/config/config';
import { SqliteEventStore } from '../../src/infrastructure/eventstore/sqlite/sqlite-event-store';
import { MemoryReadStore } from '../../src/infrastructure/readstore/memory/memory-read-store';
import { allProjections } from '../../src/projections';
import { ProjectionRunner } from '../../src/projections/projection-runner';
import { createEvent } from '../support/fixtures';
import { addCard, pollUntil, reserve } from '../support/purchase';
import { startTestApp } from '../support/test-app';

describe('npm run seed', () => {
  it('creates the demo catalog (a 50,000-seat stadium, the partner test event) and is idempotent', async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ticketing-seed-'));
    try {
      const config = loadConfig({ DATA_DIR: dataDir, LOG_LEVEL: 'silent' });
      const first = await seed(config);
      expect(first['event 000051048D991EE7']).toBe('created');
      const store = new SqliteEventStore(path.join(dataDir, 'events.sqlite'));
      const head = await store.headPosition();
      const stadium = await store.readStream('event-demo-stadium-onsale');
      expect((stadium[0].data as { capacity: number }).capacity).toBe(50_000);
      await store.close();

      const second = await seed(config);
      expect(Object.values(second).every((v) => v === 'existed')).toBe(true);
      const again = new SqliteEventStore(path.join(dataDir, 'events.sqlite'));
      expect(await again.headPosition()).toBe(head); // running it twice changes nothing
      await again.close();
    } finally {
      fs.rmSync(dataDir, { recursive: true, force: true });
    }
  }, 60_000);
});

describe('rebuilding read models from the log', () => {
  it('gives documents identical to the live, incrementally updated ones; invariants hold', async () => {
    const t = await startTestApp();
    try {
      const admin = await t.adminToken();
      const { eventId } = await createEvent(t.call, admin);
      await createEvent(t.call, admin, { name: 'Draft Only', publish: false });
      const fan = await t.customerToken();
      const card = await addCard(t.call, fan.token);
      await reserve(t.call, fan.token, eventId, ['s1:B:5', 's1:B:6']);
      const released = await reserve(t.call, fan.token, eventId, ['s2:A:1', 's2:A:2']);
      await t.call('DELETE', `/v1/reservations/${released}`, { token: fan.token });
      const sold = await reserve(t.call, fan.token, eventId, ['s1:A:1', 's1:A:2']);
      const order = await t.call('POST', '/v1/orders', {
        token: fan.token,
        body: { reservation_id: sold, payment_method_id: card },
      });
      await pollUntil(
        t.call,
        `/v1/orders/${order.body.order_id}`,
        fan.token,
        (r) => r.body?.status === 'CONFIRMED' && r.body.tickets.length === 2,
      );
      await t.app.runner.catchUp();

      const rebuilt = new MemoryReadStore();
      const runner = new ProjectionRunner(t.app.store, rebuilt, allProjections());
      await runner.start();
      await runner.catchUp();
      await runner.stop();

      const live = t.app.readStore;
      const names = await live.collectionNames();
      expect(await rebuilt.collectionNames()).toEqual(names);
      expect(names).toEqual(
        expect.arrayContaining(['events', 'seat_maps', 'reservations', 'orders', 'tickets', 'venues']),
      );
      for (const name of names) {
        const byId = (docs: Array<{ _id: string }>) => [...docs].sort((a, b) => a._id.localeCompare(b._id));
        expect([name, byId(await rebuilt.collection(name).all())]).toEqual([
          name,
          byId(await live.collection(name).all()),
        ]);
      }
      const report = await checkInvariants(t.app.store);
      expect(report.ok).toBe(true);
      expect(report.orders.confirmed).toBe(1);
      expect(report.money.capturedCents).toBe(report.money.confirmedOrderCents);
    } finally {
      await t.close();
    }
  }, 60_000);
});
