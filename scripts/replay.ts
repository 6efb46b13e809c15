import 'reflect-metadata';
import path from 'node:path';
import { checkInvariants } from '../src/application/audit/invariants';
import { loadConfig } from '../src/infrastructure/config/config';
import { SqliteEventStore } from '../src/infrastructure/eventstore/sqlite/sqlite-event-store';
import { MemoryReadStore } from '../src/infrastructure/readstore/memory/memory-read-store';
import { allProjections } from '../src/projections';
import { ProjectionRunner } from '../src/projections/projection-runner';

/**
 * `npm run replay`: rebuilds every read model from the log (DATA_DIR), checks the invariants and prints a report.
 * Exit code 1 when an invariant is broken. Safe while the server runs (it only reads the SQLite file).
 */
async function main(): Promise<void> {
  const config = loadConfig();
  const store = new SqliteEventStore(path.join(config.dataDir, 'events.sqlite'));
  const started = Date.now();
  const readStore = new MemoryReadStore();
  const errors: string[] = [];
  const runner = new ProjectionRunner(store, readStore, allProjections(), {
    onError: (error, event) =>
      errors.push(`${event?.type ?? '?'}@${event?.position ?? '?'}: ${(error as Error).message}`),
  });
  await runner.start();
  await runner.catchUp(600_000);
  await runner.stop();
  const rebuildMs = Date.now() - started;
  const collections: Record<string, number> = {};
  for (const name of await readStore.collectionNames())
    collections[name] = (await readStore.collection(name).all()).length;
  const report = await checkInvariants(store);
  await store.close();
  const ok = report.ok && errors.length === 0;
  console.log(
    JSON.stringify(
      {
        data_dir: config.dataDir,
        rebuild_ms: rebuildMs,
        read_models: collections,
        projection_errors: errors,
        ...report,
        ok,
      },
      null,
      2,
    ),
  );
  process.exit(ok ? 0 : 1);
}

main().catch((error) => {
  console.error(error);
  process.exit(2);
});
