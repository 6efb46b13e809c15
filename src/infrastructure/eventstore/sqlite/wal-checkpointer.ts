import { Worker } from 'node:worker_threads';

/** How often the checkpointer copies the WAL into the database file. */
export const DEFAULT_CHECKPOINT_INTERVAL_MS = 500;

/**
 * The worker's code, inline (`eval`) so it runs the same from the compiled build and from the tests' TypeScript:
 * its own connection to the file, a PASSIVE checkpoint every interval, closed on request.
 */
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.driver);
const db = new Database(workerData.file);
db.pragma('busy_timeout = 1000');
const timer = setInterval(() => {
  try {
    db.pragma('wal_checkpoint(PASSIVE)');
  } catch (error) {
    // Busy (another process checkpoints) or the file is going away: the next tick, or SQLite's own
    // autocheckpoint, does it.
  }
}, workerData.intervalMs);
parentPort.on('message', () => {
  clearInterval(timer);
  db.close();
  process.exit(0);
});
`;

/**
 * Checkpoints a WAL-mode SQLite file from a worker thread. A checkpoint copies the WAL's pages into the database
 * file and syncs both: tens to hundreds of milliseconds once the WAL holds tens of megabytes. Run by the committing
 * connection (SQLite's autocheckpoint), it stalls every append of the process for that long; here it runs beside
 * them (PASSIVE: it never blocks a writer), on the other core. The committing connection keeps its own
 * autocheckpoint as a backstop, should this thread fall behind or die.
 */
export class WalCheckpointer {
  private readonly worker: Worker;
  private exited = false;
  private closing?: Promise<void>;

  constructor(file: string, intervalMs = DEFAULT_CHECKPOINT_INTERVAL_MS) {
    this.worker = new Worker(WORKER_SOURCE, {
      eval: true,
      workerData: { file, intervalMs, driver: require.resolve('better-sqlite3') },
    });
    // Never what keeps a process alive; an error in it (the file vanished) leaves the backstop to do the work.
    this.worker.unref();
    this.worker.on('error', () => undefined);
    this.worker.once('exit', () => (this.exited = true));
  }

  /** Closes the worker's connection and ends the thread (before the main connection closes, so that one is last). */
  close(): Promise<void> {
    this.closing ??= new Promise<void>((resolve) => {
      if (this.exited) return resolve();
      this.worker.once('exit', () => resolve());
      // Waited for: the process must not end (its event loop empty) before the connection is closed.
      this.worker.ref();
      this.worker.postMessage('close');
    });
    return this.closing;
  }
}
