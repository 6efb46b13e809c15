import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { SqliteEventStore } from '../../src/infrastructure/eventstore/sqlite/sqlite-event-store';
import { eventStoreContract } from './event-store.contract';

eventStoreContract('sqlite', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'event-store-contract-'));
  const file = path.join(dir, 'events.db');
  return {
    store: new SqliteEventStore(file),
    reopen: async () => new SqliteEventStore(file),
    cleanup: async () => fs.rmSync(dir, { recursive: true, force: true }),
  };
});
