import { randomUUID } from 'node:crypto';
import type Database from 'better-sqlite3';
import type {
  IdempotencyClaim,
  IdempotencyStore,
  StoredResponse,
} from '../../application/ports/idempotency-store';

/** A row of a key whose request is running: `response` holds `{claim}` instead of an answer until it is put. */
interface ClaimRow {
  claim: { token: string; fingerprint: string };
}
type Row = StoredResponse | ClaimRow;
const isClaim = (row: Row): row is ClaimRow => 'claim' in row;

/**
 * Kept in the event store's SQLite file, so a retry after a crash still gets the first answer, and every API
 * process on the file (WORKERS > 1) sees every other's claims: a claim is one IMMEDIATE transaction.
 */
export class SqliteIdempotencyStore implements IdempotencyStore {
  private readonly getStmt;
  private readonly insertStmt;
  private readonly updateStmt;
  private readonly deleteStmt;
  private readonly claimTx: (key: string, fingerprint: string, leaseMs: number) => IdempotencyClaim;
  private readonly putTx: (key: string, response: StoredResponse) => void;
  private readonly releaseTx: (key: string, token: string) => void;

  constructor(db: Database.Database) {
    db.exec(`CREATE TABLE IF NOT EXISTS idempotency_keys (
      key TEXT PRIMARY KEY, response TEXT NOT NULL, created_at INTEGER NOT NULL
    ) WITHOUT ROWID`);
    this.getStmt = db.prepare<[string], { response: string; created_at: number }>(
      'SELECT response, created_at FROM idempotency_keys WHERE key = ?',
    );
    this.insertStmt = db.prepare('INSERT INTO idempotency_keys (key, response, created_at) VALUES (?, ?, ?)');
    this.updateStmt = db.prepare('UPDATE idempotency_keys SET response = ?, created_at = ? WHERE key = ?');
    this.deleteStmt = db.prepare('DELETE FROM idempotency_keys WHERE key = ?');
    const read = (key: string) => {
      const row = this.getStmt.get(key);
      return row && { row: JSON.parse(row.response) as Row, at: row.created_at };
    };
    this.claimTx = db
      .transaction((key: string, fingerprint: string, leaseMs: number): IdempotencyClaim => {
        const found = read(key);
        const now = Date.now();
        if (found && !isClaim(found.row)) return { outcome: 'answered', response: found.row };
        if (found && isClaim(found.row) && now - found.at < leaseMs)
          return { outcome: 'running', fingerprint: found.row.claim.fingerprint };
        const token = randomUUID();
        const claim = JSON.stringify({ claim: { token, fingerprint } } satisfies ClaimRow);
        if (found) this.updateStmt.run(claim, now, key);
        else this.insertStmt.run(key, claim, now);
        return { outcome: 'claimed', token };
      })
      .immediate.bind(null);
    this.putTx = db
      .transaction((key: string, response: StoredResponse) => {
        const found = read(key);
        if (found && !isClaim(found.row)) return; // the first answer stays
        const text = JSON.stringify(response);
        if (found) this.updateStmt.run(text, Date.now(), key);
        else this.insertStmt.run(key, text, Date.now());
      })
      .immediate.bind(null);
    this.releaseTx = db
      .transaction((key: string, token: string) => {
        const found = read(key);
        if (found && isClaim(found.row) && found.row.claim.token === token) this.deleteStmt.run(key);
      })
      .immediate.bind(null);
  }

  async get(key: string): Promise<StoredResponse | undefined> {
    const row = this.getStmt.get(key);
    if (!row) return undefined;
    const parsed = JSON.parse(row.response) as Row;
    return isClaim(parsed) ? undefined : parsed;
  }

  async put(key: string, response: StoredResponse): Promise<void> {
    this.putTx(key, response);
  }

  async claim(key: string, fingerprint: string, leaseMs: number): Promise<IdempotencyClaim> {
    return this.claimTx(key, fingerprint, leaseMs);
  }

  async release(key: string, token: string): Promise<void> {
    this.releaseTx(key, token);
  }
}

/** One process's keys (tests, and stores built without a file). */
export class MemoryIdempotencyStore implements IdempotencyStore {
  private readonly keys = new Map<
    string,
    { response?: StoredResponse; claim?: ClaimRow['claim']; at: number }
  >();

  async get(key: string): Promise<StoredResponse | undefined> {
    return this.keys.get(key)?.response;
  }

  async put(key: string, response: StoredResponse): Promise<void> {
    if (!this.keys.get(key)?.response) this.keys.set(key, { response, at: Date.now() });
  }

  async claim(key: string, fingerprint: string, leaseMs: number): Promise<IdempotencyClaim> {
    const found = this.keys.get(key);
    const now = Date.now();
    if (found?.response) return { outcome: 'answered', response: found.response };
    if (found?.claim && now - found.at < leaseMs)
      return { outcome: 'running', fingerprint: found.claim.fingerprint };
    const token = randomUUID();
    this.keys.set(key, { claim: { token, fingerprint }, at: now });
    return { outcome: 'claimed', token };
  }

  async release(key: string, token: string): Promise<void> {
    if (this.keys.get(key)?.claim?.token === token) this.keys.delete(key);
  }
}
