import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { SqliteEventStore } from '../../src/infrastructure/eventstore/sqlite/sqlite-event-store';

/**
 * The embedded event store checkpoints its WAL from a worker thread (WalCheckpointer), so no append waits for a
 * checkpoint. Its committing connection would only checkpoint at ~40 MB of WAL (the backstop): data reaching the
 * database file below that is the worker's doing.
 */
const metadata = { correlationId: 'c', causationId: 'c', userId: 'u', schemaVersion: 1 };

describe('SQLite event store: WAL checkpoints beside the appends', () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wal-checkpointer-'));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('the WAL is copied into the database file by the worker, far below the autocheckpoint backstop', async () => {
    const file = path.join(dir, 'events.sqlite');
    const store = new SqliteEventStore(file);
    try {
      const emptySize = fs.statSync(file).size;
      const payload = 'x'.repeat(1000);
      for (let i = 0; i < 20; i += 1)
        await Promise.all(
          Array.from({ length: 50 }, (_, j) =>
            store.append(`s-${i}-${j}`, [{ id: `${i}-${j}`, type: 'T', data: { payload }, metadata }]),
          ),
        );
      // ~1 MB appended: in the WAL only, until a checkpoint copies it (a few of the worker's 500 ms ticks).
      let size = fs.statSync(file).size;
      for (let i = 0; i < 60 && size < 500_000; i += 1) {
        await new Promise((r) => setTimeout(r, 100));
        size = fs.statSync(file).size;
      }
      expect(emptySize).toBeLessThan(100_000);
      expect(size).toBeGreaterThan(500_000);
      expect(await store.readAll()).toHaveLength(1000);
    } finally {
      await store.close();
    }
  });

  it('close() waits for the worker even when nothing else keeps the process alive, then the file is whole', () => {
    const file = path.join(dir, 'events.sqlite');
    const storeModule = path.resolve(
      __dirname,
      '../../dist/src/infrastructure/eventstore/sqlite/sqlite-event-store.js',
    );
    // A process whose only pending work is the close: it must print after it (an unref'd worker awaited with
    // nothing else alive would end the process silently, with exit code 0, in the middle of close()).
    const script = `
      const { SqliteEventStore } = require(${JSON.stringify(storeModule)});
      (async () => {
        const store = new SqliteEventStore(${JSON.stringify(file)});
        await store.append('s', [{ id: 'e1', type: 'T', data: {}, metadata: {} }]);
        await store.close();
        console.log('closed');
      })();
    `;
    const out = execFileSync(process.execPath, ['-e', script], { encoding: 'utf8', timeout: 20_000 });
    expect(out.trim()).toBe('closed');
    // The last connection closed folded the WAL into the file.
    expect(fs.existsSync(`${file}-wal`)).toBe(false);
    const reopened = new SqliteEventStore(file);
    return reopened
      .readStream('s')
      .then((events) => expect(events.map((e) => e.id)).toEqual(['e1']))
      .finally(() => reopened.close());
  });
});
