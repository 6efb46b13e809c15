import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { LogForwarder } from '../../../src/application/messaging/log-forwarder';
import { InProcessBus } from '../../../src/infrastructure/bus/inprocess/in-process-bus';
import { SqliteCheckpointStore } from '../../../src/infrastructure/checkpoints/sqlite-checkpoint-store';
import { SqliteEventStore } from '../../../src/infrastructure/eventstore/sqlite/sqlite-event-store';

const META = { correlationId: 'c', causationId: 'c', userId: 'test', schemaVersion: 1 };

/**
 * The defect of issue 8 at its root: the forwarder's checkpoint passed events whose saga work had not run, because
 * the in-process bus counted a message as delivered once queued in memory. With confirmOnSettle the checkpoint
 * stays before an event until its handler finished; without it (the old behaviour) it does not.
 */
describe('log forwarder checkpoint on the in-process bus', () => {
  const dirs: string[] = [];
  afterAll(() => dirs.forEach((dir) => fs.rmSync(dir, { recursive: true, force: true })));

  async function scenario(confirmOnSettle: boolean) {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'forwarder-settle-'));
    dirs.push(dir);
    const store = new SqliteEventStore(path.join(dir, 'events.sqlite'));
    const checkpoints = new SqliteCheckpointStore(store.db);
    const bus = new InProcessBus({ confirmOnSettle });
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const handled: string[] = [];
    await bus.consume('saga', ['OrderPlaced'], async (m) => {
      await gate;
      handled.push(m.id);
    });
    const forwarder = new LogForwarder(store, bus, checkpoints, {
      types: new Set(['OrderPlaced']),
      name: 'fwd',
    });
    await forwarder.start();
    const id = randomUUID();
    await store.append('order-1', [{ id, type: 'OrderPlaced', data: {}, metadata: META }]);
    await new Promise((r) => setTimeout(r, 300)); // several forwarder batch windows
    const whileBlocked = await checkpoints.get('fwd');
    release();
    for (let i = 0; i < 200 && (await checkpoints.get('fwd')) === 0; i++)
      await new Promise((r) => setTimeout(r, 10));
    const after = await checkpoints.get('fwd');
    await forwarder.stop();
    await bus.close();
    await forwarder.idle();
    await store.close();
    return { whileBlocked, after, handled: handled.length };
  }

  it('with confirmOnSettle the checkpoint waits for the handler, then moves', async () => {
    const { whileBlocked, after, handled } = await scenario(true);
    expect(whileBlocked).toBe(0);
    expect(after).toBeGreaterThan(0);
    expect(handled).toBe(1);
  });

  it('without it the checkpoint passes work that a crash would lose (the defect being fixed)', async () => {
    const { whileBlocked } = await scenario(false);
    expect(whileBlocked).toBeGreaterThan(0);
  });

  it('stopping while a publish waits on a handler does not hang and leaves the checkpoint alone', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'forwarder-settle-'));
    dirs.push(dir);
    const store = new SqliteEventStore(path.join(dir, 'events.sqlite'));
    const checkpoints = new SqliteCheckpointStore(store.db);
    const bus = new InProcessBus({ confirmOnSettle: true, drainTimeoutMs: 100 });
    const subscription = await bus.consume('saga', ['OrderPlaced'], () => new Promise<void>(() => undefined));
    const forwarder = new LogForwarder(store, bus, checkpoints, {
      types: new Set(['OrderPlaced']),
      name: 'fwd',
    });
    await forwarder.start();
    await store.append('order-1', [{ id: randomUUID(), type: 'OrderPlaced', data: {}, metadata: META }]);
    await new Promise((r) => setTimeout(r, 100));
    await forwarder.stop();
    await subscription.close();
    await bus.close();
    await forwarder.idle();
    expect(await checkpoints.get('fwd')).toBe(0);
    await store.close();
  });

  it('a later batch is published while an earlier one waits, but the checkpoint never passes the earlier one', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'forwarder-settle-'));
    dirs.push(dir);
    const store = new SqliteEventStore(path.join(dir, 'events.sqlite'));
    const checkpoints = new SqliteCheckpointStore(store.db);
    const bus = new InProcessBus({ confirmOnSettle: true });
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const first = randomUUID();
    const second = randomUUID();
    const handled: string[] = [];
    await bus.consume(
      'saga',
      ['OrderPlaced'],
      async (m) => {
        if (m.id === first) await gate;
        handled.push(m.id);
      },
      { prefetch: 2 },
    );
    const forwarder = new LogForwarder(store, bus, checkpoints, {
      types: new Set(['OrderPlaced']),
      name: 'fwd',
    });
    await forwarder.start();
    await store.append('order-1', [{ id: first, type: 'OrderPlaced', data: {}, metadata: META }]);
    await new Promise((r) => setTimeout(r, 100)); // past the forwarder's batch window: two batches
    await store.append('order-2', [{ id: second, type: 'OrderPlaced', data: {}, metadata: META }]);
    for (let i = 0; i < 200 && !handled.includes(second); i++) await new Promise((r) => setTimeout(r, 10));
    expect(handled).toEqual([second]); // the second batch did not wait for the first one's work
    await new Promise((r) => setTimeout(r, 100));
    expect(await checkpoints.get('fwd')).toBe(0); // but its checkpoint did
    release();
    const [, last] = await store.readAll();
    for (let i = 0; i < 200 && (await checkpoints.get('fwd')) < last.position; i++)
      await new Promise((r) => setTimeout(r, 10));
    expect(await checkpoints.get('fwd')).toBe(last.position);
    expect(handled).toEqual([second, first]);
    await forwarder.stop();
    await bus.close();
    await forwarder.idle();
    await store.close();
  });
});
