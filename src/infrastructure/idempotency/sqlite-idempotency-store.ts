import type Database from 'better-sqlite3';
import type { IdempotencyStore, StoredResponse } from '../../application/ports/idempotency-store';

/** Kept in the event store's SQLite file, so a retry after a crash still gets the first answer. */
export class SqliteIdempotencyStore implements IdempotencyStore {
  private readonly getStmt;
  private readonly putStmt;

  constructor(db: Database.Database) {
    db.exec(`CREATE TABLE IF NOT EXISTS idempotency_keys (
      key TEXT PRIMARY KEY, response TEXT NOT NULL, created_at INTEGER NOT NULL
    ) WITHOUT ROWID`);
    this.getStmt = db.prepare<[string], { response: string }>(
      'SELECT response FROM idempotency_keys WHERE key = ?',
    );
    this.putStmt = db.prepare(
      'INSERT OR IGNORE INTO idempotency_keys (key, response, created_at) VALUES (?, ?, ?)',
    );
  }

  async get(key: string): Promise<StoredResponse | undefined> {
    const row = this.getStmt.get(key);
    return row ? JSON.parse(row.response) : undefined;
  }

  async put(key: string, response: StoredResponse): Promise<void> {
    this.putStmt.run(key, JSON.stringify(response), Date.now());
  }
}

export class MemoryIdempotencyStore implements IdempotencyStore {
  private readonly responses = new Map<string, StoredResponse>();
  async get(key: string): Promise<StoredResponse | undefined> {
    return this.responses.get(key);
  }
  async put(key: string, response: StoredResponse): Promise<void> {
    if (!this.responses.has(key)) this.responses.set(key, response);
  }
}
