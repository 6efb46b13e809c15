/**
 * A crowd refreshing a seat map that does not change (after the sell-out, or between two changes to a quiet
 * section): the same reads with and without If-None-Match, in windows of one kind each. With it the server answers
 * 304 without building the body (src/api/http/conditional-get.ts); the figures are the server's CPU per read and
 * the reads per second of each window, measured in the same run.
 */
import type { Pool } from 'undici';
import type { CpuProbe } from './lib/cpu-probe';
import { nowMs, round } from './lib/stats';

export interface RevalidationOptions {
  pool: Pool;
  /** The server's CPU, or undefined when it cannot be read (several processes: the probe sees the primary). */
  probe?: CpuProbe;
  /** A seat-map URL (path and query). */
  path: string;
  concurrency: number;
  /** Reads in each window. */
  requests: number;
}

interface Window {
  requests: number;
  statuses: Record<string, number>;
  bytes: number;
  requests_per_s: number;
  cpu_us_per_request?: number;
}

async function window(options: RevalidationOptions, headers: Record<string, string>): Promise<Window> {
  const { pool, probe, path, concurrency, requests } = options;
  const statuses: Record<string, number> = {};
  let bytes = 0;
  let sent = 0;
  const cpu = await probe?.window();
  const started = nowMs();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (sent < requests) {
        sent += 1;
        const res = await pool.request({ method: 'GET', path, headers });
        const text = await res.body.text();
        bytes += Buffer.byteLength(text);
        statuses[res.statusCode] = (statuses[res.statusCode] ?? 0) + 1;
      }
    }),
  );
  const elapsedS = (nowMs() - started) / 1000;
  const cpuUs = cpu ? await cpu.end() : undefined;
  return {
    requests,
    statuses,
    bytes,
    requests_per_s: round(requests / elapsedS),
    ...(cpuUs !== undefined ? { cpu_us_per_request: round(cpuUs / requests, 1) } : {}),
  };
}

export async function measureRevalidation(options: RevalidationOptions) {
  const first = await options.pool.request({ method: 'GET', path: options.path });
  await first.body.text();
  const etag = first.headers.etag;
  if (typeof etag !== 'string') throw new Error(`no ETag on ${options.path}`);
  // Full reads first, then conditional ones (the server's seat-map text cache is warm for both).
  const full = await window(options, {});
  const conditional = await window(options, { 'if-none-match': etag });
  return {
    path: options.path,
    full,
    conditional,
    // How many conditional reads the server answers in the time of one full read, and the CPU it saves per read.
    speedup: round(conditional.requests_per_s / full.requests_per_s, 2),
    ...(full.cpu_us_per_request !== undefined && conditional.cpu_us_per_request !== undefined
      ? { cpu_ratio: round(full.cpu_us_per_request / conditional.cpu_us_per_request, 2) }
      : {}),
  };
}
