import Database from 'better-sqlite3';
import fs from 'node:fs';
import path from 'node:path';

/**
 * Opens the embedded database file. WAL with synchronous=NORMAL: a committed transaction survives a process
 * crash (SIGKILL); only an OS crash or power loss may lose the last few, which is the documented trade-off.
 * busy_timeout lets two processes share the file: writers queue instead of failing with SQLITE_BUSY.
 */
export function openSqlite(file: string): Database.Database {
  if (file !== ':memory:') fs.mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.pragma('busy_timeout = 10000');
  db.pragma('foreign_keys = ON');
  return db;
}
