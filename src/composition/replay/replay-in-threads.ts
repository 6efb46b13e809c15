import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import {
  compareWithLive,
  eventsPerSecond,
  replayLog,
  type ReplayOptions,
  type ReplayReport,
} from '../../application/audit/replay';
import { shareOut, type ReplayShare } from '../../application/audit/replay-shares';
import type { ReadDocument, ReadStore } from '../../application/ports/read-store';
import { openSqlite } from '../../infrastructure/eventstore/sqlite/sqlite-database';
import { SqliteEventStore } from '../../infrastructure/eventstore/sqlite/sqlite-event-store';
import { MemoryReadStore } from '../../infrastructure/readstore/memory/memory-read-store';
import { allProjections } from '../../projections';

/** What a share's thread is asked to do (its workerData). */
export interface ShareRequest {
  file: string;
  share: ReplayShare;
  upTo: number;
  eventId?: string;
  holdExpiryPeriodMs?: number;
  fulfillmentGraceMs?: number;
  /** Send the rebuilt documents back (a caller that keeps or compares them). */
  documents: boolean;
}

export type WorkerMessage =
  | { kind: 'progress'; position: number; events: number }
  | { kind: 'done'; report: ReplayReport; documents?: Record<string, ReadDocument[]> }
  /** `name`: the error's class, for an expected one (a damaged log) that is reported as it is. */
  | { kind: 'failed'; message: string; name?: string };

export interface ThreadedReplayOptions extends Pick<
  ReplayOptions,
  'eventId' | 'holdExpiryPeriodMs' | 'fulfillmentGraceMs' | 'onProgress' | 'live' | 'livePosition'
> {
  /** The embedded event store's file. */
  file: string;
  /**
   * Threads to spread the work over; 1 replays in this thread. Default: the machine's cores for a log of
   * THREADS_FROM_EVENTS events or more, else 1.
   */
  threads?: number;
  /** Given: the rebuilt documents are put there (the threads send them back); needed for `live`. */
  fresh?: ReadStore;
}

/**
 * Below this many events a replay takes about as long as starting its threads (each loads the code anew, ~0.3 s):
 * one thread does it sooner.
 */
export const THREADS_FROM_EVENTS = 100_000;

/** The compiled worker; absent when running from the TypeScript sources (the tests' transpiler), see below. */
const WORKER = path.join(__dirname, 'replay-worker.js');

/**
 * `npm run replay` on several cores. Every read model depends only on the log (and on the read models it
 * `reads`), so the work splits into shares (shareOut): the invariant check and the read models, spread over
 * threads by their weight. Each thread reads the whole log itself, from its own connection: reading and parsing
 * are paid once per thread, but the folding, most of a replay's cost, runs side by side. The same report as
 * replayLog's, from the same prefix of the log (every thread stops at the head seen when the replay started).
 */
export async function replayInThreads(options: ThreadedReplayOptions): Promise<ReplayReport> {
  const started = performance.now();
  const head = await readHead(options.file);
  const threads = replayThreadCount(head, options.threads);
  const projections = allProjections();
  if (threads === 1 || !fs.existsSync(WORKER)) return replayHere({ ...options, upTo: head }, projections);

  const fresh = options.fresh ?? (options.live ? new MemoryReadStore() : undefined);
  const shares = shareOut(projections, threads);
  const progress = shares.map(() => ({ position: 0, events: 0 }));
  const workers: Worker[] = [];
  const results = await Promise.all(
    shares.map((share, i) =>
      runShare(
        workers,
        {
          file: options.file,
          share,
          upTo: head,
          eventId: options.eventId,
          holdExpiryPeriodMs: options.holdExpiryPeriodMs,
          fulfillmentGraceMs: options.fulfillmentGraceMs,
          documents: fresh !== undefined,
        },
        (position, events) => {
          progress[i] = { position, events };
          // The replay is as far as its slowest share.
          const slowest = progress.reduce((a, b) => (b.position < a.position ? b : a));
          options.onProgress?.(slowest.position, head, slowest.events);
        },
      ),
    ),
  ).catch(async (error: unknown) => {
    await Promise.all(workers.map((worker) => worker.terminate())); // the other shares' work is moot
    throw error;
  });
  const durationMs = performance.now() - started;

  if (fresh)
    for (const { documents } of results)
      for (const [name, docs] of Object.entries(documents ?? {}))
        for (const doc of docs) await fresh.collection(name).put(doc);
  const checked = results[shares.findIndex((share) => share.invariants)].report;
  const readModels: Record<string, number> = {};
  for (const { report } of results) Object.assign(readModels, report.read_models);
  const errors = results.flatMap(({ report }) => report.projection_errors);
  const { comparison, skipped } = fresh
    ? await compareWithLive({
        fresh,
        live: options.live,
        head,
        eventId: options.eventId,
        logHead: () => readHead(options.file),
        livePosition: options.livePosition,
      })
    : { comparison: null, skipped: null };
  return {
    ...checked,
    ok: checked.ok && errors.length === 0 && (comparison?.equal ?? true),
    duration_ms: Math.round(durationMs),
    events_per_s: eventsPerSecond(checked.events, durationMs),
    threads: shares.length,
    read_models: Object.fromEntries(Object.entries(readModels).sort(([a], [b]) => a.localeCompare(b))),
    projection_errors: errors,
    comparison,
    comparison_skipped: skipped,
  };
}

/** One thread: the classic replay. */
function replayHere(
  options: ThreadedReplayOptions & { upTo: number },
  projections: ReturnType<typeof allProjections>,
): Promise<ReplayReport> {
  return readingLog(options.file, (store) =>
    replayLog({ ...options, store, projections, fresh: options.fresh ?? new MemoryReadStore() }),
  );
}

/** The threads a replay of a log of `head` events uses: `requested`, else the cores from THREADS_FROM_EVENTS on. */
export function replayThreadCount(head: number, requested?: number): number {
  return Math.max(1, Math.floor(requested ?? (head >= THREADS_FROM_EVENTS ? os.availableParallelism() : 1)));
}

export const readHead = (file: string): Promise<number> => readingLog(file, (store) => store.headPosition());

/**
 * `use` on the store of a connection of its own, closed after: a replay only reads, so without the store's
 * checkpoint thread (the server, if it runs, checkpoints the file).
 */
export async function readingLog<T>(file: string, use: (store: SqliteEventStore) => Promise<T>): Promise<T> {
  const db = openSqlite(file);
  const store = new SqliteEventStore(db);
  try {
    return await use(store);
  } finally {
    await store.close();
    db.close();
  }
}

function runShare(
  workers: Worker[],
  request: ShareRequest,
  onProgress: (position: number, events: number) => void,
): Promise<Extract<WorkerMessage, { kind: 'done' }>> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(WORKER, { workerData: request });
    workers.push(worker);
    let settled = false;
    worker.on('message', (message: WorkerMessage) => {
      if (message.kind === 'progress') return onProgress(message.position, message.events);
      settled = true;
      if (message.kind === 'done') resolve(message);
      else if (message.name === 'UnreadableEventError')
        reject(Object.assign(new Error(message.message), { name: message.name }));
      else reject(new Error(`a replay thread failed: ${message.message}`));
    });
    worker.once('error', (error) => {
      settled = true;
      reject(error);
    });
    worker.once('exit', (code) => {
      if (!settled) reject(new Error(`a replay thread ended (exit code ${code}) before its report`));
    });
  });
}
