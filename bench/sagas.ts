/**
 * Saga throughput: N orders placed at once (the synchronous part: authorize + record), then the payment and
 * fulfillment sagas confirm them and issue tickets through the bus. Reports orders confirmed per second from the
 * first placement to the last confirmation, for the in-process bus and for RabbitMQ (when reachable).
 */
import fs from 'node:fs';
import { Session } from 'node:inspector/promises';
import os from 'node:os';
import path from 'node:path';
import { COLLECTIONS, type OrderDoc } from '../src/application/read-models/documents';
import { createApplication } from '../src/composition';
import { SqliteEventStore } from '../src/infrastructure/eventstore/sqlite/sqlite-event-store';
import { loadConfig } from '../src/infrastructure/config/config';
import { createLogger } from '../src/infrastructure/logging/logger';
import { nowMs, percentiles, round } from './lib/stats';

const meta = { correlationId: 'bench-sagas', causationId: 'bench-sagas', userId: 'bench' };

/**
 * `placers`: orders being placed at once (buyers checking out concurrently). `warmupRounds`: batches of `orders`
 * placed and confirmed first on the same server, unmeasured, so the measured batch meets compiled code, as an
 * on-sale does after its first seconds; the first (cold) batch's rate is reported beside the measured one.
 * `measuredRounds` batches are then measured one after the other: the figures are the median batch's (by confirmed
 * orders per second), and every batch's rate and CPU per order are listed, so a reader sees the spread.
 */
export async function runSagas(
  orders: number,
  amqpUrl?: string,
  placers = 50,
  warmupRounds = 0,
  measuredRounds = 1,
) {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ticketing-sagas-'));
  const config = loadConfig({
    DATA_DIR: dataDir,
    LOG_LEVEL: 'error',
    RATE_LIMITS: 'off',
    // The saga settings can be varied from the bench's environment (e.g. SAGA_PREFETCH=16 for the old default).
    ...(process.env.SAGA_PREFETCH ? { SAGA_PREFETCH: process.env.SAGA_PREFETCH } : {}),
    ...(amqpUrl ? { AMQP_URL: amqpUrl, BUS_NAMESPACE: `bench-${process.pid}-${Date.now()}` } : {}),
  });
  const app = await createApplication(config, createLogger('error'));
  await app.listen(0, '127.0.0.1');
  try {
    const { catalog } = app;
    const seatsPerRow = 25;
    const rounds = warmupRounds + measuredRounds;
    const rows = Math.ceil((orders * rounds * 2) / seatsPerRow);
    const venue = await catalog.createVenue(
      {
        name: 'Saga Hall',
        city: 'X',
        state: 'X',
        country: 'US',
        sections: [
          {
            name: 'Main',
            rows: Array.from({ length: rows }, (_, i) => ({ row: `R${i + 1}`, seats: seatsPerRow })),
          },
        ],
      },
      meta,
    );
    const { event } = await catalog.createEvent(
      {
        name: 'Saga Bench',
        artist: 'Bench',
        description: '',
        category: 'Concert',
        venueId: venue.venue.venueId,
        date: '2030-01-01T20:00:00.000Z',
        doorsOpen: null,
        presaleStart: null,
        generalSaleStart: '2020-01-01T00:00:00.000Z',
        tiers: [{ name: 'Main', priceCents: 5000, feesCents: 500, sections: ['Main'] }],
        maxTicketsPerOrder: 100,
        restrictSingleSeat: false,
        queue: { enabled: false, admissionPerMinute: 1000 },
      },
      meta,
    );
    await catalog.publish(event.eventId, meta);

    // 20 buyers (registration hashes a password: keep it out of the measured part), 50 orders each at most.
    const buyers = await Promise.all(
      Array.from({ length: Math.ceil((orders * rounds) / 50) }, async (_, i) => {
        const user = await app.accounts.createUser(
          { email: `buyer${i}@bench.test`, password: 'bench-password', name: 'B', role: 'customer' },
          meta,
        );
        const method = await app.paymentMethods.add(
          user.user_id,
          { type: 'CARD', card_token: 'tok_visa' },
          meta,
        );
        return { userId: user.user_id, paymentMethodId: method.payment_method_id };
      }),
    );
    const holds: Array<{ buyer: { userId: string; paymentMethodId: string }; holdId: string }> = [];
    for (let i = 0; i < orders * rounds; i += 1) {
      const buyer = buyers[i % buyers.length];
      const row = `R${Math.floor((2 * i) / seatsPerRow) + 1}`;
      const first = ((2 * i) % seatsPerRow) + 1;
      const seatIds =
        first + 1 <= seatsPerRow ? [`s1:${row}:${first}`, `s1:${row}:${first + 1}`] : [`s1:${row}:${first}`];
      const { hold } = await app.reservations.reserve(event.eventId, buyer.userId, seatIds, meta);
      holds.push({ buyer, holdId: hold.holdId });
    }
    await app.runner.catchUp();

    const collection = app.readStore.collection<OrderDoc>(COLLECTIONS.orders);
    /** Places one round's holds, `placers` at a time, and waits until all of them are confirmed with tickets. */
    const placeRound = async (round: typeof holds, confirmedBefore: number) => {
      const started = nowMs();
      const placeLatencies: number[] = [];
      let next = 0;
      await Promise.all(
        Array.from({ length: placers }, async () => {
          while (next < round.length) {
            const { buyer, holdId } = round[next++];
            const t0 = nowMs();
            await app.orders.place(
              { userId: buyer.userId, isAdmin: false },
              {
                reservationId: holdId,
                paymentMethodId: buyer.paymentMethodId,
                billingAddress: null,
                deliveryMethod: 'MOBILE',
              },
              meta,
            );
            placeLatencies.push(nowMs() - t0);
          }
        }),
      );
      const placedS = (nowMs() - started) / 1000;
      const target = confirmedBefore + round.length;
      const deadline = Date.now() + 600_000;
      while (Date.now() < deadline) {
        // The poller shares the CPU with the sagas it measures: a plain count (an index-free equality the
        // memory store answers without mingo) until every order is confirmed, then the look at their tickets.
        if ((await collection.count({ status: 'CONFIRMED' })) >= target) {
          const confirmedOrders = await collection.find({ status: 'CONFIRMED' });
          if (confirmedOrders.every((o) => o.tickets.length > 0)) break;
        }
        await new Promise((r) => setTimeout(r, 20));
      }
      return { placedS, allS: (nowMs() - started) / 1000, placeLatencies };
    };

    let cold: number | undefined;
    for (let r = 0; r < warmupRounds; r += 1) {
      const { allS } = await placeRound(holds.slice(r * orders, (r + 1) * orders), r * orders);
      cold ??= round(orders / allS);
    }
    const profile = await startProfile();
    const sqlite = app.store instanceof SqliteEventStore ? app.store : undefined;
    const measuredRuns = [];
    for (let r = warmupRounds; r < rounds; r += 1) {
      const batch = holds.slice(r * orders, (r + 1) * orders);
      const before = sqlite?.commitStats;
      const cpuBefore = process.cpuUsage();
      const { placedS, allS, placeLatencies } = await placeRound(batch, r * orders);
      const cpu = process.cpuUsage(cpuBefore);
      // This batch's group commits (the counters go on growing through the next batches).
      const after = sqlite?.commitStats;
      const commits = before &&
        after && { commits: after.commits - before.commits, units: after.units - before.units };
      measuredRuns.push({ batch, placedS, allS, placeLatencies, cpu, commits });
    }
    const profileFile = await profile?.stop(amqpUrl ? 'rabbitmq' : 'inprocess');
    const byRate = [...measuredRuns].sort((a, b) => a.allS - b.allS);
    const { batch, placedS, allS, placeLatencies, cpu, commits } = byRate[Math.floor(byRate.length / 2)];
    const confirmed = (await collection.count({ status: 'CONFIRMED' })) - warmupRounds * orders;
    const measuredIds = new Set(batch.map((h) => h.holdId));
    const docs = await collection.all();
    const sagaLatencies = docs
      .filter((d) => d.confirmed_at && measuredIds.has(d.reservation_id))
      .map((d) => Date.parse(d.confirmed_at!) - Date.parse(d.created_at));
    const place = percentiles(placeLatencies);
    const saga = percentiles(sagaLatencies);
    return {
      bus: amqpUrl ? 'rabbitmq' : 'in-process',
      orders,
      placers,
      warmup_rounds: warmupRounds,
      // The first batch on a freshly started process, for comparison (when there was a warm-up).
      ...(cold !== undefined ? { cold_confirmed_with_tickets_per_s: cold } : {}),
      measured_rounds: measuredRounds,
      // Orders confirmed over all the measured batches (each must reach `orders`).
      confirmed,
      // Every measured batch, in the order they ran; the figures below are the median batch's.
      rounds_confirmed_with_tickets_per_s: measuredRuns.map((m) => round(orders / m.allS)),
      rounds_cpu_ms_per_order: measuredRuns.map((m) => round((m.cpu.user + m.cpu.system) / 1000 / orders)),
      placed_per_s: round(orders / placedS),
      confirmed_with_tickets_per_s: round(orders / allS),
      total_s: round(allS),
      // This process's CPU (placing, sagas, projections, the poller) per order: steadier than rates on a busy box.
      cpu_ms_per_order: round((cpu.user + cpu.system) / 1000 / orders),
      ...(commits
        ? {
            event_store_commits: commits.commits,
            appends_per_commit: round(commits.units / Math.max(1, commits.commits)),
          }
        : {}),
      ...(profileFile ? { cpu_profile: profileFile } : {}),
      place_p50_ms: round(place.p50),
      place_p99_ms: round(place.p99),
      placed_to_confirmed_p50_ms: round(saga.p50),
      placed_to_confirmed_p99_ms: round(saga.p99),
    };
  } finally {
    await app.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

/**
 * SAGA_BENCH_PROFILE=<dir>: a CPU profile (.cpuprofile, open in Chrome DevTools or speedscope) of the measured
 * window only, without the setup (accounts, holds) that `node --cpu-prof` would also record.
 */
async function startProfile(): Promise<{ stop(label: string): Promise<string> } | undefined> {
  const dir = process.env.SAGA_BENCH_PROFILE;
  if (!dir) return undefined;
  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.start');
  return {
    async stop(label) {
      const { profile } = await session.post('Profiler.stop');
      session.disconnect();
      fs.mkdirSync(dir, { recursive: true });
      const file = path.join(
        dir,
        `sagas-${label}-${new Date().toISOString().replace(/[:.]/g, '-')}.cpuprofile`,
      );
      fs.writeFileSync(file, JSON.stringify(profile));
      return file;
    },
  };
}
