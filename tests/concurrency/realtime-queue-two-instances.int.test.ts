/* eslint-disable @typescript-eslint/no-explicit-any -- frames are whatever the server sent */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { systemMetadata } from '../../src/application/shared/command-metadata';
import { IDS, resolve } from '../../src/composition/identifiers';
import { ManualClock } from '../../src/infrastructure/clock/system-clock';
import { createEvent } from '../support/fixtures';
import { openRealtime, type RealtimeClient } from '../support/realtime-client';
import { startTestApp, type TestApp } from '../support/test-app';

const isQueueUpdate = (f: any) => f.type === 'queue_update';

/**
 * queue_update follows the log, not the process: two application instances on one DATA_DIR, the waiting room
 * joined and admitted through instance A only, the WebSocket clients connected to instance B. B learns of every
 * change from the events its projection runner reads from the shared log, and reads the room's state as the store
 * has it (A's appends included).
 */
describe('realtime queue_update across two instances on one log', () => {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ticketing-queue-two-'));
  const clock = new ManualClock('2026-06-01T12:00:00Z');
  // The admission job is run by hand, in A only; neither timer fires during the test.
  const env = { QUEUE_ADMISSION_MS: '3600000' };
  let a: TestApp;
  let b: TestApp;
  const clients: RealtimeClient[] = [];

  beforeAll(async () => {
    a = await startTestApp({ dataDir, clock, env });
    b = await startTestApp({ dataDir, clock, env });
  });
  afterAll(async () => {
    await Promise.all(clients.map((c) => c.close()));
    await b?.close();
    await a?.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it('a client connected to B gets its queue_update when admission runs in A; a member subscribed on B is picked up when they join through A', async () => {
    const { eventId, position } = await createEvent(a.call, await a.adminToken(), {
      queue: { enabled: true, admission_per_minute: 60, challenge_max_number: 0 },
    });
    // B's read models must know the event before B's member subscribes to it (else EVENT_NOT_FOUND, and the
    // subscription the test waits for never comes): B follows A's appends through the log, a moment later.
    await b.app.runner.waitFor(position, 5000);
    const join = async (userId: string) => {
      const res = await a.call('POST', '/v1/queue/join', {
        token: a.mintToken(userId),
        body: { event_id: eventId, device_fingerprint: `device-${userId}` },
      });
      expect(res.status).toBe(200);
      return res.body;
    };
    const first = await join('fan-first');
    const second = await join('fan-second');
    expect([first.queue_position, second.queue_position]).toEqual([1, 2]);

    const doc = (await b.call('GET', '/openapi.json')).body;
    // A queue token (issued by A; both instances share the data directory's JWT secret) on B.
    const secondOnB = await openRealtime(b.baseUrl, doc, second.queue_token);
    clients.push(secondOnB);
    expect(await secondOnB.next(isQueueUpdate)).toMatchObject({
      event_id: eventId,
      queue_position: 2,
      status: 'QUEUED',
    });
    // A member watching the event on B who has not joined yet.
    const thirdOnB = await openRealtime(b.baseUrl, doc, b.mintToken('fan-third'));
    clients.push(thirdOnB);
    thirdOnB.send({ type: 'subscribe', event_id: eventId });
    await thirdOnB.next((f) => f.type === 'subscribed');

    // Joins through A: B's member is found in the room once B's runner reads the QueueJoined.
    await join('fan-third');
    expect(await thirdOnB.next(isQueueUpdate)).toMatchObject({
      event_id: eventId,
      queue_position: 3,
      status: 'QUEUED',
    });

    // Admission decided in A only.
    const admit = () =>
      a.app.queue.admitDue(systemMetadata('test-admission', `admit-${clock.now().getTime()}`));
    clock.advance(1000); // 60 a minute: one turn a second
    expect(await admit()).toBe(1);
    expect(await secondOnB.next(isQueueUpdate)).toMatchObject({ queue_position: 1, status: 'QUEUED' });
    expect(await thirdOnB.next(isQueueUpdate)).toMatchObject({ queue_position: 2, status: 'QUEUED' });
    clock.advance(1000);
    expect(await admit()).toBe(1);
    expect(await secondOnB.next(isQueueUpdate)).toMatchObject({ queue_position: 0, status: 'READY' });
    expect(await thirdOnB.next(isQueueUpdate)).toMatchObject({ queue_position: 1, status: 'QUEUED' });

    // B decided nothing about the room: every change it reported came from A through the log.
    expect(resolve(b.app.container, IDS.queues).stats.appends).toBe(0);
    expect(resolve(a.app.container, IDS.queues).stats.appends).toBeGreaterThan(0);
    expect(secondOnB.frames.filter(isQueueUpdate).map((f) => f.queue_position)).toEqual([2, 1, 0]);
    expect(thirdOnB.frames.filter(isQueueUpdate).map((f) => f.queue_position)).toEqual([3, 2, 1]);
    expect([secondOnB.problems, thirdOnB.problems]).toEqual([[], []]);
  });
});
