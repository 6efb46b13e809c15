import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { replayLog } from '../../src/application/audit/replay';
import type { QueueEntryView } from '../../src/application/queue/queue-service';
import { queueStream } from '../../src/application/queue/queue-processor';
import { createApplication, IDS, type Application } from '../../src/composition';
import { resolve } from '../../src/composition/identifiers';
import { drawPreQueueOrder } from '../../src/domain/queue/draw';
import type { QueueEvent } from '../../src/domain/queue/events';
import type { RecordedQueueSettings } from '../../src/domain/queue/settings';
import { DomainError } from '../../src/domain/shared/errors';
import { ManualClock } from '../../src/infrastructure/clock/system-clock';
import { loadConfig } from '../../src/infrastructure/config/config';
import { MemoryReadStore } from '../../src/infrastructure/readstore/memory/memory-read-store';
import { createLogger } from '../../src/infrastructure/logging/logger';
import { allProjections } from '../../src/projections';

/**
 * The waiting room through the Application, on a real SQLite store, with a clock moved by hand: 10,000 users join
 * before the opening, 1,000 after it; the log must prove the draw, the FIFO tail, the admission rate, that waiting
 * positions only go down, that a turn not used in time goes to the next in line, and that every status answer
 * agrees with a recomputation from the log alone.
 */

const OPENS = '2026-06-01T13:00:00.000Z';
const RATE = 600; // admissions per minute: 10 per second
const ACCESS_SECONDS = 60;
const PRE_QUEUE = 10_000;
const AFTER_OPENING = 1_000;
const CAPACITY = PRE_QUEUE + AFTER_OPENING;

const meta = (id: string) => ({ correlationId: id, causationId: id, userId: 'queue-test' });

async function expectRefusal(promise: Promise<unknown>, code: string): Promise<DomainError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(DomainError);
  expect((error as DomainError).code).toBe(code);
  return error as DomainError;
}

async function createQueuedEvent(app: Application, queue: Partial<RecordedQueueSettings>, eventId: string) {
  const { venue } = await app.catalog.createVenue(
    {
      name: 'Queue Hall',
      city: 'Springfield',
      state: 'IL',
      country: 'US',
      sections: [{ name: 'Floor', rows: [{ row: 'A', seats: 10 }] }],
    },
    meta(`venue-${eventId}`),
  );
  await app.catalog.createEvent(
    {
      eventId,
      name: 'The Rush',
      artist: 'The Queue',
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
      queue: { enabled: true, admissionPerMinute: RATE, ...queue },
    },
    meta(`event-${eventId}`),
  );
  await app.catalog.publish(eventId, meta(`publish-${eventId}`));
}

/** Every event of the room, read from the store (not from the processor's cache). */
async function roomLog(app: Application, eventId: string): Promise<QueueEvent[]> {
  const recorded = await app.store.readStream(queueStream(eventId));
  return recorded.map((e) => ({ type: e.type, data: e.data }) as QueueEvent);
}

/**
 * The auditor's draw: the entries that joined before QueueOpened and did not leave before it, in log order, drawn
 * with the recorded seed by the published function (src/domain/queue/draw.ts). It must cover `drawn` entries.
 */
function drawnOrder(log: QueueEvent[]): string[] {
  const openedIndex = log.findIndex((e) => e.type === 'QueueOpened');
  const opening = log[openedIndex] as Extract<QueueEvent, { type: 'QueueOpened' }>;
  const waiting: string[] = [];
  for (const event of log.slice(0, openedIndex)) {
    if (event.type === 'QueueJoined') waiting.push(event.data.entryId);
    if (event.type === 'QueueLeft') waiting.splice(waiting.indexOf(event.data.entryId), 1);
  }
  expect(waiting).toHaveLength(opening.data.drawn);
  return drawPreQueueOrder(waiting, opening.data.seed);
}

/** An independent recomputation of every entry's status and position from the log (O(n), no shared code). */
function recompute(log: QueueEvent[]) {
  const status = new Map<string, string>();
  const line: string[] = [];
  let openedAt: number | undefined;
  let admitted = 0;
  let expired = 0;
  let readyLeft = 0;
  for (const event of log) {
    switch (event.type) {
      case 'QueueJoined':
        status.set(event.data.entryId, openedAt === undefined ? 'PRE_QUEUE' : 'QUEUED');
        if (openedAt !== undefined) line.push(event.data.entryId);
        break;
      case 'QueueOpened': {
        openedAt = Date.parse(event.data.openedAt);
        const order = drawnOrder(log);
        for (const id of order) status.set(id, 'QUEUED');
        line.push(...order);
        break;
      }
      case 'QueueAdmitted':
        for (const { entryId } of event.data.entries) status.set(entryId, 'READY');
        admitted += event.data.entries.length;
        break;
      case 'QueueTurnExpired':
        for (const id of event.data.entryIds) status.set(id, 'EXPIRED');
        expired += event.data.entryIds.length;
        break;
      case 'QueueAccessUsed':
        status.set(event.data.entryId, 'USED');
        break;
      case 'QueueLeft':
        if (status.get(event.data.entryId) === 'READY') readyLeft += 1;
        status.set(event.data.entryId, 'LEFT');
        break;
    }
  }
  const position = new Map<string, number>();
  let ahead = 0;
  for (const id of line) if (status.get(id) === 'QUEUED') position.set(id, ++ahead);
  return { status, position, line, openedAt, admitted, expired, readyLeft, waiting: ahead };
}

describe('the waiting room: 10,000 join before the opening and 1,000 after (SQLite, manual clock)', () => {
  const clock = new ManualClock('2026-06-01T12:00:00Z');
  const eventId = 'rush-night';
  let dataDir: string;
  let app: Application;
  const entries = new Map<string, QueueEntryView>(); // by user

  beforeAll(async () => {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'queue-fairness-'));
    const config = loadConfig({ DATA_DIR: dataDir, RATE_LIMITS: 'off', LOG_LEVEL: 'silent' });
    app = await createApplication(config, createLogger('silent'), { clock });
    await createQueuedEvent(
      app,
      { capacity: CAPACITY, accessSeconds: ACCESS_SECONDS, maxEntriesPerDevice: 3, challengeMaxNumber: 0 },
      eventId,
    );
  });

  afterAll(async () => {
    await app?.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  const join = (user: string, device = `device-${user}`, challenge = `challenge-${user}`) =>
    app.queue.join(eventId, user, device, challenge, meta(`join-${user}`));

  const status = (user: string) => app.queue.status(eventId, entries.get(user)!.entryId);

  /** Entry ids of the pre-queue as the log recorded the joins (the processor orders concurrent joins). */
  const preQueueInJoinOrder = (log: QueueEvent[]) => {
    const openedIndex = log.findIndex((e) => e.type === 'QueueOpened');
    return log
      .slice(0, openedIndex)
      .filter((e): e is Extract<QueueEvent, { type: 'QueueJoined' }> => e.type === 'QueueJoined')
      .map((e) => e.data.entryId);
  };

  const opened = (log: QueueEvent[]) =>
    log.find((e): e is Extract<QueueEvent, { type: 'QueueOpened' }> => e.type === 'QueueOpened')!;

  it('the settings come from the event: queue-protected, opening at the general sale', async () => {
    expect(await app.queue.settings(eventId)).toEqual({
      enabled: true,
      admissionPerMinute: RATE,
      capacity: CAPACITY,
      accessSeconds: ACCESS_SECONDS,
      challengeMaxNumber: 0,
      maxEntriesPerDevice: 3,
      opensAt: new Date(OPENS),
    });
    expect(await app.queue.settings('no-such-event')).toBeUndefined();
  });

  it('10,000 concurrent joins before the opening form a pre-queue without positions', async () => {
    // Users p0..p2 share one device (the device limit is tested on it below).
    const users = Array.from({ length: PRE_QUEUE }, (_, i) => `p${i}`);
    const answers = await Promise.all(users.map((u, i) => join(u, i < 3 ? 'shared-device' : undefined)));
    answers.forEach(({ entry }, i) => entries.set(users[i], entry));
    for (const { entry, position } of answers) {
      expect(entry.status).toBe('PRE_QUEUE');
      expect(entry.position).toBeNull();
      expect(entry.opensAt).toEqual(new Date(OPENS));
      expect(position).toBeGreaterThan(0);
    }
    const view = await status('p0');
    expect(view).toMatchObject({ status: 'PRE_QUEUE', position: null, queueSize: PRE_QUEUE });
    // An hour before the opening, with 10,000 ahead on average half of them: 60 + ceil(5000 / 600) minutes.
    expect(view.estimatedWaitMinutes).toBe(60 + 9);
    expect(view.pollIntervalSeconds).toBe(60);
  });

  it('refuses a second live entry, a reused challenge and a fourth entry on one device', async () => {
    await expectRefusal(join('p42', 'another-device', 'fresh-challenge'), 'ALREADY_IN_QUEUE');
    const reused = await expectRefusal(
      join('newcomer', 'newcomer-device', 'challenge-p7'),
      'CHALLENGE_FAILED',
    );
    expect(reused.message).toBe('challenge already used');
    await expectRefusal(join('fourth-on-device', 'shared-device'), 'DEVICE_LIMIT_REACHED');
    // Refusals record nothing.
    expect((await roomLog(app, eventId)).length).toBe(PRE_QUEUE);
  });

  it('at the opening the pre-queue is drawn with the seed in the log; 1,000 later joins are FIFO behind it', async () => {
    clock.set(OPENS);
    const users = Array.from({ length: AFTER_OPENING }, (_, i) => `l${i}`);
    const answers = await Promise.all(users.map((u) => join(u)));
    answers.forEach(({ entry }, i) => entries.set(users[i], entry));

    const log = await roomLog(app, eventId);
    const draw = opened(log);
    expect(draw.data).toEqual({ eventId, seed: draw.data.seed, openedAt: OPENS, drawn: PRE_QUEUE });
    // Stored as v2: the seed and a count, a few dozen bytes however long the pre-queue (v1 listed every id).
    const stored = (await app.store.readStream(queueStream(eventId))).find((e) => e.type === 'QueueOpened')!;
    expect(stored.metadata.schemaVersion).toBe(2);
    expect(JSON.stringify(stored.data).length).toBeLessThan(200);
    // The auditor's check: the line is the draw of the pre-queue's join order with the recorded seed. Every
    // position the service answers below must follow this recomputation.
    const order = drawnOrder(log);
    expect(order).toHaveLength(PRE_QUEUE);
    expect(order).not.toEqual(preQueueInJoinOrder(log)); // a shuffle, not the join order
    expect([...order].sort()).toEqual([...preQueueInJoinOrder(log)].sort());

    // Later joins, in the order the log recorded them, follow the drawn pre-queue one by one.
    const laterInLogOrder = log
      .slice(log.indexOf(draw) + 1)
      .filter((e): e is Extract<QueueEvent, { type: 'QueueJoined' }> => e.type === 'QueueJoined')
      .map((e) => e.data.entryId);
    expect(laterInLogOrder).toHaveLength(AFTER_OPENING);
    const byEntry = new Map([...entries.values()].map((v) => [v.entryId, v]));
    for (const [i, entryId] of laterInLogOrder.entries()) {
      const view = await app.queue.status(eventId, entryId);
      expect(view).toMatchObject({ status: 'QUEUED', position: PRE_QUEUE + i + 1, queueSize: CAPACITY });
      expect(byEntry.get(entryId)!.status).toBe('QUEUED');
    }
    for (const i of [0, 1, 2, 4999, 9999]) {
      const view = await app.queue.status(eventId, order[i]);
      expect(view.position).toBe(i + 1);
      expect(view.estimatedWaitMinutes).toBe(Math.ceil((i + 1) / RATE));
      expect(view.pollIntervalSeconds).toBe(
        Math.min(60, Math.max(5, Math.round((((i + 1) / RATE) * 60) / 10))),
      );
    }
  });

  it('a full queue answers QUEUE_FULL', async () => {
    await expectRefusal(join('one-too-many'), 'QUEUE_FULL');
  });

  it('admission follows the rate: 30 s at 600/min admits exactly the first 300 in line', async () => {
    clock.set('2026-06-01T13:00:30.000Z');
    expect(await app.queue.admitDue(meta('admission-job'))).toBe(300);
    expect(await app.queue.admitDue(meta('admission-job'))).toBe(0); // nothing more due: nothing recorded
    const log = await roomLog(app, eventId);
    const admittedEvents = log.filter((e) => e.type === 'QueueAdmitted');
    expect(admittedEvents).toHaveLength(1); // one batch, not one event per entry
    const admittedIds = admittedEvents.flatMap((e) => (e.type === 'QueueAdmitted' ? e.data.entries : []));
    expect(admittedIds.map((a) => a.entryId)).toEqual(drawnOrder(log).slice(0, 300));
    const first = await app.queue.status(eventId, drawnOrder(log)[0]);
    expect(first).toMatchObject({
      status: 'READY',
      position: 0,
      estimatedWaitMinutes: 0,
      pollIntervalSeconds: 5,
    });
    expect(first.accessExpiresAt).toEqual(new Date('2026-06-01T13:01:30.000Z'));
    expect((await app.queue.status(eventId, drawnOrder(log)[300])).position).toBe(1);
  });

  it('positions of waiting users only go down as the clock moves (polls alone admit what is due)', async () => {
    const sample = [...entries.keys()].filter((_, i) => i % 97 === 0);
    const last = new Map<string, number>();
    for (const seconds of [30, 37, 44, 51, 58, 65, 72, 79]) {
      clock.set(new Date(Date.parse(OPENS) + seconds * 1000));
      for (const user of sample) {
        const view = await status(user); // no admission job here: the polls record what fell due
        if (view.status !== 'QUEUED') continue;
        const before = last.get(user);
        if (before !== undefined) expect(view.position!).toBeLessThanOrEqual(before);
        last.set(user, view.position!);
      }
      const facts = recompute(await roomLog(app, eventId));
      expect(facts.admitted).toBe(Math.floor(seconds * 10)); // 10 per second, nobody left, no turn expired yet
    }
    expect(last.size).toBeGreaterThan(50);
  });

  it('leaving frees the place (those behind move up); rejoining goes to the back', async () => {
    const log = await roomLog(app, eventId);
    const order = drawnOrder(log);
    const leaver = order[5000];
    const behind = order[5001];
    const userOf = (entryId: string) => [...entries.entries()].find(([, v]) => v.entryId === entryId)![0];
    const before = (await app.queue.status(eventId, behind)).position!;
    await app.queue.leave(eventId, leaver, userOf(leaver), meta('leave'));
    expect(await app.queue.status(eventId, leaver)).toMatchObject({ status: 'LEFT', position: null });
    expect((await app.queue.status(eventId, behind)).position).toBe(before - 1);
    await expectRefusal(app.queue.leave(eventId, behind, 'someone-else', meta('x')), 'QUEUE_ENTRY_NOT_FOUND');

    const again = await join(userOf(leaver), `device-${userOf(leaver)}`, 'a-new-challenge');
    expect(again.entry.entryId).not.toBe(leaver);
    expect(again.entry.status).toBe('QUEUED');
    expect(again.entry.position).toBe(again.entry.queueSize); // last in line
    entries.set(userOf(leaver), again.entry);
  });

  it('a turn not used in time expires and the next in line moves up; a used one keeps its access until then', async () => {
    const log = await roomLog(app, eventId);
    const firstBatch = (
      log.find((e) => e.type === 'QueueAdmitted') as Extract<QueueEvent, { type: 'QueueAdmitted' }>
    ).data.entries;
    const userOf = (entryId: string) => [...entries.entries()].find(([, v]) => v.entryId === entryId)![0];
    const usedIds = firstBatch.slice(0, 100).map((e) => e.entryId);
    for (const entryId of usedIds) {
      expect(await app.queue.hasAccess(eventId, entryId, userOf(entryId))).toBe(true);
      await app.queue.markAccessUsed(eventId, entryId, meta('reserved'));
    }
    await app.queue.markAccessUsed(eventId, usedIds[0], meta('reserved-again')); // recorded once
    expect(await app.queue.hasAccess(eventId, usedIds[0], 'not-the-owner')).toBe(false);
    expect((await app.queue.status(eventId, usedIds[0])).status).toBe('USED');

    clock.set('2026-06-01T13:01:29.999Z');
    expect(await app.queue.hasAccess(eventId, usedIds[0], userOf(usedIds[0]))).toBe(true);
    const waitingBefore = recompute(await roomLog(app, eventId));

    // The first batch's turns end at 13:01:30: 200 of them were never used.
    clock.set('2026-06-01T13:01:30.000Z');
    expect(await app.queue.hasAccess(eventId, usedIds[0], userOf(usedIds[0]))).toBe(false);
    const admittedNow = await app.queue.admitDue(meta('admission-job'));
    const after = recompute(await roomLog(app, eventId));
    const expiredNow = firstBatch.slice(100).map((e) => e.entryId);
    expect(after.expired).toBe(200);
    for (const entryId of expiredNow) expect(after.status.get(entryId)).toBe('EXPIRED');
    for (const entryId of usedIds) expect(after.status.get(entryId)).toBe('USED');
    // Turns given = floor(elapsed * rate) + turns given back: the 200 expired turns went to the next 200.
    expect(after.admitted).toBe(Math.floor(90 * 10) + after.expired + after.readyLeft);
    expect(admittedNow).toBe(after.admitted - waitingBefore.admitted);
    expect(admittedNow).toBe(900 - 790 + 200);
    expect(await app.queue.status(eventId, expiredNow[0])).toMatchObject({
      status: 'EXPIRED',
      position: null,
    });
    expect(await app.queue.hasAccess(eventId, expiredNow[0], userOf(expiredNow[0]))).toBe(false);

    // Its user may join again, at the back.
    const rejoined = await join(userOf(expiredNow[0]), `device-${userOf(expiredNow[0])}`, 'after-expiry');
    expect(rejoined.entry.position).toBe(rejoined.entry.queueSize);
  });

  it('every status answer agrees with a recomputation from the log alone', async () => {
    const log = await roomLog(app, eventId);
    const facts = recompute(log);
    expect(facts.openedAt).toBe(Date.parse(OPENS));
    let queued = 0;
    for (const [entryId, expected] of facts.status) {
      const view = await app.queue.status(eventId, entryId);
      expect(view.status).toBe(expected);
      expect(view.position).toBe(
        expected === 'QUEUED'
          ? facts.position.get(entryId)
          : expected === 'READY' || expected === 'USED'
            ? 0
            : null,
      );
      expect(view.queueSize).toBe(facts.waiting);
      if (expected === 'QUEUED') queued += 1;
    }
    expect(queued).toBe(facts.waiting);
    expect(await roomLog(app, eventId)).toHaveLength(log.length); // status polls recorded nothing new
  });

  it('the room is snapshotted: a cold load (snapshot + tail) answers exactly like the warm cache', async () => {
    const snapshot = await resolve(app.container, IDS.snapshotStore).load(queueStream(eventId));
    expect(snapshot).toBeDefined();
    expect(snapshot!.version).toBe(1);
    const sample = [...entries.values()].filter((_, i) => i % 50 === 0).map((v) => v.entryId);
    const warm = await Promise.all(sample.map((id) => app.queue.status(eventId, id)));
    resolve(app.container, IDS.queues).evict(eventId);
    const cold = await Promise.all(sample.map((id) => app.queue.status(eventId, id)));
    expect(cold).toEqual(warm);
  });

  it("the auditor's replay of this event takes in its waiting room and finds nothing wrong", async () => {
    const roomEvents = (await roomLog(app, eventId)).length;
    const report = await replayLog({
      store: app.store,
      projections: allProjections(),
      fresh: new MemoryReadStore(),
      eventId,
    });
    expect(report.projection_errors).toEqual([]);
    expect(report.violations).toEqual([]);
    // The event's own stream (created, published), its venue and every event of queue-{eventId}.
    expect(report.events).toBe(roomEvents + 3);
  });
});

describe('the waiting room of events without one, unknown events, and the event being over', () => {
  const clock = new ManualClock('2026-06-01T12:00:00Z');
  let dataDir: string;
  let app: Application;

  beforeAll(async () => {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'queue-edges-'));
    const config = loadConfig({ DATA_DIR: dataDir, RATE_LIMITS: 'off', LOG_LEVEL: 'silent' });
    app = await createApplication(config, createLogger('silent'), { clock });
    await createQueuedEvent(app, { enabled: false }, 'no-room');
    await createQueuedEvent(app, {}, 'with-room');
  });

  afterAll(async () => {
    await app?.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it('not queue-protected: enabled=false and joins refused with QUEUE_NOT_ENABLED', async () => {
    expect(await app.queue.settings('no-room')).toMatchObject({ enabled: false });
    await expectRefusal(app.queue.join('no-room', 'u', 'd', 'c', meta('j')), 'QUEUE_NOT_ENABLED');
  });

  it('unknown event: EVENT_NOT_FOUND on join, QUEUE_ENTRY_NOT_FOUND on status; unknown entry likewise', async () => {
    await expectRefusal(app.queue.join('nope', 'u', 'd', 'c', meta('j')), 'EVENT_NOT_FOUND');
    await expectRefusal(app.queue.status('nope', 'e'), 'QUEUE_ENTRY_NOT_FOUND');
    await expectRefusal(app.queue.status('with-room', 'e'), 'QUEUE_ENTRY_NOT_FOUND');
  });

  it('defaults: settings recorded without the newer fields resolve to the defaults', async () => {
    expect(await app.queue.settings('with-room')).toMatchObject({
      enabled: true,
      capacity: 100_000,
      accessSeconds: 600,
      challengeMaxNumber: 100_000,
      maxEntriesPerDevice: 3,
    });
  });

  it('a cancelled event: waiting entries are CLOSED (no position, no wait), joins and challenges SALE_ENDED', async () => {
    await createQueuedEvent(app, { admissionPerMinute: 1 }, 'cancelled-room');
    const { entry } = await app.queue.join('cancelled-room', 'waiting', 'dev', 'ch', meta('j'));
    const { entry: turn } = await app.queue.join('cancelled-room', 'admitted', 'dev3', 'ch3', meta('j'));
    expect((await app.queue.status('cancelled-room', entry.entryId)).status).toBe('PRE_QUEUE');
    // The room opens and gives one of them a turn (one admission a minute); the other waits.
    clock.set(new Date(Date.parse(OPENS) + 1_000));
    await app.queue.admitDue(meta('job')); // the opening, with its draw
    clock.set(new Date(Date.parse(OPENS) + 61_000));
    await app.queue.admitDue(meta('job')); // a minute later: one turn
    const statuses = async () =>
      [
        (await app.queue.status('cancelled-room', entry.entryId)).status,
        (await app.queue.status('cancelled-room', turn.entryId)).status,
      ].sort();
    expect(await statuses()).toEqual(['QUEUED', 'READY']);
    await app.catalog.cancel('cancelled-room', 'storm', meta('cancel'));
    // Both closed: the wait will never end, and the turn would buy nothing (no access is handed out).
    for (const { entryId } of [entry, turn]) {
      const view = await app.queue.status('cancelled-room', entryId);
      expect(view).toMatchObject({
        status: 'CLOSED',
        position: null,
        estimatedWaitMinutes: 0,
        pollIntervalSeconds: 60,
      });
      expect(view.accessExpiresAt).toBeUndefined();
    }
    await expectRefusal(app.queue.join('cancelled-room', 'late', 'dev2', 'ch2', meta('j')), 'SALE_ENDED');
    await expectRefusal(app.queue.assertSaleNotOver('cancelled-room'), 'SALE_ENDED');
  });

  it('after the event started, joins are refused with SALE_ENDED, entries are CLOSED, and the admission job forgets the room', async () => {
    const { entry } = await app.queue.join('with-room', 'early', 'dev', 'ch', meta('j'));
    await app.queue.assertSaleNotOver('with-room'); // on sale: a challenge is worth solving
    clock.set('2026-06-20T20:00:00.000Z');
    await expectRefusal(app.queue.join('with-room', 'late', 'dev2', 'ch2', meta('j')), 'SALE_ENDED');
    await expectRefusal(app.queue.assertSaleNotOver('with-room'), 'SALE_ENDED');
    expect(await app.queue.admitDue(meta('job'))).toBe(0);
    expect(await app.queue.hasAccess('with-room', entry.entryId, 'early')).toBe(false);
    const closed = await app.queue.status('with-room', entry.entryId);
    expect(closed).toMatchObject({ status: 'CLOSED', position: null, estimatedWaitMinutes: 0 });
    expect(closed.accessExpiresAt).toBeUndefined();
  });
});
