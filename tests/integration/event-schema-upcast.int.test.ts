import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { v7 as uuidv7 } from 'uuid';
import { currentSchemaVersion, upcast } from '../../src/application/events/event-schemas';
import { SqliteEventStore } from '../../src/infrastructure/eventstore/sqlite/sqlite-event-store';
import { addCard, pollUntil, reserve, placeOrder } from '../support/purchase';
import { replayAgainstLive } from '../support/log-audit';
import { startTestApp } from '../support/test-app';

/**
 * Schema versions in use: VenueCreated went from v1 (no `capacity`) to v2. A log written before the change (a v1
 * VenueCreated, stored with schemaVersion 1) still serves: the venue processor, the projections and the replay
 * all read it through the upcaster; new events are written as v2.
 */
describe('event schema versions: a log written before VenueCreated v2 replays under the new code', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ticketing-upcast-'));
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  const v1Venue = {
    venueId: 'old-hall',
    name: 'Old Hall',
    city: 'Boston',
    state: 'MA',
    country: 'US',
    sections: [
      {
        sectionId: 's1',
        name: 'Floor',
        rows: [
          { row: 'A', seatCount: 10 },
          { row: 'B', seatCount: 10 },
        ],
      },
      { sectionId: 's2', name: 'Balcony', rows: [{ row: 'A', seatCount: 8 }] },
    ],
  };

  it('writes the old shape, then buys seats in it, replays cleanly and reads v2 everywhere', async () => {
    // The log as the code before the change wrote it.
    const old = new SqliteEventStore(path.join(dir, 'events.sqlite'));
    await old.append('venue-old-hall', [
      {
        id: uuidv7(),
        type: 'VenueCreated',
        data: v1Venue,
        metadata: { correlationId: 'c', causationId: 'c', userId: 'admin', schemaVersion: 1 },
      },
    ]);
    const raw = old.db
      .prepare('SELECT data, metadata FROM events WHERE stream_name = ?')
      .get('venue-old-hall') as {
      data: string;
      metadata: string;
    };
    expect(JSON.parse(raw.data).capacity).toBeUndefined(); // stored as v1, untouched
    await old.close();

    const t = await startTestApp({ dataDir: dir });
    try {
      const admin = await t.adminToken();
      // The venue's read model was built from the upcast event.
      const event = await t.call('POST', '/v1/admin/events', {
        token: admin,
        body: {
          name: 'Old Hall Night',
          artist: 'Upcasters',
          description: 'v1 venue, v2 code',
          category: 'Concert',
          venue_id: 'old-hall',
          date: '2030-08-15T19:00:00Z',
          general_sale_start: '2020-01-01T10:00:00Z',
          pricing_tiers: [{ name: 'All', price: 50, fees: 5, sections: ['Floor', 'Balcony'] }],
        },
      });
      expect(event.status).toBe(201);
      const eventId = event.body.event_id as string;
      await t.call('POST', `/v1/admin/events/${eventId}/publish`, { token: admin });
      const details = await t.call('GET', `/v1/events/${eventId}`);
      expect(details.body).toMatchObject({ total_capacity: 28 });

      const fan = await t.customerToken('old-hall-fan@example.test');
      const card = await addCard(t.call, fan.token);
      const hold = await reserve(t.call, fan.token, eventId, ['s2:A:1', 's2:A:2']);
      const order = await placeOrder(t.call, fan.token, hold, card);
      expect(order.status).toBe(201);
      await pollUntil(
        t.call,
        `/v1/orders/${order.body.order_id}`,
        fan.token,
        (r) => r.body?.status === 'CONFIRMED' && r.body.tickets.length === 2,
      );
      await t.app.runner.catchUp();

      // Readers get v2: the payload has the capacity, the metadata says version 2.
      const [venue] = await t.app.store.readStream('venue-old-hall');
      expect(venue.data).toEqual({ ...v1Venue, capacity: 28 });
      expect(venue.metadata.schemaVersion).toBe(2);
      const [fromLog] = await t.app.store.readAll({ fromPosition: 0, maxCount: 1 });
      expect(fromLog.data).toEqual({ ...v1Venue, capacity: 28 });

      // The whole log (old and new events) replays into read models equal to the live ones, with no violation.
      const report = await replayAgainstLive(t.app);
      expect(report.violations).toEqual([]);
      expect(report.comparison).toEqual({ equal: true, collections: [] });
      expect(report.ok).toBe(true);

      // New VenueCreated events are stored as v2.
      const venue2 = await t.call('POST', '/v1/admin/venues', {
        token: admin,
        body: {
          name: 'New Hall',
          city: 'Boston',
          state: 'MA',
          country: 'US',
          sections: [{ name: 'A', rows: [{ row: 'A', seats: 3 }] }],
        },
      });
      const stored = t.app.store as SqliteEventStore;
      const row = stored.db
        .prepare('SELECT data, metadata FROM events WHERE stream_name = ?')
        .get(`venue-${venue2.body.venue_id}`) as { data: string; metadata: string };
      expect(JSON.parse(row.metadata).schemaVersion).toBe(currentSchemaVersion('VenueCreated'));
      expect(JSON.parse(row.data).capacity).toBe(3);
    } finally {
      await t.close();
    }
  });

  it('unversioned types are at 1 and pass through untouched; a version newer than the code is refused', () => {
    expect(currentSchemaVersion('SeatsHeld')).toBe(1);
    const recorded = {
      id: 'x',
      streamName: 'venue-x',
      type: 'VenueCreated',
      data: { ...v1Venue, capacity: 28 },
      metadata: { correlationId: 'c', causationId: 'c', userId: 'u', schemaVersion: 2 },
      revision: 0,
      position: 1,
      recordedAt: new Date(),
    };
    expect(upcast(recorded)).toBe(recorded); // current: no copy
    expect(() => upcast({ ...recorded, metadata: { ...recorded.metadata, schemaVersion: 3 } })).toThrow(
      /schema version 3; this code reads up to 2/,
    );
  });
});
