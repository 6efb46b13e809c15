import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { v7 as uuidv7 } from 'uuid';
import { LogAuditor } from '../../src/application/audit/invariants';
import { replayLog } from '../../src/application/audit/replay';
import { queueStream } from '../../src/application/queue/queue-processor';
import { systemMetadata } from '../../src/application/shared/command-metadata';
import { createApplication, type Application } from '../../src/composition';
import { drawPreQueueOrder } from '../../src/domain/queue/draw';
import { ManualClock } from '../../src/infrastructure/clock/system-clock';
import { loadConfig } from '../../src/infrastructure/config/config';
import { SqliteEventStore } from '../../src/infrastructure/eventstore/sqlite/sqlite-event-store';
import { createLogger } from '../../src/infrastructure/logging/logger';
import { MemoryReadStore } from '../../src/infrastructure/readstore/memory/memory-read-store';
import { allProjections } from '../../src/projections';

/**
 * QueueOpened v1 recorded the drawn `order`; v2 records only the seed and the count (`drawn`), and evolve draws the
 * order again. A log written by the v1 code (the waiting room's stream as it wrote it, with 40 pre-queue joins, one
 * of them left before the opening) must replay under the v2 code into exactly the line v1 recorded.
 */
const OPENS = '2026-06-01T13:00:00.000Z';
const SEED = 0x5eed1234;
const eventId = 'v1-room';
const meta = (id: string) => systemMetadata('v1-test', id);

async function start(dataDir: string, clock: ManualClock): Promise<Application> {
  const config = loadConfig({ DATA_DIR: dataDir, RATE_LIMITS: 'off', LOG_LEVEL: 'silent' });
  return createApplication(config, createLogger('silent'), { clock });
}

describe('QueueOpened v1 (with `order`) replays under the v2 code', () => {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'queue-opened-v1-'));
  const clock = new ManualClock('2026-06-01T12:00:00Z');
  let app: Application | undefined;
  let v1Order: string[];
  const later = ['late-1', 'late-2'];

  beforeAll(async () => {
    // The event, through today's code (its stream did not change).
    const setup = await start(dataDir, clock);
    const { venue } = await setup.catalog.createVenue(
      {
        name: 'Old Queue Hall',
        city: 'Springfield',
        state: 'IL',
        country: 'US',
        sections: [{ name: 'Floor', rows: [{ row: 'A', seats: 10 }] }],
      },
      meta('venue'),
    );
    await setup.catalog.createEvent(
      {
        eventId,
        name: 'Before v2',
        artist: 'The Upcasters',
        description: '',
        category: 'Concert',
        venueId: venue.venueId,
        date: '2026-06-20T20:00:00.000Z',
        doorsOpen: null,
        presaleStart: null,
        generalSaleStart: OPENS,
        tiers: [{ name: 'Floor', priceCents: 5000, feesCents: 500, sections: ['Floor'] }],
        maxTicketsPerOrder: 4,
        restrictSingleSeat: false,
        queue: { enabled: true, admissionPerMinute: 60, challengeMaxNumber: 0 },
      },
      meta('event'),
    );
    await setup.catalog.publish(eventId, meta('publish'));
    await setup.close();

    // The waiting room as the v1 code wrote it: joins, a leave, QueueOpened with the drawn order, later joins.
    const store = new SqliteEventStore(path.join(dataDir, 'events.sqlite'));
    const v1 = { correlationId: 'v1', causationId: 'v1', userId: 'v1-code', schemaVersion: 1 };
    const event = (type: string, data: Record<string, unknown>) => ({
      id: uuidv7(),
      type,
      data,
      metadata: v1,
    });
    const joinedAt = (i: number) => new Date(Date.parse('2026-06-01T12:00:00Z') + i * 1000).toISOString();
    const joins = Array.from({ length: 40 }, (_, i) => `pre-${i}`);
    const joined = (entryId: string, at: string) =>
      event('QueueJoined', {
        eventId,
        entryId,
        userId: `user-${entryId}`,
        deviceFingerprint: `device-${entryId}`,
        challengeId: `challenge-${entryId}`,
        joinedAt: at,
      });
    const waiting = joins.filter((id) => id !== 'pre-17');
    v1Order = drawPreQueueOrder(waiting, SEED); // what the v1 decider recorded
    await store.append(queueStream(eventId), [
      ...joins.map((id, i) => joined(id, joinedAt(i))),
      event('QueueLeft', { eventId, entryId: 'pre-17', leftAt: joinedAt(50) }),
      event('QueueOpened', { eventId, seed: SEED, openedAt: OPENS, order: v1Order }),
      ...later.map((id) => joined(id, OPENS)),
    ]);
    await store.close();
    clock.set(OPENS);
    app = await start(dataDir, clock);
  });

  afterAll(async () => {
    await app?.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it('stays stored as v1, and reads as v2: the seed kept, the order dropped, the count in its place', async () => {
    const raw = (app!.store as SqliteEventStore).db
      .prepare("SELECT data, metadata FROM events WHERE type = 'QueueOpened'")
      .get() as { data: string; metadata: string };
    expect(JSON.parse(raw.data).order).toEqual(v1Order);
    expect(JSON.parse(raw.metadata).schemaVersion).toBe(1);

    const opened = (await app!.store.readStream(queueStream(eventId))).find((e) => e.type === 'QueueOpened')!;
    expect(opened.data).toEqual({ eventId, seed: SEED, openedAt: OPENS, drawn: 39 });
    expect(opened.metadata.schemaVersion).toBe(2);
  });

  it('the room recomputes the line v1 recorded, entry by entry, the later joins behind it', async () => {
    const line = [...v1Order, ...later];
    for (const [i, entryId] of line.entries()) {
      const view = await app!.queue.status(eventId, entryId);
      expect([entryId, view.status, view.position]).toEqual([entryId, 'QUEUED', i + 1]);
    }
    expect(await app!.queue.status(eventId, 'pre-17')).toMatchObject({ status: 'LEFT', position: null });
  });

  it('commands go on from it: admission takes the first in the v1 order, and the replay finds nothing wrong', async () => {
    clock.set('2026-06-01T13:00:03.000Z'); // 60 a minute: three turns
    expect(await app!.queue.admitDue(meta('admission'))).toBe(3);
    const admitted = (await app!.store.readStream(queueStream(eventId)))
      .filter((e) => e.type === 'QueueAdmitted')
      .flatMap((e) => (e.data as { entries: Array<{ entryId: string }> }).entries.map((x) => x.entryId));
    expect(admitted).toEqual(v1Order.slice(0, 3));

    const report = await replayLog({
      store: app!.store,
      projections: allProjections(),
      fresh: new MemoryReadStore(),
      eventId,
    });
    expect(report.projection_errors).toEqual([]);
    expect(report.violations).toEqual([]);
  });

  it("the log auditor checks each draw's count against the pre-queue in the log: a tampered count is a violation", async () => {
    const log = await app!.store.readStream(queueStream(eventId));
    const audit = (events: typeof log) => {
      const auditor = new LogAuditor();
      events.forEach((e) => auditor.apply(e));
      return auditor.report().violations;
    };
    expect(audit(log)).toEqual([]);
    const tampered = log.map((e) =>
      e.type === 'QueueOpened' ? { ...e, data: { ...(e.data as object), drawn: 40 } } : e,
    );
    expect(audit(tampered)).toEqual([
      expect.objectContaining({
        invariant: 'queue_draw_mismatch',
        stream: queueStream(eventId),
        detail: 'the draw covers 40 pre-queue entries; the log has 39 waiting',
      }),
    ]);
  });
});
