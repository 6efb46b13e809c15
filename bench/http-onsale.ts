/**
 * Hot on-sale over real HTTP: the server runs as its own process (dist/src/main.js, embedded profile), the
 * load generator here. Buyers each keep a seat-map view of one section, pick 1-4 adjacent free seats that
 * leave no single-seat gap, reserve, and on 409 refresh their view and try again, until the event sells out.
 * Each buyer slot is a stream of fans: after a successful hold the next fan (a new user) takes the slot.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Pool } from 'undici';
import { replaySeatLedger } from '../src/application/audit/seat-ledger';
import { JwtAccessTokens } from '../src/infrastructure/auth/jwt-access-tokens';
import { SqliteEventStore } from '../src/infrastructure/eventstore/sqlite/sqlite-event-store';
import { nowMs, percentiles, round } from './lib/stats';
import { CpuProbe } from './lib/cpu-probe';
import { KEEP_ALIVE, openConnections } from './lib/connections';
import { measureCpuWindows } from './http-cpu';
import { measureRevalidation } from './http-revalidation';

export interface HttpOptions {
  seats: number;
  buyers: number;
  ceilingSeconds: number;
  /** Requests in each CPU window of one kind (bench/http-cpu.ts); 0 skips them. */
  cpuRequests?: number;
  /** API processes serving the on-sale (the server's WORKERS), default 1. */
  processes?: number;
}

interface Json {
  status: number;
  body: any; // eslint-disable-line @typescript-eslint/no-explicit-any
  bytes: number;
  etag?: string;
}

const ROOT = path.resolve(__dirname, '..', '..');

export async function startProcess(
  script: string,
  env: Record<string, string>,
  nodeArgs: string[] = [],
): Promise<{ child: ChildProcess; port: number }> {
  const child = spawn(process.execPath, [...nodeArgs, script], {
    cwd: ROOT,
    env: { ...process.env, ...env },
    // The IPC channel carries the bench-only CPU probe (bench/lib/cpu-probe.ts) to the processes that install it.
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
  });
  let output = '';
  child.stdout!.on('data', (c) => (output += c));
  child.stderr!.on('data', (c) => (output += c));
  const deadline = Date.now() + 120_000;
  for (;;) {
    const match = /listening on (?:http:\/\/[^:]+:)?(\d+)/.exec(output);
    if (match) return { child, port: Number(match[1]) };
    if (child.exitCode !== null || Date.now() > deadline)
      throw new Error(`${script} did not start:\n${output}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

export async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  await exited;
}

/**
 * One connection per buyer. A thousand connections opened at once overflow the listen backlog; on a loaded machine
 * the SYN retries then take longer than undici's 10 s connect timeout, which failed whole runs.
 */
function poolOptions(connections: number): Pool.Options {
  return { connections, pipelining: 1, connect: { timeout: 60_000 }, ...KEEP_ALIVE };
}

/**
 * The server's node flags as production starts it (`npm start`, the Dockerfile: a larger young generation, see
 * src/main.ts), plus BENCH_SERVER_NODE_ARGS (e.g. "--cpu-prof"; one naming the semi-space replaces ours).
 */
function serverNodeArgs(): string[] {
  const extra = (process.env.BENCH_SERVER_NODE_ARGS ?? '').split(' ').filter(Boolean);
  return extra.some((arg) => arg.includes('semi-space')) ? extra : ['--max-semi-space-size=64', ...extra];
}

function client(pool: Pool) {
  return async (
    method: 'GET' | 'POST',
    pathName: string,
    token?: string,
    body?: unknown,
    extraHeaders?: Record<string, string>,
  ): Promise<Json> => {
    const headers: Record<string, string> = { ...extraHeaders };
    if (token) headers.authorization = `Bearer ${token}`;
    if (body !== undefined) headers['content-type'] = 'application/json';
    const res = await pool.request({
      method,
      path: pathName,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.body.text();
    return {
      status: res.statusCode,
      body: text ? JSON.parse(text) : undefined,
      bytes: Buffer.byteLength(text),
      etag: typeof res.headers.etag === 'string' ? res.headers.etag : undefined,
    };
  };
}

function rowLabel(i: number): string {
  return i < 26
    ? String.fromCharCode(65 + i)
    : `${String.fromCharCode(65 + Math.floor(i / 26) - 1)}${String.fromCharCode(65 + (i % 26))}`;
}

/** Sections of up to 40 rows x 25 seats: 1,000 seats a section, like a stadium block. */
function layout(seats: number) {
  const sections: Array<{ name: string; rows: Array<{ row: string; seats: number }> }> = [];
  let left = seats;
  while (left > 0) {
    const rows: Array<{ row: string; seats: number }> = [];
    for (let r = 0; r < 40 && left > 0; r += 1) {
      const n = Math.min(25, left);
      rows.push({ row: rowLabel(r), seats: n });
      left -= n;
    }
    sections.push({ name: `Block ${sections.length + 1}`, rows });
  }
  return sections;
}

/** A fan's browser cache of seat-map answers: section id -> the last answer's ETag and its section. */
type BrowserCache = Map<
  string,
  { etag: string; section: { rows: Array<{ row: string; seats: Array<{ number: string }> }> } }
>;

/** Free runs of consecutive seat numbers per row, from a view that lists only AVAILABLE seats. */
type View = Map<string, number[]>; // row -> sorted free seat numbers

function toView(section: { rows: Array<{ row: string; seats: Array<{ number: string }> }> }): View {
  return new Map(
    section.rows.map((row) => [row.row, row.seats.map((s) => Number(s.number)).sort((a, b) => a - b)]),
  );
}

/** Picks `want` adjacent free seats at a random place in a free run, never leaving exactly one seat alone. */
function pick(
  view: View,
  want: number,
  random: () => number,
): { row: string; numbers: number[] } | undefined {
  const rows = [...view.entries()].filter(([, free]) => free.length > 0);
  if (rows.length === 0) return undefined;
  const [row, free] = rows[Math.floor(random() * rows.length)];
  // Split into runs of consecutive numbers; start at a random run.
  const runs: number[][] = [];
  for (const n of free) {
    const last = runs[runs.length - 1];
    if (last && last[last.length - 1] === n - 1) last.push(n);
    else runs.push([n]);
  }
  const run = runs[Math.floor(random() * runs.length)];
  let k = Math.min(want, run.length);
  if (run.length - k === 1) k = k < 4 ? k + 1 : k - 1;
  // Offsets that leave 0 or >= 2 free seats on each side.
  const offsets: number[] = [];
  for (let o = 0; o + k <= run.length; o += 1) if (o !== 1 && run.length - o - k !== 1) offsets.push(o);
  const o = offsets.length > 0 ? offsets[Math.floor(random() * offsets.length)] : 0;
  return { row, numbers: run.slice(o, o + k) };
}

export async function runHttpOnSale(options: HttpOptions) {
  const ceilingBefore = await sampleCeiling(options, 2);
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ticketing-bench-'));
  const admin = { email: 'bench-admin@example.test', password: 'bench-password-123' };
  // src/main.ts behind the bench-only CPU probe (bench/lib/probed-main.ts).
  const server = await startProcess(
    path.join(ROOT, 'dist', 'bench', 'lib', 'probed-main.js'),
    {
      DATA_DIR: dataDir,
      PORT: '0',
      HOST: '127.0.0.1',
      RATE_LIMITS: 'off',
      LOG_LEVEL: 'info', // only start/stop lines are logged at info; we wait for "listening on"

      ADMIN_EMAIL: admin.email,
      ADMIN_PASSWORD: admin.password,
      WORKERS: String(options.processes ?? 1),
    },
    serverNodeArgs(),
  ); // e.g. "--cpu-prof" to profile the server
  const pool = new Pool(`http://127.0.0.1:${server.port}`, poolOptions(options.buyers));
  const call = client(pool);
  try {
    const login = await call('POST', '/v1/auth/token', undefined, { grant_type: 'password', ...admin });
    const adminToken = login.body.access_token as string;
    const sections = layout(options.seats);
    const venue = await call('POST', '/v1/admin/venues', adminToken, {
      name: 'Bench Stadium',
      city: 'Benchville',
      state: 'BS',
      country: 'US',
      sections,
    });
    const event = await call('POST', '/v1/admin/events', adminToken, {
      name: 'Bench On-Sale',
      artist: 'The Load',
      category: 'Concert',
      venue_id: venue.body.venue_id,
      date: '2030-01-01T20:00:00Z',
      general_sale_start: '2020-01-01T00:00:00Z',
      pricing_tiers: [{ name: 'All', price: 99, fees: 9.9, sections: sections.map((s) => s.name) }],
    });
    const eventId = event.body.event_id as string;
    await call('POST', `/v1/admin/events/${eventId}/publish`, adminToken);

    const tokens = new JwtAccessTokens(fs.readFileSync(path.join(dataDir, 'jwt-secret'), 'utf8').trim());
    const sectionIds = venue.body.sections.map((s: { section_id: string }) => s.section_id) as string[];
    const exhausted = new Set<string>();
    const latencies: number[] = [];
    let reserveRequests = 0;
    let conflicts = 0;
    let otherErrors = 0;
    let holds = 0;
    let seatsHeld = 0;
    let viewRequests = 0;
    let fans = 0;
    let lastSuccess = 0;
    let seed = 7;
    const random = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    const errorSamples: string[] = [];

    let notModified = 0;
    /**
     * A fan's look at a section, through their browser's cache (the last answer per section and its ETag): asked
     * with If-None-Match, a 304 reuses the cached copy, as a browser would.
     */
    const refresh = async (sectionId: string, browser: BrowserCache): Promise<View> => {
      viewRequests += 1;
      const cached = browser.get(sectionId);
      const res = await call(
        'GET',
        `/v1/events/${eventId}/seats?section=${sectionId}&status=AVAILABLE`,
        undefined,
        undefined,
        cached ? { 'if-none-match': cached.etag } : undefined,
      );
      if (res.status === 304 && cached) {
        notModified += 1;
        return toView(cached.section);
      }
      const section = res.body.sections[0];
      if (res.etag) browser.set(sectionId, { etag: res.etag, section });
      return toView(section);
    };

    await openConnections(options.buyers, () => call('GET', '/healthz'));
    const probe = new CpuProbe(server.child);
    const onSaleCpu = await probe.window();
    const onSaleClientCpu = process.cpuUsage();
    const started = nowMs();
    const buyer = async () => {
      let token = tokens.issue(
        { sub: `fan-${fans++}`, email: 'fan@example.test', role: 'customer' },
        7200,
      ).token;
      let sectionId: string | undefined;
      let view: View = new Map();
      let browser: BrowserCache = new Map();
      let misses = 0;
      for (;;) {
        if (!sectionId || exhausted.has(sectionId)) {
          const open = sectionIds.filter((id) => !exhausted.has(id));
          if (open.length === 0) return;
          sectionId = open[Math.floor(random() * open.length)];
          view = await refresh(sectionId, browser);
        }
        const choice = pick(view, 1 + Math.floor(random() * 4), random);
        if (!choice) {
          exhausted.add(sectionId);
          continue;
        }
        const seatIds = choice.numbers.map((n) => `${sectionId}:${choice.row}:${n}`);
        const t0 = nowMs();
        const res = await call('POST', '/v1/seats/reserve', token, { event_id: eventId, seat_ids: seatIds });
        latencies.push(nowMs() - t0);
        reserveRequests += 1;
        if (res.status === 201) {
          holds += 1;
          misses = 0;
          seatsHeld += seatIds.length;
          lastSuccess = nowMs();
          const free = view.get(choice.row)!;
          view.set(
            choice.row,
            free.filter((n) => !choice.numbers.includes(n)),
          );
          token = tokens.issue(
            { sub: `fan-${fans++}`, email: 'fan@example.test', role: 'customer' },
            7200,
          ).token;
          browser = new Map(); // the next fan, on another browser
        } else if (res.status === 409) {
          // Someone was faster. The answer names the seats that are gone: drop them from the view and pick
          // again; look at the seat map afresh only after a few misses in a row.
          conflicts += 1;
          misses += 1;
          const gone = new Set<string>(res.body?.error?.details?.seat_ids ?? seatIds);
          const free = view.get(choice.row)!;
          view.set(
            choice.row,
            free.filter((n) => !gone.has(`${sectionId}:${choice.row}:${n}`)),
          );
          if (misses >= 3) {
            misses = 0;
            view = await refresh(sectionId, browser);
          }
        } else if (res.status === 422) {
          // Our stale view made a single-seat gap: look again.
          otherErrors += 1;
          view = await refresh(sectionId, browser);
        } else {
          otherErrors += 1;
          if (errorSamples.length < 5) errorSamples.push(`${res.status} ${JSON.stringify(res.body)}`);
          view = await refresh(sectionId, browser);
        }
      }
    };
    await Promise.all(Array.from({ length: options.buyers }, buyer));
    const elapsedS = (nowMs() - started) / 1000;
    const onSaleCpuUs = await onSaleCpu.end();
    const onSaleClientCpuUs = cpuMicros(process.cpuUsage(onSaleClientCpu));
    const selloutS = (lastSuccess - started) / 1000;
    const cpuRequests = options.cpuRequests ?? 10_000;
    const stamp = new Date().toISOString().replace(/[:.]/g, '-');
    const cpuWindows =
      cpuRequests > 0
        ? await measureCpuWindows({
            pool,
            probe,
            adminToken,
            mintToken: (sub) =>
              tokens.issue({ sub, email: 'fan@example.test', role: 'customer' }, 7200).token,
            concurrency: options.buyers,
            requests: cpuRequests,
            seatMapRequests: Math.ceil(cpuRequests / 5),
            profiledRequests: Math.ceil(cpuRequests / 5),
            profileFile: path.join(ROOT, 'bench', 'results', `reserve-${stamp}.cpuprofile`),
          })
        : undefined;

    // The sold-out map no longer changes: a crowd refreshing one section, with and without If-None-Match.
    const revalidation = await measureRevalidation({
      pool,
      probe: (options.processes ?? 1) === 1 ? probe : undefined,
      path: `/v1/events/${eventId}/seats?section=${sectionIds[0]}`,
      concurrency: Math.min(options.buyers, 100),
      requests: Math.max(200, Math.ceil(cpuRequests / 5)),
    });

    const details = await call('GET', `/v1/events/${eventId}`);
    await pool.close();
    await stop(server.child);

    // Replay the log independently: no seat may have been held twice.
    const store = new SqliteEventStore(path.join(dataDir, 'events.sqlite'));
    const ledger = await replaySeatLedger(store);
    const logEvents = await store.headPosition();
    const claimed = [...ledger.claims().keys()].filter((k) => k.startsWith(`${eventId}/`)).length;
    await store.close();

    // The ceiling swings by up to 2x between windows on a shared 2-core box: two windows before the on-sale and
    // two after; the ratio uses the upper median (the conservative choice).
    const samples = [...ceilingBefore, ...(await sampleCeiling(options, 2))];
    const ceiling = median(samples);
    const ceilingCpu = medianOf(samples.map((s) => s.cpuUsPerRequest));
    const lat = percentiles(latencies);
    const reserveRps = reserveRequests / elapsedS;
    fs.rmSync(dataDir, { recursive: true, force: true });
    return {
      event_seats: options.seats,
      buyers: options.buyers,
      reserve_requests: reserveRequests,
      reservations: holds,
      seats_held: seatsHeld,
      seat_map_requests: viewRequests,
      // Seat-map reads answered 304 Not Modified (the fan's cached copy was still current).
      seat_map_not_modified: notModified,
      seat_map_revalidation: revalidation,
      processes: options.processes ?? 1,
      reserve_requests_per_s: round(reserveRps),
      reservations_per_s: round(holds / elapsedS),
      seats_per_s: round(seatsHeld / elapsedS),
      p50_ms: round(lat.p50),
      p95_ms: round(lat.p95),
      p99_ms: round(lat.p99),
      max_ms: round(lat.max),
      conflict_rate: round(conflicts / Math.max(1, reserveRequests), 4),
      other_error_rate: round(otherErrors / Math.max(1, reserveRequests), 4),
      error_samples: errorSamples,
      sellout_s: round(selloutS),
      sold_out: details.body.available_seats === 0,
      available_after: details.body.available_seats,
      seats_claimed_in_log: claimed,
      log_events: logEvents,
      double_holds: ledger.violations.length,
      ceiling_req_per_s: round(ceiling.reqPerS),
      ceiling_p50_ms: round(ceiling.p50),
      ceiling_samples_req_per_s: samples.map((s) => round(s.reqPerS)),
      ratio_to_ceiling: round(reserveRps / ceiling.reqPerS, 3),
      // Reserve requests alone (the CPU windows: all 201s, then all 409s, same concurrency and client as the
      // ceiling) per second, over the ceiling's. The on-sale's ratio above also pays for its seat-map reads and the
      // buyers' own work on the same two cores.
      ...(cpuWindows
        ? {
            reserve_only_ratio_to_ceiling: round(
              (cpuWindows.reserve_201.requests_per_s + cpuWindows.reserve_409.requests_per_s) /
                2 /
                ceiling.reqPerS,
              3,
            ),
          }
        : {}),
      // The server's own CPU time per request (process.cpuUsage over each window; steadier than throughput on a
      // shared machine). reserve: the 201 and 409 windows together; onsale: the on-sale window over all its
      // requests (reserves and seat-map reads); ceiling: the median of the bare express windows.
      cpu_us_per_request: {
        ceiling: round(ceilingCpu, 1),
        ...(cpuWindows
          ? {
              reserve: cpuWindows.reserve_cpu_us_per_request,
              reserve_201: cpuWindows.reserve_201.cpu_us_per_request,
              reserve_409: cpuWindows.reserve_409.cpu_us_per_request,
              seat_map: cpuWindows.seat_map.cpu_us_per_request,
            }
          : {}),
        onsale: round(onSaleCpuUs / Math.max(1, reserveRequests + viewRequests), 1),
      },
      // Ceiling CPU per request divided by the reserve path's: 1 would be a reserve as cheap as a bare express echo.
      ...(cpuWindows ? { cpu_ratio: round(ceilingCpu / cpuWindows.reserve_cpu_us_per_request, 3) } : {}),
      ceiling_samples_cpu_us_per_request: samples.map((s) => round(s.cpuUsPerRequest, 1)),
      // The load generator's own CPU per request (this process; the server is another). On a 2-core box it shares
      // the cores with the server: when it costs as much as the server, throughput measures the client as much as
      // the server, which is why the server's CPU per request is the headline.
      client_cpu_us_per_request: {
        ceiling: round(medianOf(samples.map((s) => s.clientCpuUsPerRequest)), 1),
        onsale: round(onSaleClientCpuUs / Math.max(1, reserveRequests + viewRequests), 1),
      },
      ...(cpuWindows ? { cpu_windows: cpuWindows } : {}),
    };
  } catch (error) {
    await pool.close().catch(() => undefined);
    await stop(server.child);
    throw error;
  }
}

const cpuMicros = (usage: NodeJS.CpuUsage) => usage.user + usage.system;

async function sampleCeiling(options: HttpOptions, windows: number) {
  const samples = [];
  for (let i = 0; i < windows; i += 1) samples.push(await measureCeiling(options, options.ceilingSeconds));
  return samples;
}

function medianOf(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

function median<T extends { reqPerS: number }>(samples: T[]): T {
  return [...samples].sort((a, b) => a.reqPerS - b.reqPerS)[Math.floor(samples.length / 2)];
}

/** Same load generator, same concurrency, same request and response sizes, against a bare express route. */
async function measureCeiling(
  options: HttpOptions,
  seconds: number,
): Promise<{ reqPerS: number; p50: number; cpuUsPerRequest: number; clientCpuUsPerRequest: number }> {
  // The same node flags as the API server: the ratio compares the two stacks, not two heap configurations.
  const server = await startProcess(
    path.join(ROOT, 'dist', 'bench', 'lib', 'ceiling-server.js'),
    { PORT: '0', CEILING_BODY_BYTES: '230' },
    serverNodeArgs(),
  );
  const pool = new Pool(`http://127.0.0.1:${server.port}`, poolOptions(options.buyers));
  const call = client(pool);
  const body = {
    event_id: '00000000-0000-4000-8000-000000000000',
    seat_ids: ['s12:AB:21', 's12:AB:22', 's12:AB:23'],
  };
  await openConnections(options.buyers, () => call('POST', '/v1/seats/reserve', 'x'.repeat(240), body));
  const latencies: number[] = [];
  let count = 0;
  // One second to open the connections (the on-sale amortises that over its whole run), then the window.
  const started = nowMs() + 1000;
  const until = started + seconds * 1000;
  const probe = new CpuProbe(server.child);
  let clientCpu: NodeJS.CpuUsage | undefined;
  const cpuWindow = new Promise<{ end(): Promise<number> }>((resolve, reject) =>
    setTimeout(() => {
      clientCpu = process.cpuUsage();
      probe.window().then(resolve, reject);
    }, 1000),
  );
  await Promise.all(
    Array.from({ length: options.buyers }, async () => {
      while (nowMs() < until) {
        const t0 = nowMs();
        await call('POST', '/v1/seats/reserve', 'x'.repeat(240), body);
        if (t0 >= started) {
          latencies.push(nowMs() - t0);
          count += 1;
        }
      }
    }),
  );
  const elapsed = (nowMs() - started) / 1000;
  const cpuUs = await (await cpuWindow).end();
  const clientCpuUs = cpuMicros(process.cpuUsage(clientCpu));
  await pool.close();
  await stop(server.child);
  return {
    reqPerS: count / elapsed,
    p50: percentiles(latencies).p50,
    cpuUsPerRequest: cpuUs / count,
    clientCpuUsPerRequest: clientCpuUs / count,
  };
}
