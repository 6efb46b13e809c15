import { compareWithLive } from '../../src/application/audit/replay';
import { MemoryReadStore } from '../../src/infrastructure/readstore/memory/memory-read-store';

/**
 * Live read models of another process (MongoDB's, for `npm run replay`) are compared with the rebuilt ones at a
 * quiet moment only: when their checkpoint is the replay's head and the log stays there; otherwise the report
 * says why they were not compared, rather than a difference that is only the server being ahead or behind.
 */
describe('compareWithLive', () => {
  const HEAD = 42;
  const stores = async (liveTotal = 100) => {
    const fresh = new MemoryReadStore();
    const live = new MemoryReadStore();
    await fresh
      .collection<{ _id: string; _position: number; total: number }>('orders')
      .put({ _id: 'o1', _position: 40, total: 100 });
    await live
      .collection<{ _id: string; _position: number; total: number }>('orders')
      .put({ _id: 'o1', _position: 40, total: liveTotal });
    return { fresh, live };
  };
  const at = (position: number) => async () => position;

  it('at the head, with the log still there: compared (equal, or the differing documents named)', async () => {
    const same = await compareWithLive({
      ...(await stores()),
      head: HEAD,
      logHead: at(HEAD),
      livePosition: at(HEAD),
    });
    expect(same).toEqual({ comparison: { equal: true, collections: [] }, skipped: null });
    const differing = await compareWithLive({
      ...(await stores(90)),
      head: HEAD,
      logHead: at(HEAD),
      livePosition: at(HEAD),
    });
    expect(differing.skipped).toBeNull();
    expect(differing.comparison).toMatchObject({
      equal: false,
      collections: [{ collection: 'orders', different: ['o1'] }],
    });
  });

  it('read models behind the head: waits for them, then compares, or says where they stand', async () => {
    let position = HEAD - 3;
    setTimeout(() => (position = HEAD), 150);
    const caughtUp = await compareWithLive({
      ...(await stores()),
      head: HEAD,
      logHead: at(HEAD),
      livePosition: async () => position,
      waitMs: 2_000,
    });
    expect(caughtUp.comparison?.equal).toBe(true);

    const started = Date.now();
    const behind = await compareWithLive({
      ...(await stores(90)),
      head: HEAD,
      logHead: at(HEAD),
      livePosition: at(HEAD - 3),
      waitMs: 300,
    });
    expect(Date.now() - started).toBeGreaterThanOrEqual(250);
    expect(behind).toEqual({
      comparison: null,
      skipped: expect.stringContaining('the live read models stand at log position 39, the log at 42'),
    });
  });

  it('events appended during the replay, or during the comparison: not compared, and said so', async () => {
    const during = await compareWithLive({
      ...(await stores(90)),
      head: HEAD,
      logHead: at(HEAD + 2),
      livePosition: at(HEAD + 2),
    });
    expect(during).toEqual({
      comparison: null,
      skipped: expect.stringContaining("appended while it replayed (the log's head moved from 42 to 44)"),
    });
    let heads = 0;
    const afterwards = await compareWithLive({
      ...(await stores()),
      head: HEAD,
      logHead: async () => (heads++ === 0 ? HEAD : HEAD + 1),
      livePosition: at(HEAD),
    });
    expect(afterwards).toEqual({
      comparison: null,
      skipped: expect.stringContaining('appended while it compared'),
    });
  });

  it('in-process read models (no position to check) are compared as they are; a scoped replay never is', async () => {
    const inProcess = await compareWithLive({ ...(await stores(90)), head: HEAD, logHead: at(HEAD + 5) });
    expect(inProcess.comparison?.equal).toBe(false);
    const scoped = await compareWithLive({
      ...(await stores()),
      head: HEAD,
      eventId: 'e1',
      logHead: at(HEAD),
    });
    expect(scoped).toEqual({ comparison: null, skipped: expect.stringContaining('a replay of one event') });
    const none = await compareWithLive({ fresh: new MemoryReadStore(), head: HEAD, logHead: at(HEAD) });
    expect(none).toEqual({ comparison: null, skipped: null });
  });
});
