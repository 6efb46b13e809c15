/**
 * Waiting-room joins in-process: N users join one queue-protected event through QueueService (the group-commit
 * processor of `queue-{eventId}` on the real SQLite store), `concurrency` in flight. Reports joins per second from
 * the first join to the last answer, and per-join latency. The event's sale opens in the far future, so every join
 * lands in the pre-queue (no admissions interfere); capacity and the device limit are set out of the way.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createApplication } from '../src/composition';
import { loadConfig } from '../src/infrastructure/config/config';
import { createLogger } from '../src/infrastructure/logging/logger';
import { nowMs, percentiles, round } from './lib/stats';

const meta = { correlationId: 'bench-queue', causationId: 'bench-queue', userId: 'bench' };

export interface QueueBenchResult {
  joins: number;
  concurrency: number;
  seconds: number;
  joins_per_s: number;
  latency_ms: { p50: number; p95: number; p99: number; max: number };
  log_events: number;
}

export async function benchQueueJoins(n: number, concurrency = 200): Promise<QueueBenchResult> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ticketing-queue-'));
  const config = loadConfig({ DATA_DIR: dataDir, LOG_LEVEL: 'error', RATE_LIMITS: 'off' });
  const app = await createApplication(config, createLogger('error'));
  try {
    const { venue } = await app.catalog.createVenue(
      {
        name: 'Queue Bench Hall',
        city: 'X',
        state: 'X',
        country: 'US',
        sections: [{ name: 'Main', rows: [{ row: 'A', seats: 10 }] }],
      },
      meta,
    );
    const { event } = await app.catalog.createEvent(
      {
        name: 'Queue Bench',
        artist: 'Bench',
        description: '',
        category: 'Concert',
        venueId: venue.venueId,
        date: '2099-01-01T20:00:00.000Z',
        doorsOpen: null,
        presaleStart: null,
        generalSaleStart: '2098-01-01T00:00:00.000Z',
        tiers: [{ name: 'Main', priceCents: 5000, feesCents: 500, sections: ['Main'] }],
        maxTicketsPerOrder: 4,
        restrictSingleSeat: false,
        queue: {
          enabled: true,
          admissionPerMinute: 1000,
          capacity: n + 1,
          accessSeconds: 600,
          challengeMaxNumber: 0,
          maxEntriesPerDevice: 1,
        },
      },
      meta,
    );
    await app.catalog.publish(event.eventId, meta);
    // Warm the caches (the event's state and the room's stream) outside the measured part.
    await app.queue.join(event.eventId, 'warm-up', 'warm-up-device', 'warm-up-challenge', meta);

    const latencies: number[] = [];
    let next = 0;
    const started = nowMs();
    await Promise.all(
      Array.from({ length: Math.min(concurrency, n) }, async () => {
        for (let i = next++; i < n; i = next++) {
          const t0 = nowMs();
          await app.queue.join(event.eventId, `user-${i}`, `device-${i}`, `challenge-${i}`, meta);
          latencies.push(nowMs() - t0);
        }
      }),
    );
    const seconds = (nowMs() - started) / 1000;
    const pct = percentiles(latencies);
    return {
      joins: n,
      concurrency,
      seconds: round(seconds, 3),
      joins_per_s: Math.round(n / seconds),
      latency_ms: { p50: round(pct.p50), p95: round(pct.p95), p99: round(pct.p99), max: round(pct.max) },
      log_events: await app.store.headPosition(),
    };
  } finally {
    await app.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}
