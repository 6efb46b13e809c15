/**
 * The server's CPU time per request, path by path, in windows of one kind of request each (the on-sale mixes
 * them): reserves that all succeed (201), reserves that all conflict (409), and full seat-map reads (200), on a
 * calibration event of their own, at the on-sale's concurrency. Then one more pair of reserve windows under the
 * CPU profiler (kept apart, so the profiler's overhead is in no figure), written beside the results.
 */
import type { Dispatcher, Pool } from 'undici';
import { openConnections } from './lib/connections';
import type { CpuProbe } from './lib/cpu-probe';
import { summarizeCpuProfile, type ProfileFrame } from './lib/cpu-profile-summary';
import { nowMs, round } from './lib/stats';

/** Rows of 24 seats held two at a time from an even offset: no hold can leave a single seat alone (SINGLE_SEAT_GAP). */
const SEATS_PER_ROW = 24;
const ROWS_PER_SECTION = 40;
const PAIRS_PER_SECTION = (SEATS_PER_ROW / 2) * ROWS_PER_SECTION;

export interface CpuWindowsOptions {
  pool: Pool;
  probe: CpuProbe;
  adminToken: string;
  /** A fresh customer token per request (a new user each: no purchase limit is reached). */
  mintToken: (userId: string) => string;
  /** Concurrent requests, as in the on-sale. */
  concurrency: number;
  /** Requests in each measured reserve window. */
  requests: number;
  /** Seat-map reads in the measured window (each a whole section: larger answers). */
  seatMapRequests: number;
  /** Requests in each profiled window (201s, then 409s). */
  profiledRequests: number;
  /** Where the profile of the reserve path is written (undefined: no profile). */
  profileFile?: string;
}

export interface CpuWindow {
  requests: number;
  /** Answers by status: every one should be the window's own. */
  statuses: Record<string, number>;
  cpu_ms: number;
  cpu_us_per_request: number;
  requests_per_s: number;
  /** The server's CPU share over the window (1 = one core busy all the time). */
  cores_busy: number;
}

interface Answer {
  status: number;
  text: string;
}

async function send(
  pool: Pool,
  method: Dispatcher.HttpMethod,
  path: string,
  token?: string,
  body?: unknown,
): Promise<Answer> {
  const headers: Record<string, string> = {};
  if (token) headers.authorization = `Bearer ${token}`;
  if (body !== undefined) headers['content-type'] = 'application/json';
  const res = await pool.request({
    method,
    path,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.statusCode, text: await res.body.text() };
}

function rowLabel(i: number): string {
  return i < 26
    ? String.fromCharCode(65 + i)
    : `${String.fromCharCode(65 + Math.floor(i / 26) - 1)}${String.fromCharCode(65 + (i % 26))}`;
}

/** Runs `requests` at `concurrency`, measuring the server's CPU over exactly that span. */
async function measure(
  probe: CpuProbe,
  concurrency: number,
  requests: Array<() => Promise<Answer>>,
  samples: string[],
): Promise<CpuWindow> {
  const statuses: Record<string, number> = {};
  let next = 0;
  const window = await probe.window();
  const started = nowMs();
  await Promise.all(
    Array.from({ length: Math.min(concurrency, requests.length) }, async () => {
      while (next < requests.length) {
        const answer = await requests[next++]();
        statuses[answer.status] = (statuses[answer.status] ?? 0) + 1;
        if (samples.length < 5 && answer.status >= 500) samples.push(`${answer.status} ${answer.text}`);
      }
    }),
  );
  const elapsedMs = nowMs() - started;
  const cpuUs = await window.end();
  return {
    requests: requests.length,
    statuses,
    cpu_ms: round(cpuUs / 1000),
    cpu_us_per_request: round(cpuUs / requests.length, 1),
    requests_per_s: round(requests.length / (elapsedMs / 1000)),
    cores_busy: round(cpuUs / 1000 / elapsedMs, 3),
  };
}

export async function measureCpuWindows(options: CpuWindowsOptions) {
  const { pool, probe, adminToken, concurrency } = options;
  const samples: string[] = [];
  const pairsNeeded = options.requests + options.profiledRequests;
  const sectionCount = Math.ceil(pairsNeeded / PAIRS_PER_SECTION);
  const sections = Array.from({ length: sectionCount }, (_, s) => ({
    name: `Calibration ${s + 1}`,
    rows: Array.from({ length: ROWS_PER_SECTION }, (_, r) => ({ row: rowLabel(r), seats: SEATS_PER_ROW })),
  }));
  const venue = JSON.parse(
    (
      await send(pool, 'POST', '/v1/admin/venues', adminToken, {
        name: 'Calibration Hall',
        city: 'Benchville',
        state: 'BS',
        country: 'US',
        sections,
      })
    ).text,
  ) as { venue_id: string; sections: Array<{ section_id: string }> };
  const event = JSON.parse(
    (
      await send(pool, 'POST', '/v1/admin/events', adminToken, {
        name: 'Calibration',
        artist: 'The Load',
        category: 'Concert',
        venue_id: venue.venue_id,
        date: '2030-01-01T20:00:00Z',
        general_sale_start: '2020-01-01T00:00:00Z',
        pricing_tiers: [{ name: 'All', price: 99, fees: 9.9, sections: sections.map((s) => s.name) }],
      })
    ).text,
  ) as { event_id: string };
  const eventId = event.event_id;
  await send(pool, 'POST', `/v1/admin/events/${eventId}/publish`, adminToken);
  const sectionIds = venue.sections.map((s) => s.section_id);

  const pairs: string[][] = [];
  for (const sectionId of sectionIds)
    for (let r = 0; r < ROWS_PER_SECTION; r += 1)
      for (let n = 1; n < SEATS_PER_ROW; n += 2)
        pairs.push([`${sectionId}:${rowLabel(r)}:${n}`, `${sectionId}:${rowLabel(r)}:${n + 1}`]);
  let fan = 0;
  // Tokens are made before a window opens: signing them is the load generator's work, not the server's.
  const reserves = (seatPairs: string[][]) =>
    seatPairs.map((seatIds) => {
      const token = options.mintToken(`calibration-fan-${fan++}`);
      return () => send(pool, 'POST', '/v1/seats/reserve', token, { event_id: eventId, seat_ids: seatIds });
    });

  // Full seat maps of one section at a time (every seat still free), as a buyer reads them at the opening.
  const seatMapReads = Array.from(
    { length: options.seatMapRequests },
    (_, i) => () =>
      send(
        pool,
        'GET',
        `/v1/events/${eventId}/seats?section=${sectionIds[i % sectionIds.length]}&status=AVAILABLE`,
      ),
  );
  // Every connection open before each window (no window pays for opening them), outside the profile too.
  const warm = () => openConnections(concurrency, () => send(pool, 'GET', '/healthz'));
  await warm();
  const seatMap = await measure(probe, concurrency, seatMapReads, samples);

  const measured = pairs.slice(0, options.requests);
  await warm();
  const reserve201 = await measure(probe, concurrency, reserves(measured), samples);
  // The same seats again, by other fans: every one is held now.
  await warm();
  const reserve409 = await measure(probe, concurrency, reserves(measured), samples);

  let profile: { file: string; top_self: ProfileFrame[] } | undefined;
  if (options.profileFile && options.profiledRequests > 0) {
    const profiled = pairs.slice(options.requests, options.requests + options.profiledRequests);
    const held = reserves(profiled);
    const conflicting = reserves(profiled);
    await warm();
    // BENCH_HEAP_PROFILE=1: where the allocations come from, too (reserve-<timestamp>.heapprofile).
    await probe.startProfile(process.env.BENCH_HEAP_PROFILE === '1');
    await measure(probe, concurrency, held, samples);
    await measure(probe, concurrency, conflicting, samples);
    await probe.stopProfile(options.profileFile);
    profile = { file: options.profileFile, top_self: summarizeCpuProfile(options.profileFile, 15) };
  }
  const reserveAll =
    ((reserve201.cpu_ms + reserve409.cpu_ms) * 1000) / (reserve201.requests + reserve409.requests);
  return {
    event_id: eventId,
    seat_map: seatMap,
    reserve_201: reserve201,
    reserve_409: reserve409,
    /** Both reserve windows together (as many 201s as 409s; the on-sale's mix is close to that). */
    reserve_cpu_us_per_request: round(reserveAll, 1),
    ...(profile ? { profile } : {}),
    error_samples: samples,
  };
}
