/**
 * Waiting-room joins over real HTTP: the server runs as its own process (dist/src/main.js, embedded profile), the
 * load generator here. `joins` distinct users (minted member tokens, one device each) join one queue-protected
 * event, `connections` at a time; the event's challenge is off (challenge_max_number 0), so this measures the join
 * path itself (authentication, validation, the queue stream's group commit, the queue token), not proof of work.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Pool } from 'undici';
import { JwtAccessTokens } from '../src/infrastructure/auth/jwt-access-tokens';
import { startProcess, stop } from './http-onsale';
import { nowMs, percentiles, round } from './lib/stats';

export interface QueueHttpOptions {
  joins: number;
  connections: number;
}

const ROOT = path.resolve(__dirname, '..', '..');

export async function runQueueHttpJoins(options: QueueHttpOptions) {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ticketing-bench-queue-'));
  const admin = { email: 'bench-admin@example.test', password: 'bench-password-123' };
  const server = await startProcess(
    path.join(ROOT, 'dist', 'src', 'main.js'),
    {
      DATA_DIR: dataDir,
      PORT: '0',
      HOST: '127.0.0.1',
      RATE_LIMITS: 'off',
      LOG_LEVEL: 'info', // only start/stop lines are logged at info; we wait for "listening on"
      ADMIN_EMAIL: admin.email,
      ADMIN_PASSWORD: admin.password,
    },
    (process.env.BENCH_SERVER_NODE_ARGS ?? '').split(' ').filter(Boolean), // e.g. "--cpu-prof"
  );
  const pool = new Pool(`http://127.0.0.1:${server.port}`, {
    connections: options.connections,
    pipelining: 1,
  });
  const call = async (method: 'GET' | 'POST', pathName: string, token?: string, body?: unknown) => {
    const headers: Record<string, string> = {};
    if (token) headers.authorization = `Bearer ${token}`;
    if (body !== undefined) headers['content-type'] = 'application/json';
    const res = await pool.request({
      method,
      path: pathName,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.body.text();
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    return { status: res.statusCode, body: (text ? JSON.parse(text) : undefined) as any };
  };
  try {
    const login = await call('POST', '/v1/auth/token', undefined, { grant_type: 'password', ...admin });
    const adminToken = login.body.access_token as string;
    const venue = await call('POST', '/v1/admin/venues', adminToken, {
      name: 'Bench Hall',
      city: 'Benchville',
      state: 'BS',
      country: 'US',
      sections: [{ name: 'Floor', rows: [{ row: 'A', seats: 20 }] }],
    });
    const event = await call('POST', '/v1/admin/events', adminToken, {
      name: 'Bench Waiting Room',
      artist: 'The Queue',
      category: 'Concert',
      venue_id: venue.body.venue_id,
      date: '2030-01-01T20:00:00Z',
      general_sale_start: '2020-01-01T00:00:00Z',
      pricing_tiers: [{ name: 'All', price: 99, fees: 9.9, sections: ['Floor'] }],
      queue: {
        enabled: true,
        admission_per_minute: 1000,
        capacity: options.joins + 1,
        challenge_max_number: 0,
        max_entries_per_device: 1,
      },
    });
    if (event.status !== 201) throw new Error(`event: ${event.status} ${JSON.stringify(event.body)}`);
    const eventId = event.body.event_id as string;
    await call('POST', `/v1/admin/events/${eventId}/publish`, adminToken);

    const tokens = new JwtAccessTokens(fs.readFileSync(path.join(dataDir, 'jwt-secret'), 'utf8').trim());
    // Minted before the clock starts: token signing is the client's cost, not the server's.
    const members = Array.from(
      { length: options.joins },
      (_, i) =>
        tokens.issue({ sub: `queue-fan-${i}`, email: 'fan@example.test', role: 'customer' }, 7200).token,
    );
    const latencies: number[] = [];
    const errors = new Map<string, number>();
    let joined = 0;
    let next = 0;
    const started = nowMs();
    await Promise.all(
      Array.from({ length: options.connections }, async () => {
        for (let i = next++; i < options.joins; i = next++) {
          const t0 = nowMs();
          const res = await call('POST', '/v1/queue/join', members[i], {
            event_id: eventId,
            device_fingerprint: `bench-device-${i}`,
          });
          latencies.push(nowMs() - t0);
          if (res.status === 200) joined += 1;
          else {
            const key = `${res.status} ${res.body?.error?.code ?? ''}`;
            errors.set(key, (errors.get(key) ?? 0) + 1);
          }
        }
      }),
    );
    const elapsedS = (nowMs() - started) / 1000;
    const lat = percentiles(latencies);
    return {
      joins: options.joins,
      connections: options.connections,
      joined,
      errors: Object.fromEntries(errors),
      http_joins_per_s: round(joined / elapsedS),
      p50_ms: round(lat.p50),
      p95_ms: round(lat.p95),
      p99_ms: round(lat.p99),
      max_ms: round(lat.max),
    };
  } finally {
    await pool.close().catch(() => undefined);
    await stop(server.child);
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}
