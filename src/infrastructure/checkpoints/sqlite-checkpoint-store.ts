import type Database from 'better-sqlite3';
import type { CheckpointStore } from '../../application/ports/checkpoint-store';

export class SqliteCheckpointStore implements CheckpointStore {
  private readonly getStmt;
  private readonly setStmt;

  constructor(db: Database.Database) {
    db.exec(
      'CREATE TABLE IF NOT EXISTS checkpoints (name TEXT PRIMARY KEY, position INTEGER NOT NULL) WITHOUT ROWID',
    );
    this.getStmt = db.prepare<[string], { position: number }>(
      'SELECT position FROM checkpoints WHERE name = ?',
    );
    this.setStmt = db.prepare(
      'INSERT INTO checkpoints (name, position) VALUES (?, ?) ON CONFLICT(name) DO UPDATE SET position = excluded.position WHERE excluded.position > checkpoints.position',
    );
  }

  async get(name: string): Promise<number> {
    return this.getStmt.get(name)?.position ?? 0;
  }

  async set(name: string, position: number): Promise<void> {
    this.setStmt.run(name, position);
  }
}
