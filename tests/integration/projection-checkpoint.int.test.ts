import { PROJECTIONS_CHECKPOINT, ProjectionRunner } from '../../src/projections/projection-runner';
import { durableMemoryStore, suiteEventStore } from '../support/durable-stores';
import { waitFor } from '../support/wait-for';

/**
 * The projections' checkpoint on a durable read store says where the read models stand once the runner is caught
 * up, not where the last throttled save of a burst left it: `npm run replay` compares live read models only when
 * their checkpoint is the log's head. The durable store is the memory store marked durable (no MongoDB here).
 */
describe('projection checkpoint on a durable read store', () => {
  const store = suiteEventStore('projection-checkpoint-');

  it('follows a burst to its last event once the runner is idle, with one save for the quiet moment', async () => {
    const readStore = durableMemoryStore();
    const saves: number[] = [];
    const setCheckpoint = readStore.setCheckpoint.bind(readStore);
    readStore.setCheckpoint = async (name, position) => {
      saves.push(position);
      await setCheckpoint(name, position);
    };
    const seen: number[] = [];
    const runner = new ProjectionRunner(
      store,
      readStore,
      [{ name: 'seen', handlers: { Noted: (event) => void seen.push(event.position) } }],
      { checkpointEveryMs: 300 },
    );
    await runner.start();
    const meta = { correlationId: 'burst', causationId: 'burst', userId: 'test', schemaVersion: 1 };
    // A burst of appends within one throttle period: only the first is saved on its way.
    for (let i = 0; i < 5; i += 1)
      await store.append(`note-${i}`, [{ id: `n${i}`, type: 'Noted', data: { i }, metadata: meta }], {
        expectedRevision: 'no_stream',
      });
    const head = await store.headPosition();
    await runner.catchUp(5_000);
    expect(seen).toHaveLength(5);

    await waitFor(async () => (await readStore.getCheckpoint(PROJECTIONS_CHECKPOINT)) === head, 3_000);
    expect(await readStore.getCheckpoint(PROJECTIONS_CHECKPOINT)).toBe(head);
    // Idle a while longer: no further saves (one for the quiet moment, not one per drained batch or per tick).
    const afterQuiet = saves.length;
    await new Promise((resolve) => setTimeout(resolve, 700));
    expect(saves.length).toBe(afterQuiet);
    expect(saves.length).toBeLessThan(5);
    await runner.stop();
    expect(saves.length).toBe(afterQuiet); // stop saves nothing new: the checkpoint is already the head
  });
});
