/**
 * The command path without HTTP, on the real SQLite store:
 * - 100 concurrent HoldSeats commands on ONE event stream through the group-commit processor, versus a plain
 *   read-decide-append-with-retry loop (no cache, no queue) on the same store;
 * - per-command latency on a fresh stream versus a stream with --stream-events events (cache warm, and the
 *   cold load with and without a snapshot).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { v7 as uuidv7 } from 'uuid';
import {
  createTicketedEventProcessor,
  eventStream,
} from '../src/application/ticketed-event/ticketed-event-processor';
import { createVenueProcessor, SeatIndexes } from '../src/application/venue/venue-processor';
import type { EventToAppend } from '../src/application/ports/event-store';
import { WrongExpectedVersionError } from '../src/application/ports/event-store';
import { ticketedEventDecider, type TicketedEventCommand } from '../src/domain/ticketed-event/decide';
import type { TicketedEventEvent } from '../src/domain/ticketed-event/events';
import { SystemClock } from '../src/infrastructure/clock/system-clock';
import { SqliteEventStore } from '../src/infrastructure/eventstore/sqlite/sqlite-event-store';
import { SqliteSnapshotStore } from '../src/infrastructure/snapshots/sqlite-snapshot-store';
import { nowMs, percentiles, round } from './lib/stats';

export interface InProcessOptions {
  concurrency: number;
  commands: number;
  naiveCommands: number;
  streamEvents: number;
}

const meta = { correlationId: 'bench', causationId: 'bench', userId: 'bench' };
const clock = new SystemClock();

function setup(file: string) {
  const store = new SqliteEventStore(file);
  const snapshots = new SqliteSnapshotStore(store.db);
  const venues = createVenueProcessor(store);
  const seatIndexes = new SeatIndexes(venues);
  const ticketedEvents = createTicketedEventProcessor(store, snapshots, seatIndexes, clock);
  return { store, snapshots, venues, seatIndexes, ticketedEvents };
}

type Setup = ReturnType<typeof setup>;

/** A published event at a venue of `sections` x 40 rows x 25 seats, single-seat rule off (commands pick freely). */
async function createOnSale(s: Setup, venueId: string, eventId: string, sections: number): Promise<string[]> {
  const rows = Array.from({ length: 40 }, (_, i) => ({ row: `R${i + 1}`, seats: 25 }));
  await s.venues.execute(
    venueId,
    {
      type: 'CreateVenue',
      venueId,
      name: 'V',
      city: 'C',
      state: 'S',
      country: 'US',
      sections: Array.from({ length: sections }, (_, i) => ({ name: `S${i}`, rows })),
    },
    meta,
  );
  const layout = (await s.seatIndexes.layout(venueId))!;
  await s.ticketedEvents.execute(
    eventId,
    {
      type: 'CreateEvent',
      eventId,
      name: 'Bench',
      artist: 'Bench',
      description: '',
      category: 'Concert',
      venue: layout,
      date: '2030-01-01T20:00:00Z',
      doorsOpen: null,
      presaleStart: null,
      generalSaleStart: '2020-01-01T00:00:00Z',
      tiers: [
        {
          tierId: `${eventId}-t1`,
          name: 'All',
          priceCents: 5000,
          feesCents: 500,
          sections: layout.sections.map((x) => x.name),
        },
      ],
      maxTicketsPerOrder: 8,
      restrictSingleSeat: false,
      queue: { enabled: false, admissionPerMinute: 1000 },
    },
    meta,
  );
  await s.ticketedEvents.execute(eventId, { type: 'PublishEvent' }, meta);
  return layout.sections.flatMap((sec) =>
    sec.rows.flatMap((r) =>
      Array.from({ length: r.seatCount }, (_, i) => `${sec.sectionId}:${r.row}:${i + 1}`),
    ),
  );
}

function holdCommand(i: number, seats: string[]): TicketedEventCommand {
  return {
    type: 'HoldSeats',
    holdId: uuidv7(),
    userId: `user-${i}`,
    seatIds: [seats[2 * i], seats[2 * i + 1]],
    holdSeconds: 600,
  };
}

/** Runs up to `total` commands with `concurrency` in flight (stopping early after `maxSeconds`); returns commands/s. */
async function drive(
  total: number,
  concurrency: number,
  run: (i: number) => Promise<void>,
  maxSeconds = Infinity,
): Promise<{ rate: number; done: number }> {
  let next = 0;
  let done = 0;
  const started = nowMs();
  const deadline = started + maxSeconds * 1000;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < total && nowMs() < deadline) {
        await run(next++);
        done += 1;
      }
    }),
  );
  return { rate: done / ((nowMs() - started) / 1000), done };
}

/** The baseline: read the stream, decide, append with the expected revision, retry on conflict. No cache. */
async function naiveExecute(s: Setup, eventId: string, command: TicketedEventCommand): Promise<number> {
  const stream = eventStream(eventId);
  for (let attempt = 1; ; attempt += 1) {
    const recorded = await s.store.readStream(stream);
    let state = ticketedEventDecider.initialState();
    for (const e of recorded)
      state = ticketedEventDecider.evolve(state, { type: e.type, data: e.data } as TicketedEventEvent);
    const seats = await s.seatIndexes.get(state.details!.venueId);
    const events = ticketedEventDecider.decide(command, state, { now: clock.now(), seats });
    const toAppend: EventToAppend[] = events.map((e) => ({
      id: uuidv7(),
      type: e.type,
      data: e.data,
      metadata: { ...meta, schemaVersion: 1 },
    }));
    try {
      await s.store.append(stream, toAppend, { expectedRevision: recorded.length - 1 });
      return attempt;
    } catch (error) {
      if (!(error instanceof WrongExpectedVersionError) || attempt >= 1000) throw error;
    }
  }
}

/** Appends `count` hold/release events to an event stream directly (fast), as a long on-sale history would. */
function growStream(s: Setup, eventId: string, seats: string[], count: number): void {
  const stream = eventStream(eventId);
  let revision = (
    s.store.db.prepare('SELECT MAX(revision) AS r FROM events WHERE stream_name = ?').get(stream) as {
      r: number;
    }
  ).r;
  const batch = 5000;
  const expiresAt = new Date(Date.now() + 3_600_000).toISOString();
  for (let written = 0; written < count; written += batch) {
    const events: EventToAppend[] = [];
    for (let i = 0; i < batch && written + i < count; i += 2) {
      const holdId = uuidv7();
      const seatIds = [seats[(written + i) % seats.length]];
      const data = { eventId, holdId, userId: `hist-${i}`, seatIds };
      events.push({
        id: uuidv7(),
        type: 'SeatsHeld',
        data: { ...data, heldAt: expiresAt, expiresAt, subtotalCents: 5000, feesCents: 500 },
        metadata: { ...meta, schemaVersion: 1 },
      });
      events.push({
        id: uuidv7(),
        type: 'HoldReleased',
        data: { ...data, reason: 'released', releasedAt: expiresAt },
        metadata: { ...meta, schemaVersion: 1 },
      });
    }
    const result = s.store.appendSync(stream, events, revision);
    revision = result.nextExpectedRevision;
  }
}

/** Sequential commands (one in flight): the per-command cost with a warm cache. Returns p50 in microseconds. */
async function sequentialLatency(
  s: Setup,
  eventId: string,
  seats: string[],
  offset: number,
  n: number,
): Promise<number> {
  const samples: number[] = [];
  for (let i = 0; i < n; i += 1) {
    const t0 = nowMs();
    await s.ticketedEvents.execute(eventId, holdCommand(offset + i, seats), meta);
    samples.push((nowMs() - t0) * 1000);
  }
  return percentiles(samples).p50;
}

export async function runInProcess(options: InProcessOptions) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ticketing-inproc-'));
  const s = setup(path.join(dir, 'events.sqlite'));
  try {
    // 1. Group commit: `concurrency` commands in flight on one stream.
    const seatsNeeded = 2 * Math.max(options.commands, options.naiveCommands) + 2000;
    const sections = Math.ceil(seatsNeeded / 1000);
    const hotSeats = await createOnSale(s, 'venue-hot', 'hot', sections);
    const statsBefore = { ...s.ticketedEvents.stats };
    const { rate: groupRate } = await drive(options.commands, options.concurrency, async (i) => {
      await s.ticketedEvents.execute('hot', holdCommand(i, hotSeats), meta);
    });
    const batches = s.ticketedEvents.stats.batches - statsBefore.batches;

    // 2. The naive loop on a fresh stream of the same store.
    const naiveSeats = await createOnSale(s, 'venue-naive', 'naive', sections);
    let attempts = 0;
    // The naive loop collapses into conflicts (every writer re-reads the whole stream): bounded in time.
    const { rate: naiveRate, done: naiveDone } = await drive(
      options.naiveCommands,
      options.concurrency,
      async (i) => {
        const used = await naiveExecute(s, 'naive', holdCommand(i, naiveSeats));
        attempts += used;
      },
      20,
    );

    // 3. Per-command latency: fresh stream vs a stream with `streamEvents` events.
    const freshSeats = await createOnSale(s, 'venue-fresh', 'fresh', 2);
    await sequentialLatency(s, 'fresh', freshSeats, 0, 100); // warm-up
    const freshP50 = await sequentialLatency(s, 'fresh', freshSeats, 100, 500);

    const longSeats = await createOnSale(s, 'venue-long', 'long', 2);
    const t0 = nowMs();
    growStream(s, 'long', longSeats.slice(1200), options.streamEvents);
    const growS = (nowMs() - t0) / 1000;
    s.ticketedEvents.evict('long');
    const c0 = nowMs();
    await s.ticketedEvents.execute('long', holdCommand(0, longSeats), meta); // cold: folds the whole stream, then snapshots
    const coldFoldMs = nowMs() - c0;
    s.ticketedEvents.evict('long');
    const c1 = nowMs();
    await s.ticketedEvents.execute('long', holdCommand(1, longSeats), meta); // cold again, from the snapshot
    const coldSnapshotMs = nowMs() - c1;
    await sequentialLatency(s, 'long', longSeats, 2, 98); // warm-up
    const longP50 = await sequentialLatency(s, 'long', longSeats, 100, 500);

    return {
      concurrency: options.concurrency,
      group_commit_commands: options.commands,
      group_commit_cmds_per_s: round(groupRate),
      group_commit_avg_batch: round(options.commands / Math.max(1, batches), 1),
      naive_commands: naiveDone,
      naive_cmds_per_s: round(naiveRate),
      naive_attempts_per_command: round(attempts / Math.max(1, naiveDone), 2),
      speedup: round(groupRate / naiveRate, 1),
      fresh_p50_us: round(freshP50, 1),
      long_stream_events: options.streamEvents,
      long_stream_build_s: round(growS, 1),
      long_stream_cold_load_ms: round(coldFoldMs, 1),
      long_stream_cold_load_from_snapshot_ms: round(coldSnapshotMs, 1),
      long_stream_p50_us: round(longP50, 1),
      long_stream_ratio: round(longP50 / freshP50, 3),
    };
  } finally {
    await s.store.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
