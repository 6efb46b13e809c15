import 'reflect-metadata';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { SingleBar, Presets } from 'cli-progress';
import { replayLog, type ReplayReport } from '../src/application/audit/replay';
import { loadConfig } from '../src/infrastructure/config/config';
import { SqliteEventStore } from '../src/infrastructure/eventstore/sqlite/sqlite-event-store';
import { MemoryReadStore } from '../src/infrastructure/readstore/memory/memory-read-store';
import { allProjections } from '../src/projections';

/**
 * `npm run replay [-- --event <id>] [-- --json]`: reads the whole log in DATA_DIR, rebuilds every read model into
 * fresh stores, checks the invariants at every point of the log, and prints a report. Exit code 1 when an
 * invariant is broken (each violation names its stream, revision and events), 2 when the replay itself failed.
 * Safe while the server runs (it only reads the SQLite file; events appended meanwhile are left for next time).
 *
 * The embedded profile keeps the live read models in the server's memory, out of this process's reach: the
 * comparison with live read models runs where they are reachable (in-process, see replayLog's `live`).
 */
async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      event: { type: 'string' },
      json: { type: 'boolean', default: false },
      'expiry-period-ms': { type: 'string' },
      'no-progress': { type: 'boolean', default: false },
    },
  });
  const config = loadConfig();
  const store = new SqliteEventStore(path.join(config.dataDir, 'events.sqlite'));
  // The expiry job runs every EXPIRY_SWEEP_MS; a sweep itself may take up to one more period.
  const holdExpiryPeriodMs =
    values['expiry-period-ms'] !== undefined ? Number(values['expiry-period-ms']) : 2 * config.expirySweepMs;
  const bar =
    values.json || values['no-progress'] || !process.stderr.isTTY
      ? undefined
      : new SingleBar(
          {
            format: 'replay [{bar}] {percentage}% | {events} events | {rate} events/s | {eta_formatted} left',
            stream: process.stderr,
          },
          Presets.shades_classic,
        );
  const started = performance.now();
  let report: ReplayReport;
  try {
    const head = await store.headPosition();
    bar?.start(Math.max(head, 1), 0, { events: 0, rate: 0 });
    report = await replayLog({
      store,
      projections: allProjections(),
      fresh: new MemoryReadStore(),
      eventId: values.event,
      holdExpiryPeriodMs,
      onProgress: (position, _head, events) =>
        bar?.update(position, { events, rate: Math.round(events / ((performance.now() - started) / 1000)) }),
    });
  } finally {
    bar?.stop();
    await store.close();
  }
  if (values.json) console.log(JSON.stringify({ data_dir: config.dataDir, ...report }, null, 2));
  else console.log(summary(config.dataDir, report));
  return report.ok ? 0 : 1;
}

function summary(dataDir: string, r: ReplayReport): string {
  const lines = [
    `Replayed ${r.events} events of ${dataDir}${r.scope.event_id ? ` (event ${r.scope.event_id})` : ''} in ${r.duration_ms} ms: ${r.events_per_s} events/s`,
    `Read models rebuilt: ${
      Object.entries(r.read_models)
        .map(([n, c]) => `${n} ${c}`)
        .join(', ') || 'none'
    }`,
    `Seats: ${r.seats.holds} holds, ${r.seats.sales} sales. Orders: ${r.orders.total} (${r.orders.confirmed} confirmed, ${r.orders.cancelled} cancelled, ${r.orders.failed} failed, ${r.orders.pending} in flight; ${r.orders.authorizing} payment attempts open)`,
    `Money: captured ${cents(r.money.capturedCents)}, refunded ${cents(r.money.refundedCents)}, confirmed orders ${cents(r.money.confirmedOrderCents)}`,
    r.comparison === null
      ? 'Live read models: not reachable from here (embedded profile: they live in the server process)'
      : `Live read models: ${r.comparison.equal ? 'equal to the rebuilt ones' : `DIFFERENT in ${r.comparison.collections.map((c) => c.collection).join(', ')}`}`,
  ];
  for (const e of r.projection_errors) lines.push(`Projection error: ${e}`);
  if (r.violations.length === 0 && r.ok) lines.push('Invariants: all hold. OK');
  for (const v of r.violations) {
    lines.push(
      `VIOLATION ${v.invariant} at ${v.stream} revision ${v.revision} (position ${v.position}): ${v.detail}`,
    );
    for (const e of v.events)
      lines.push(`    ${e.type} ${e.stream}@${e.revision} position ${e.position} id ${e.id}`);
  }
  for (const p of r.money.problems.filter((p) => !r.violations.some((v) => p.includes(v.detail))))
    lines.push(`PROBLEM ${p}`);
  return lines.join('\n');
}

const cents = (n: number) => (n / 100).toFixed(2);

main().then(
  (code) => process.exit(code),
  (error) => {
    console.error(error);
    process.exit(2);
  },
);
