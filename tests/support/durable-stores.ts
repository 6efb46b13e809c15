import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { SqliteEventStore } from '../../src/infrastructure/eventstore/sqlite/sqlite-event-store';
import { MemoryReadStore } from '../../src/infrastructure/readstore/memory/memory-read-store';

/** A SQLite event store in a directory of its own for the enclosing suite: closed and removed after it. */
export function suiteEventStore(prefix: string): SqliteEventStore {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  const store = new SqliteEventStore(path.join(dir, 'events.sqlite'));
  afterAll(async () => {
    await store.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });
  return store;
}

/**
 * The memory read store marked durable, standing in for MongoDB (none here): the projection runner saves its
 * checkpoint there and resumes from it, as on a durable store.
 */
export function durableMemoryStore(): MemoryReadStore {
  const readStore = new MemoryReadStore();
  Object.defineProperty(readStore, 'durable', { value: true });
  return readStore;
}
