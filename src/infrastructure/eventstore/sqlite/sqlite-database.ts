import Database from 'better-sqlite3';
import fs from 'node:fs';
import path from 'node:path';

/** The embedded event store's file in a data directory (the server writes it, `npm run replay` reads it). */
export const embeddedLogFile = (dataDir: string): string => path.join(dataDir, 'events.sqlite');

/** The database and SQLite's side files: all hold password and token hashes, so all are owner-only. */
export const SQLITE_SIDE_FILES = ['', '-wal', '-shm', '-journal'] as const;

/**
 * Opens the embedded database file. WAL with synchronous=NORMAL: a committed transaction survives a process
 * crash (SIGKILL); only an OS crash or power loss may lose the last few, which is the documented trade-off.
 * busy_timeout lets two processes share the file: writers queue instead of failing with SQLITE_BUSY.
 *
 * Permissions: a new directory is 0700; the file is created 0600 before SQLite opens it (SQLite gives its
 * -wal and -shm files the database file's mode), and every one of them is tightened to 0600 after opening,
 * which also fixes files left world-readable by an older version.
 */
export function openSqlite(file: string): Database.Database {
  const inMemory = file === ':memory:' || file === '';
  if (!inMemory) {
    fs.mkdirSync(path.dirname(path.resolve(file)), { recursive: true, mode: 0o700 });
    fs.closeSync(fs.openSync(file, 'a', 0o600));
  }
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.pragma('busy_timeout = 10000');
  // Checkpoint every ~40 MB of WAL rather than SQLite's default 4 MB: a checkpoint copies the WAL's pages into the
  // database and syncs both, and an index page rewritten by many commits is copied once per checkpoint. On a
  // store of 200,000 events this cut the write cost per append from ~80 to ~55 us (bench/results/issue-14).
  // The WAL file is cut back to 64 MB after a checkpoint, so a burst does not keep its disk space. The event store
  // checkpoints its file from a worker thread far more often (WalCheckpointer): this is then only the backstop.
  db.pragma('wal_autocheckpoint = 10000');
  db.pragma(`journal_size_limit = ${64 * 1024 * 1024}`);
  db.pragma('foreign_keys = ON');
  // Temporary data in memory: above all the statement journals of the group commit's savepoints (each unit of work
  // runs in one, see SqliteGroupCommit), which SQLite otherwise writes to a temporary file, page by page: 13,947
  // writes in the saga bench, beside 47,000 WAL frames. Only a rollback to a savepoint reads them, and a crash
  // loses nothing by them: the WAL alone makes a commit durable.
  db.pragma('temp_store = MEMORY');
  if (!inMemory) restrictToOwner(file);
  return db;
}

/** chmod 0600 on the database and whichever of its side files exist (POSIX only; a no-op on Windows). */
export function restrictToOwner(file: string): void {
  if (process.platform === 'win32') return;
  for (const suffix of SQLITE_SIDE_FILES) {
    const target = `${file}${suffix}`;
    try {
      if ((fs.statSync(target).mode & 0o077) !== 0) fs.chmodSync(target, 0o600);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
  }
}
