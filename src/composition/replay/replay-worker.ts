import { parentPort, workerData } from 'node:worker_threads';
import { replayLog, type ReplayReport } from '../../application/audit/replay';
import { UnreadableEventError } from '../../application/ports/event-store';
import type { ReadDocument } from '../../application/ports/read-store';
import { MemoryReadStore } from '../../infrastructure/readstore/memory/memory-read-store';
import { allProjections } from '../../projections';
import { readingLog, type ShareRequest, type WorkerMessage } from './replay-in-threads';

/**
 * One share of a replay in threads (see replay-in-threads.ts): reads the whole log from its own connection to the
 * file, folds it into its share of the read models (and checks the invariants if the share says so), reports its
 * progress after every page, then its report and, when asked, the documents it rebuilt.
 */
async function run(request: ShareRequest): Promise<void> {
  const post = (message: WorkerMessage) => parentPort!.postMessage(message);
  const fresh = new MemoryReadStore();
  const wanted = new Set(request.share.projections);
  const report: ReplayReport = await readingLog(request.file, (store) =>
    replayLog({
      store,
      projections: allProjections().filter((p) => wanted.has(p.name)),
      fresh,
      invariants: request.share.invariants,
      upTo: request.upTo,
      eventId: request.eventId,
      holdExpiryPeriodMs: request.holdExpiryPeriodMs,
      fulfillmentGraceMs: request.fulfillmentGraceMs,
      onProgress: (position, _head, events) => post({ kind: 'progress', position, events }),
    }),
  );
  let documents: Record<string, ReadDocument[]> | undefined;
  if (request.documents) {
    documents = {};
    for (const name of await fresh.collectionNames()) documents[name] = await fresh.collection(name).all();
  }
  post({ kind: 'done', report, documents });
}

run(workerData as ShareRequest).catch((error: unknown) =>
  parentPort!.postMessage(
    (error instanceof UnreadableEventError
      ? { kind: 'failed', name: error.name, message: error.message }
      : {
          kind: 'failed',
          message: error instanceof Error ? (error.stack ?? error.message) : String(error),
        }) satisfies WorkerMessage,
  ),
);
