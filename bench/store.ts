/**
 * Raw throughput of the embedded SQLite event store, without HTTP or domain logic:
 *   npm run bench:store
 * Appends EVENTS events in appends of BATCH_SIZE across STREAMS streams (exact expected revisions, one
 * transaction per append) via appendSync, then reads the whole log back with readAllSync in pages of
 * READ_PAGE (JSON parsing included). Then the sagas' write pattern on a grown store: after BENCH_PREFILL more
 * one-event streams, GROUP_COMMITS group commits of GROUP_UNITS concurrent appends each (half open a stream with two
 * events, half add one event to a recent stream), timed per append (wall and this process's CPU). The cost of these
 * grows with the store when each new stream lands at a random place of the stream index (v4 ids, as orders and
 * tickets had), unlike the first part's; so the pattern runs twice, on a store of its own each: with random stream
 * ids, then with time-ordered ones (`_time_ordered`: v7 ids, as holds now have and their orders and tickets inherit).
 * Prints one JSON object to stdout.
 */
import { randomUUID } from 'node:crypto';
import { v7 as uuidv7 } from 'uuid';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { EventToAppend, ExpectedRevision } from '../src/application/ports/event-store';
import { SqliteEventStore } from '../src/infrastructure/eventstore/sqlite/sqlite-event-store';
import { RandomIds } from '../src/infrastructure/ids/random-ids';

const EVENTS = Number(process.env.BENCH_EVENTS ?? 200_000);
const BATCH_SIZE = Number(process.env.BENCH_BATCH_SIZE ?? 100);
const STREAMS = 100;
const READ_PAGE = 2000;
const PREFILL = Number(process.env.BENCH_PREFILL ?? 200_000);
const GROUP_COMMITS = 300;
const GROUP_UNITS = 100;

function makeBatch(stream: number, batch: number): EventToAppend[] {
  const correlationId = randomUUID();
  return Array.from({ length: BATCH_SIZE }, (_, i) => ({
    id: uuidv7(), // time-ordered, as the app's command processor writes them
    type: 'SeatReserved',
    data: { eventId: `event-${stream}`, seatId: `S-${batch}-${i}`, orderId: correlationId, priceCents: 4500 },
    metadata: { correlationId, causationId: correlationId, userId: `user-${batch % 1000}`, schemaVersion: 1 },
  }));
}

/**
 * The sagas' write pattern (see the file comment) on a store of its own, new streams named by `newId`:
 * microseconds of wall and CPU time per append.
 */
async function groupCommitsOnGrownStore(newId: () => string) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-store-grown-'));
  const store = new SqliteEventStore(path.join(dir, 'events.db'));
  try {
    return await groupCommits(store, newId);
  } finally {
    await store.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

async function groupCommits(store: SqliteEventStore, newId: () => string) {
  const correlationId = randomUUID();
  const event = (): EventToAppend => ({
    id: uuidv7(),
    type: 'OrderPlaced',
    data: { orderId: correlationId, seats: [{ seatId: 's1:R1:1', priceCents: 5000 }], totalCents: 5000 },
    metadata: { correlationId, causationId: correlationId, userId: 'bench', schemaVersion: 1 },
  });
  const recent: string[] = [];
  const fill = store.db.transaction((from: number) => {
    for (let i = from; i < Math.min(from + 1000, PREFILL); i += 1) {
      const stream = `order-${newId()}`;
      store.appendSync(stream, [event()], 'no_stream');
      recent.push(stream);
    }
  });
  for (let i = 0; i < PREFILL; i += 1000) fill(i);
  recent.splice(0, Math.max(0, recent.length - 2000));

  const started = process.hrtime.bigint();
  const cpu = process.cpuUsage();
  for (let c = 0; c < GROUP_COMMITS; c += 1) {
    const appends: Array<Promise<unknown>> = [];
    for (let u = 0; u < GROUP_UNITS; u += 1) {
      if (u % 2 === 0) {
        const stream = `order-${newId()}`;
        recent.push(stream);
        appends.push(store.append(stream, [event(), event()], { expectedRevision: 'no_stream' }));
      } else {
        const stream = recent[recent.length - 1 - ((c * GROUP_UNITS + u) % 2000)];
        appends.push(store.append(stream, [event()]));
      }
    }
    await Promise.all(appends);
  }
  const used = process.cpuUsage(cpu);
  const appends = GROUP_COMMITS * GROUP_UNITS;
  return {
    prefill_streams: PREFILL,
    appends,
    appends_per_commit: GROUP_UNITS,
    wall_us_per_append: Math.round(Number(process.hrtime.bigint() - started) / 1000 / appends),
    cpu_us_per_append: Math.round((used.user + used.system) / appends),
  };
}

async function main(): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-store-'));
  const store = new SqliteEventStore(path.join(dir, 'events.db'));
  try {
    const batches = Math.ceil(EVENTS / BATCH_SIZE);
    // Built up front so only the store is timed.
    const work = Array.from({ length: batches }, (_, b) => ({
      stream: `bench-${b % STREAMS}`,
      events: makeBatch(b % STREAMS, b),
    }));
    const revisions = new Map<string, number>();

    const appendStart = process.hrtime.bigint();
    for (const { stream, events } of work) {
      const current = revisions.get(stream);
      const expected: ExpectedRevision = current === undefined ? 'no_stream' : current;
      revisions.set(stream, store.appendSync(stream, events, expected).nextExpectedRevision);
    }
    const appendSeconds = Number(process.hrtime.bigint() - appendStart) / 1e9;
    const written = batches * BATCH_SIZE;

    const readStart = process.hrtime.bigint();
    let read = 0;
    let position = 0;
    for (;;) {
      const page = store.readAllSync(position, READ_PAGE);
      if (page.length === 0) break;
      read += page.length;
      position = page[page.length - 1].position;
    }
    const readSeconds = Number(process.hrtime.bigint() - readStart) / 1e9;
    if (read !== written) throw new Error(`Read ${read} events, wrote ${written}`);
    const grown = await groupCommitsOnGrownStore(randomUUID);
    const ids = new RandomIds();
    const grownTimeOrdered = await groupCommitsOnGrownStore(() => ids.timeOrdered());

    console.log(
      JSON.stringify({
        append_events_per_s: Math.round(written / appendSeconds),
        read_events_per_s: Math.round(read / readSeconds),
        events: written,
        batch_size: BATCH_SIZE,
        group_commits_on_grown_store: grown,
        group_commits_on_grown_store_time_ordered: grownTimeOrdered,
      }),
    );
  } finally {
    void store.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

void main();
