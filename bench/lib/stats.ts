/** Percentiles over recorded latencies (milliseconds or microseconds, whatever was recorded). */
export function percentiles(samples: number[]): { p50: number; p95: number; p99: number; max: number } {
  if (samples.length === 0) return { p50: 0, p95: 0, p99: 0, max: 0 };
  const sorted = Float64Array.from(samples).sort();
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
  return { p50: at(0.5), p95: at(0.95), p99: at(0.99), max: sorted[sorted.length - 1] };
}

export const round = (n: number, digits = 2) => Math.round(n * 10 ** digits) / 10 ** digits;

export function nowMs(): number {
  return Number(process.hrtime.bigint()) / 1e6;
}
