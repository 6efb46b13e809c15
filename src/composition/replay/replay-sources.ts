import { replayLog, type ReplayOptions, type ReplayReport } from '../../application/audit/replay';
import type { ReadStore } from '../../application/ports/read-store';
import { EventStoreDbEventStore } from '../../infrastructure/eventstore/eventstoredb/eventstoredb-event-store';
import { MemoryReadStore } from '../../infrastructure/readstore/memory/memory-read-store';
import { MongoReadStore } from '../../infrastructure/readstore/mongo/mongo-read-store';
import { allProjections } from '../../projections';
import { PROJECTIONS_CHECKPOINT } from '../../projections/projection-runner';
import { connectBackend } from '../backends';
import { checkEventIn } from './replay-input';

/**
 * Where `npm run replay` reads the log and finds the live read models, as the server does: the log in
 * EventStoreDB when EVENTSTORE_URL is set (else the SQLite file in DATA_DIR, see replay-in-threads.ts), the live
 * read models in MongoDB when MONGO_URL is set (else they live in the server's memory, out of reach). A replay only
 * reads: nothing is created on either server.
 */

/** The live read models of the servers, and where they stand in the log. */
export interface LiveReadModels {
  store: ReadStore;
  /** Their projections' checkpoint. */
  position(): Promise<number>;
  close(): Promise<void>;
}

/** MongoDB's read models, read-only; a server that does not answer within `timeoutMs` is one line, exit code 2. */
export async function connectLiveReadModels(url: string, timeoutMs: number): Promise<LiveReadModels> {
  const store = await connectBackend('MongoDB', url, timeoutMs, () =>
    MongoReadStore.connect(url, { readOnly: true, connectTimeoutMs: timeoutMs }),
  );
  return {
    store,
    position: () => store.getCheckpoint(PROJECTIONS_CHECKPOINT),
    close: () => store.close(),
  };
}

export type SourceReplayOptions = Omit<ReplayOptions, 'store' | 'projections' | 'fresh'>;

/**
 * The log in EventStoreDB, replayed in this thread (threads each read the SQLite file themselves; EventStoreDB's
 * reads go through one client). Positions are EventStoreDB's commit positions: only their order means something.
 */
export async function replayEventStoreDb(
  url: string,
  timeoutMs: number,
  options: SourceReplayOptions,
): Promise<ReplayReport> {
  const store = await connectBackend(
    'EventStoreDB',
    url,
    timeoutMs,
    () => new EventStoreDbEventStore(url),
    (connected) => connected.headPosition(),
  );
  try {
    if (options.eventId !== undefined) await checkEventIn(store, options.eventId, 'EventStoreDB');
    return await replayLog({
      ...options,
      store,
      projections: allProjections(),
      fresh: new MemoryReadStore(),
    });
  } finally {
    await store.close();
  }
}
