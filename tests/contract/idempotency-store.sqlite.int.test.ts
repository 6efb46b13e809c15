import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { openSqlite } from '../../src/infrastructure/eventstore/sqlite/sqlite-database';
import {
  MemoryIdempotencyStore,
  SqliteIdempotencyStore,
} from '../../src/infrastructure/idempotency/sqlite-idempotency-store';
import { idempotencyStoreContract } from './idempotency-store.contract';

// Two connections to one real file: two API processes on one data directory (WORKERS > 1).
idempotencyStoreContract('SQLite, two connections to one file', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'idempotency-contract-'));
  const file = path.join(dir, 'events.sqlite');
  const [a, b] = [openSqlite(file), openSqlite(file)];
  return {
    store: new SqliteIdempotencyStore(a),
    other: new SqliteIdempotencyStore(b),
    cleanup: async () => {
      a.close();
      b.close();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
});

idempotencyStoreContract('memory (one process)', async () => {
  const store = new MemoryIdempotencyStore();
  return { store, other: store, cleanup: async () => undefined };
});
