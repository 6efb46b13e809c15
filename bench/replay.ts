/**
 * Replay speed on a big log: `npm run bench:replay` (BENCH_REPLAY_EVENTS, default 1,000,000).
 * BENCH_REPLAY_LOG=<file>: keep the generated log in that SQLite file and reuse it on the next runs (writing
 * the log takes longer than replaying it; profiling runs the replay many times).
 *
 * Writes a realistic on-sale log straight into a fresh SQLite store (venues, events, holds that lapse and are
 * released by the expiry job, purchases with their order and ticket streams: every invariant holds), then
 * measures, on the same log:
 * - reading and parsing alone (readAllSync in pages of LOG_PAGE_SIZE, as the replay reads; the faster of two passes):
 *   the ceiling;
 * - the invariant check alone (checkInvariants);
 * - `npm run replay` itself, in a process of its own: invariants at every point and every read model rebuilt into a
 *   fresh memory store, spread over the machine's cores (each thread reads the log itself);
 * - the same work in one thread, in this process (replayLog).
 * Prints one JSON object and writes it to bench/results/replay-<timestamp>.json.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { v7 as uuidv7 } from 'uuid';
import { checkInvariants } from '../src/application/audit/invariants';
import { replayLog, type ReplayReport } from '../src/application/audit/replay';
import { LOG_PAGE_SIZE } from '../src/application/audit/seat-ledger';
import type { EventToAppend } from '../src/application/ports/event-store';
import { ticketIdFor } from '../src/application/tickets/ticket-ids';
import { embeddedLogFile } from '../src/infrastructure/eventstore/sqlite/sqlite-database';
import { SqliteEventStore } from '../src/infrastructure/eventstore/sqlite/sqlite-event-store';
import { MemoryReadStore } from '../src/infrastructure/readstore/memory/memory-read-store';
import { allProjections } from '../src/projections';
import { round } from './lib/stats';

const TARGET = Number(process.env.BENCH_REPLAY_EVENTS ?? 1_000_000);
const ROWS = 100;
const SEATS_PER_ROW = 50; // 5,000 seats per section
const SECTIONS = 10; // 50,000 seats per venue
const PRICE = 15_000;
const FEES = 2_250;
const TAXES = 1_000;

type Meta = EventToAppend['metadata'];
const meta = (correlationId: string, userId: string): Meta => ({
  correlationId,
  causationId: correlationId,
  userId,
  schemaVersion: 1,
});

/** Appends in batches per stream, keeping revisions; one transaction per append as the app does. */
class Writer {
  events = 0;
  private readonly revisions = new Map<string, number>();
  constructor(private readonly store: SqliteEventStore) {}
  append(stream: string, events: Array<Omit<EventToAppend, 'id'>>): void {
    const current = this.revisions.get(stream);
    const result = this.store.appendSync(
      stream,
      events.map((e) => ({ ...e, id: uuidv7() })),
      current === undefined ? 'no_stream' : current,
    );
    this.revisions.set(stream, result.nextExpectedRevision);
    this.events += events.length;
  }
}

function writeLog(store: SqliteEventStore): number {
  const w = new Writer(store);
  const sections = Array.from({ length: SECTIONS }, (_, s) => ({
    sectionId: `s${s + 1}`,
    name: `Section ${s + 1}`,
    rows: Array.from({ length: ROWS }, (_, r) => ({ row: `R${r + 1}`, seatCount: SEATS_PER_ROW })),
  }));
  const venueId = 'bench-venue';
  w.append(`venue-${venueId}`, [
    {
      type: 'VenueCreated',
      data: {
        venueId,
        name: 'Bench Stadium',
        city: 'X',
        state: 'Y',
        country: 'US',
        sections,
        capacity: SECTIONS * ROWS * SEATS_PER_ROW,
      },
      metadata: { ...meta('setup', 'admin'), schemaVersion: 2 },
    },
  ]);
  const start = Date.parse('2030-01-01T10:00:00Z');
  for (let e = 0; w.events < TARGET; e += 1) {
    const eventId = `bench-event-${e}`;
    const stream = `event-${eventId}`;
    w.append(stream, [
      {
        type: 'EventCreated',
        data: {
          eventId,
          name: `Bench ${e}`,
          artist: 'Bench',
          description: 'bench',
          category: 'Concert',
          venueId,
          venueName: 'Bench Stadium',
          city: 'X',
          state: 'Y',
          country: 'US',
          date: '2031-01-01T20:00:00Z',
          doorsOpen: null,
          presaleStart: null,
          generalSaleStart: '2029-01-01T00:00:00Z',
          tiers: [
            {
              tierId: `${eventId}-t1`,
              name: 'All',
              priceCents: PRICE,
              feesCents: FEES,
              sectionIds: sections.map((s) => s.sectionId),
            },
          ],
          maxTicketsPerOrder: 8,
          restrictSingleSeat: false,
          queue: { enabled: false, admissionPerMinute: 0 },
          capacity: SECTIONS * ROWS * SEATS_PER_ROW,
          createdAt: new Date(start).toISOString(),
        },
        metadata: meta('setup', 'admin'),
      },
      {
        type: 'EventPublished',
        data: { eventId, publishedAt: new Date(start).toISOString() },
        metadata: meta('setup', 'admin'),
      },
    ]);
    let t = start;
    const at = () => new Date((t += 7)).toISOString();
    for (const section of sections)
      for (const row of section.rows)
        for (let n = 1; n + 1 <= row.seatCount && w.events < TARGET; n += 2) {
          const seatIds = [
            `${section.sectionId}:${row.row}:${n}`,
            `${section.sectionId}:${row.row}:${n + 1}`,
          ];
          const userId = `user-${n % 997}`;
          // A hold that lapses: the expiry job releases it shortly after it expires.
          const lapsed = uuidv7();
          const heldAt = at();
          const expiresAt = new Date(Date.parse(heldAt) + 600_000).toISOString();
          w.append(stream, [
            {
              type: 'SeatsHeld',
              data: {
                eventId,
                holdId: lapsed,
                userId,
                seatIds,
                heldAt,
                expiresAt,
                subtotalCents: 2 * PRICE,
                feesCents: 2 * FEES,
              },
              metadata: meta(`req-${lapsed}`, userId),
            },
            {
              type: 'HoldReleased',
              data: {
                eventId,
                holdId: lapsed,
                userId,
                seatIds,
                reason: 'expired',
                releasedAt: new Date(Date.parse(expiresAt) + 200).toISOString(),
              },
              metadata: meta(`expiry-${lapsed}`, 'expiry-job'),
            },
          ]);
          // A purchase as the API and the payment saga write it today: hold, payment attempt, order placed, seats
          // sold, capture recorded, tickets issued, then the confirmation with the order's tickets in one append.
          const holdId = uuidv7();
          const orderId = uuidv7();
          const c = `req-${orderId}`;
          const held = at();
          const total = 2 * (PRICE + FEES) + TAXES;
          w.append(stream, [
            {
              type: 'SeatsHeld',
              data: {
                eventId,
                holdId,
                userId,
                seatIds,
                heldAt: held,
                expiresAt: new Date(Date.parse(held) + 600_000).toISOString(),
                subtotalCents: 2 * PRICE,
                feesCents: 2 * FEES,
              },
              metadata: meta(c, userId),
            },
          ]);
          const placed = {
            orderId,
            userId,
            eventId,
            reservationId: holdId,
            eventName: `Bench ${e}`,
            eventDate: '2031-01-01T20:00:00Z',
            venueName: 'Bench Stadium',
            seats: seatIds.map((seatId, i) => ({
              seatId,
              section: section.name,
              row: row.row,
              seat: String(n + i),
              priceCents: PRICE,
              feesCents: FEES,
            })),
            subtotalCents: 2 * PRICE,
            feesCents: 2 * FEES,
            taxesCents: TAXES,
            totalCents: total,
            paymentMethodId: 'pm',
            cardToken: 'tok_visa',
            authorizationId: `auth-${orderId}`,
            deliveryMethod: 'MOBILE',
            billingAddress: null,
            placedAt: at(),
          };
          w.append(`order-${orderId}`, [
            {
              type: 'OrderPaymentAuthorizing',
              data: {
                orderId,
                holdId,
                eventId,
                userId,
                attempt: 1,
                amountCents: total,
                currency: 'USD',
                paymentMethodId: 'pm',
                cardToken: 'tok_visa',
                idempotencyKey: `auth-${orderId}-1`,
                requestedAt: at(),
              },
              metadata: meta(c, userId),
            },
          ]);
          w.append(`order-${orderId}`, [{ type: 'OrderPlaced', data: placed, metadata: meta(c, userId) }]);
          w.append(stream, [
            {
              type: 'SeatsSold',
              data: { eventId, holdId, orderId, userId, seatIds, soldAt: at(), totalCents: total },
              metadata: meta(c, 'saga:payment'),
            },
          ]);
          const tickets = seatIds.map((seatId) => ({
            ticketId: ticketIdFor(orderId, seatId),
            seatId,
            barcode: `B${uuidv7()}`,
          }));
          w.append(`order-${orderId}`, [
            {
              type: 'PaymentCaptured',
              data: { orderId, captureId: `cap-${orderId}`, amountCents: total, capturedAt: at() },
              metadata: meta(c, 'saga:payment'),
            },
          ]);
          for (const [i, ticket] of tickets.entries())
            w.append(`ticket-${ticket.ticketId}`, [
              {
                type: 'TicketIssued',
                data: {
                  ticketId: ticket.ticketId,
                  orderId,
                  eventId,
                  ownerUserId: userId,
                  ownerEmail: null,
                  seatId: ticket.seatId,
                  section: section.name,
                  row: row.row,
                  seat: String(n + i),
                  barcode: ticket.barcode,
                  eventName: `Bench ${e}`,
                  eventDate: '2031-01-01T20:00:00Z',
                  venueName: 'Bench Stadium',
                  previousTicketId: null,
                  issuedAt: at(),
                },
                metadata: meta(c, 'saga:payment'),
              },
            ]);
          const confirmedAt = at();
          w.append(`order-${orderId}`, [
            {
              type: 'OrderConfirmed',
              data: { ...placed, confirmedAt },
              metadata: meta(c, 'saga:payment'),
            },
            {
              type: 'TicketsIssued',
              data: { orderId, tickets, issuedAt: confirmedAt },
              metadata: meta(c, 'saga:payment'),
            },
          ]);
        }
  }
  return w.events;
}

async function main(): Promise<void> {
  const kept = process.env.BENCH_REPLAY_LOG;
  const dir = kept ? undefined : fs.mkdtempSync(path.join(os.tmpdir(), 'bench-replay-'));
  const file = kept ?? path.join(dir!, 'events.sqlite');
  let store = new SqliteEventStore(file);
  try {
    let t0 = performance.now();
    let events = await store.headPosition();
    if (events > 0) console.error(`reusing the ${events} events of ${kept}`);
    else {
      events = writeLog(store);
      const writeS = (performance.now() - t0) / 1000;
      console.error(`wrote ${events} events in ${writeS.toFixed(1)} s`);
      // Measured on the log as an auditor meets it: closed (its WAL folded into the file), then opened again. Read
      // at once through the writer's tens of MB of WAL, it read and replayed at half the speed or less, so a run
      // that wrote its log and a run that reused one gave figures that could not be compared.
      await store.close();
      store = new SqliteEventStore(file);
    }

    // Twice, the faster kept: the first pass after other work on the box read at ~205k events/s against ~330k
    // (the file's pages back in the page cache, the code warm), which flattered every ratio to it.
    let read = 0;
    let readS = Infinity;
    for (let pass = 0; pass < 2; pass += 1) {
      t0 = performance.now();
      read = 0;
      for (let from = 0; ;) {
        const page = store.readAllSync(from, LOG_PAGE_SIZE);
        if (page.length === 0) break;
        read += page.length;
        from = page[page.length - 1].position;
      }
      readS = Math.min(readS, (performance.now() - t0) / 1000);
    }
    console.error(`read and parsed ${read} events: ${Math.round(read / readS)} events/s`);

    // `npm run replay`'s figure, measured as an auditor meets it: the CLI in a process of its own (which picks its
    // threads and its node flags itself), on this log, before this process's own replays fill its heap.
    const cli = replayWithCli(file);
    console.error(`npm run replay (${cli.threads} threads): ${cli.events_per_s} events/s`);

    t0 = performance.now();
    const invariants = await checkInvariants(store, LOG_PAGE_SIZE, { holdExpiryPeriodMs: 1000 });
    const invariantsS = (performance.now() - t0) / 1000;
    if (!invariants.ok)
      throw new Error(`the bench log breaks an invariant: ${JSON.stringify(invariants.violations[0])}`);
    console.error(`invariants alone: ${Math.round(invariants.events / invariantsS)} events/s`);

    const oneThread = await replayLog({
      store,
      projections: allProjections(),
      fresh: new MemoryReadStore(),
      holdExpiryPeriodMs: 1000,
    });
    for (const r of [oneThread, cli])
      if (!r.ok)
        throw new Error(
          `replay found problems: ${JSON.stringify(r.violations[0] ?? r.projection_errors[0])}`,
        );
    console.error(`replay (invariants + every read model), one thread: ${oneThread.events_per_s} events/s`);

    const result = {
      when: new Date().toISOString(),
      events,
      read_and_parse_events_per_s: Math.round(read / readS),
      invariants_only_events_per_s: Math.round(invariants.events / invariantsS),
      // npm run replay's figure (its report's, from the replay's start to its end): spread over `replay_threads`.
      replay_events_per_s: cli.events_per_s,
      replay_ms: cli.duration_ms,
      replay_threads: cli.threads,
      replay_to_read_and_parse: round(cli.events_per_s / (read / readS)),
      replay_one_thread_events_per_s: oneThread.events_per_s,
      replay_one_thread_ms: oneThread.duration_ms,
      read_models: cli.read_models,
      node: process.version,
      cpus: os.cpus().length,
    };
    console.log(JSON.stringify(result, null, 2));
    const out = path.join(__dirname, '..', '..', 'bench', 'results');
    fs.mkdirSync(out, { recursive: true });
    fs.writeFileSync(
      path.join(out, `replay-${result.when.replace(/[:.]/g, '-')}.json`),
      JSON.stringify(result, null, 2),
    );
  } finally {
    await store.close();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * `node dist/scripts/replay.js --json` on `file` (DATA_DIR is a directory holding it as the embedded log's name),
 * with the bench's expiry allowance; its report.
 */
function replayWithCli(file: string): ReplayReport {
  let dataDir = path.dirname(file);
  let linked: string | undefined;
  if (embeddedLogFile(dataDir) !== path.resolve(file)) {
    linked = dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-replay-cli-'));
    fs.symlinkSync(path.resolve(file), embeddedLogFile(dataDir));
  }
  try {
    const run = spawnSync(
      process.execPath,
      [
        path.join(__dirname, '..', 'scripts', 'replay.js'),
        '--json',
        '--no-progress',
        '--expiry-period-ms',
        '1000',
      ],
      { env: { ...process.env, DATA_DIR: dataDir }, encoding: 'utf8', maxBuffer: 64 * 2 ** 20 },
    );
    if (run.status !== 0) throw new Error(`npm run replay exited ${run.status}: ${run.stderr}`);
    return JSON.parse(run.stdout) as ReplayReport;
  } finally {
    if (linked) fs.rmSync(linked, { recursive: true, force: true });
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
