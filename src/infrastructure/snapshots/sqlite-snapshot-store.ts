import type Database from 'better-sqlite3';
import type { Snapshot, SnapshotStore } from '../../application/ports/snapshot-store';

export class SqliteSnapshotStore implements SnapshotStore {
  private readonly getStmt;
  private readonly putStmt;

  constructor(db: Database.Database) {
    db.exec(`CREATE TABLE IF NOT EXISTS snapshots (
      stream_name TEXT PRIMARY KEY, revision INTEGER NOT NULL, version INTEGER NOT NULL, state TEXT NOT NULL
    ) WITHOUT ROWID`);
    this.getStmt = db.prepare<[string], { revision: number; version: number; state: string }>(
      'SELECT revision, version, state FROM snapshots WHERE stream_name = ?',
    );
    this.putStmt = db.prepare(
      'INSERT INTO snapshots (stream_name, revision, version, state) VALUES (?, ?, ?, ?) ' +
        'ON CONFLICT(stream_name) DO UPDATE SET revision = excluded.revision, version = excluded.version, state = excluded.state ' +
        'WHERE excluded.revision > snapshots.revision',
    );
  }

  async load(stream: string): Promise<Snapshot | undefined> {
    const row = this.getStmt.get(stream);
    return row && { revision: row.revision, version: row.version, state: JSON.parse(row.state) };
  }

  async save(stream: string, snapshot: Snapshot): Promise<void> {
    this.putStmt.run(stream, snapshot.revision, snapshot.version, JSON.stringify(snapshot.state));
  }
}

export class InMemorySnapshotStore implements SnapshotStore {
  private readonly snapshots = new Map<string, string>();
  async load(stream: string): Promise<Snapshot | undefined> {
    const raw = this.snapshots.get(stream);
    return raw ? JSON.parse(raw) : undefined;
  }
  async save(stream: string, snapshot: Snapshot): Promise<void> {
    this.snapshots.set(stream, JSON.stringify(snapshot));
  }
}
