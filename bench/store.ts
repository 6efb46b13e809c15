/**
 * Raw throughput of the embedded SQLite event store, without HTTP or domain logic:
 *   npm run bench:store
 * Appends EVENTS events in appends of BATCH_SIZE across STREAMS streams (exact expected revisions, one
 * transaction per append) via appendSync, then reads the whole log back with readAllSync in pages of
 * READ_PAGE (JSON parsing included). Prints one JSON object to stdout.
 */
import { randomUUID } from 'node:crypto';
import { v7 as uuidv7 } from 'uuid';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { EventToAppend, ExpectedRevision } from '../src/application/ports/event-store';
import { SqliteEventStore } from '../src/infrastructure/eventstore/sqlite/sqlite-event-store';

const EVENTS = Number(process.env.BENCH_EVENTS ?? 200_000);
const BATCH_SIZE = Number(process.env.BENCH_BATCH_SIZE ?? 100);
const STREAMS = 100;
const READ_PAGE = 2000;

function makeBatch(stream: number, batch: number): EventToAppend[] {
  const correlationId = randomUUID();
  return Array.from({ length: BATCH_SIZE }, (_, i) => ({
    id: uuidv7(), // time-ordered, as the app's command processor writes them
    type: 'SeatReserved',
    data: { eventId: `event-${stream}`, seatId: `S-${batch}-${i}`, orderId: correlationId, priceCents: 4500 },
    metadata: { correlationId, causationId: correlationId, userId: `user-${batch % 1000}`, schemaVersion: 1 },
  }));
}

function main(): void {
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

    console.log(
      JSON.stringify({
        append_events_per_s: Math.round(written / appendSeconds),
        read_events_per_s: Math.round(read / readSeconds),
        events: written,
        batch_size: BATCH_SIZE,
      }),
    );
  } finally {
    void store.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

main();
