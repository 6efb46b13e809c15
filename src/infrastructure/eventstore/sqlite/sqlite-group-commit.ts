import type Database from 'better-sqlite3';

interface QueuedWork {
  work: () => unknown;
  resolve(value: unknown): void;
  reject(error: unknown): void;
}

/**
 * Group commit for a better-sqlite3 database: units of work submitted in one turn of the event loop run at the
 * next turn in ONE transaction (BEGIN IMMEDIATE), each inside a savepoint of its own, so a unit that throws is
 * rolled back alone and the others still commit. On SQLite a commit, not a statement, is what costs (the WAL
 * write, and the fsync of every WAL checkpoint), so many small concurrent writes cost about as much as one.
 * Each promise settles only once its transaction committed (or failed as a whole).
 */
export class SqliteGroupCommit {
  private queued: QueuedWork[] = [];
  private scheduled = false;
  private closed = false;
  private readonly commitTx: (group: QueuedWork[]) => Array<{ value: unknown } | { error: unknown }>;
  /** Commits so far and the units of work they carried (benchmarks report units per commit). */
  readonly stats = { commits: 0, units: 0 };

  constructor(
    private readonly db: Database.Database,
    private readonly options: {
      /** Units per commit at most (the rest wait for the next one), so a commit holds the write lock briefly. */
      maxPerCommit?: number;
      /** Called after each commit (e.g. to wake the log's subscribers once, not once per unit). */
      onCommit?: () => void;
      /** Called when a group's transaction failed as a whole (nothing of it is stored). */
      onAbort?: () => void;
    } = {},
  ) {
    // Called inside the group's transaction, a better-sqlite3 transaction function runs in a savepoint.
    const inSavepoint = db.transaction((work: () => unknown) => work());
    this.commitTx = db
      .transaction((group: QueuedWork[]) =>
        group.map((queued) => {
          try {
            return { value: inSavepoint(queued.work) };
          } catch (error) {
            return { error };
          }
        }),
      )
      .immediate.bind(null);
  }

  /** Runs `work` (synchronous, on this database) in the next group commit; resolves with its result once durable. */
  run<T>(work: () => T): Promise<T> {
    if (this.closed) return Promise.reject(new Error('The database is closed'));
    return new Promise<T>((resolve, reject) => {
      this.queued.push({ work, resolve: resolve as (value: unknown) => void, reject });
      if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(this.commitNext);
      }
    });
  }

  /** Commits everything queued now; then refuses new work. Call before closing the database. */
  close(): void {
    while (this.queued.length > 0) this.commitNext();
    this.closed = true;
  }

  private readonly commitNext = (): void => {
    this.scheduled = false;
    const group = this.queued.splice(0, this.options.maxPerCommit ?? 500);
    if (this.queued.length > 0 && !this.scheduled) {
      this.scheduled = true;
      setImmediate(this.commitNext);
    }
    if (group.length === 0) return;
    let outcomes: Array<{ value: unknown } | { error: unknown }>;
    try {
      if (!this.db.open) throw new Error('The database is closed');
      outcomes = this.commitTx(group);
    } catch (error) {
      // BEGIN or COMMIT failed (the lock stayed busy, the disk failed): nothing of this group is stored.
      this.options.onAbort?.();
      for (const queued of group) queued.reject(error);
      return;
    }
    this.stats.commits += 1;
    this.stats.units += group.length;
    this.options.onCommit?.();
    group.forEach((queued, i) => {
      const outcome = outcomes[i];
      if ('error' in outcome) queued.reject(outcome.error);
      else queued.resolve(outcome.value);
    });
  };
}
