import fs from 'node:fs';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { createApplication, type Application, type Overrides } from '../../src/composition';
import type { ManualClock } from '../../src/infrastructure/clock/system-clock';
import { loadConfig } from '../../src/infrastructure/config/config';
import { createLogger } from '../../src/infrastructure/logging/logger';
import type { DestinationStream } from 'pino';
import { ACCESS_TOKENS, type AccessTokens, type Role } from '../../src/application/ports/access-tokens';
import { apiClient, type ApiCall } from './http';

export const ADMIN_EMAIL = 'admin@example.test';
export const ADMIN_PASSWORD = 'admin-password-123';

export interface TestApp {
  baseUrl: string;
  app: Application;
  call: ApiCall;
  dataDir: string;
  close(): Promise<void>;
  adminToken(): Promise<string>;
  customerToken(email?: string): Promise<{ token: string; userId: string }>;
  /** A signed access token for a made-up user, without registering (for tests that need hundreds of buyers). */
  mintToken(userId: string, role?: Role): string;
}

let counter = 0;

/** A real application instance on a random port over a fresh (or given) data directory. */
export async function startTestApp(
  options: {
    env?: Record<string, string>;
    clock?: ManualClock;
    dataDir?: string;
    overrides?: Overrides;
    /** Where log lines go (tests that read the logs; LOG_LEVEL still applies). */
    logDestination?: DestinationStream;
  } = {},
): Promise<TestApp> {
  const dataDir = options.dataDir ?? fs.mkdtempSync(path.join(os.tmpdir(), 'ticketing-test-'));
  const config = loadConfig({
    DATA_DIR: dataDir,
    RATE_LIMITS: 'off',
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
    ADMIN_EMAIL,
    ADMIN_PASSWORD,
    ...options.env,
  });
  const app = await createApplication(config, createLogger(config.logLevel, options.logDestination), {
    ...options.overrides,
    clock: options.clock,
  });
  const server = await app.listen(0, '127.0.0.1');
  const baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const call = apiClient(baseUrl);
  let admin: string | undefined;

  return {
    baseUrl,
    app,
    call,
    dataDir,
    async close() {
      await app.close();
      if (!options.dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
    },
    async adminToken() {
      if (admin) return admin;
      const res = await call('POST', '/v1/auth/token', {
        body: { grant_type: 'password', email: ADMIN_EMAIL, password: ADMIN_PASSWORD },
      });
      if (res.status !== 200) throw new Error(`admin login failed: ${res.status} ${res.text}`);
      return (admin = res.body.access_token as string);
    },
    mintToken(userId: string, role: Role = 'customer') {
      return app.container
        .get<AccessTokens>(ACCESS_TOKENS)
        .issue({ sub: userId, email: `${userId}@example.test`, role }, 3600).token;
    },
    async customerToken(email = `fan-${process.pid}-${Date.now()}-${counter++}@example.test`) {
      const password = 'fan-password-123';
      const reg = await call('POST', '/v1/auth/register', { body: { email, password, name: 'A Fan' } });
      if (reg.status !== 201) throw new Error(`register failed: ${reg.status} ${reg.text}`);
      const res = await call('POST', '/v1/auth/token', { body: { grant_type: 'password', email, password } });
      if (res.status !== 200) throw new Error(`login failed: ${res.status} ${res.text}`);
      return { token: res.body.access_token as string, userId: reg.body.user_id as string };
    },
  };
}
