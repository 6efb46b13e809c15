import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

export interface AppConfig {
  port: number;
  host: string;
  dataDir: string;
  jwtSecret: string;
  adminEmail?: string;
  adminPassword?: string;
  holdSeconds: number;
  rateLimits: boolean;
  logLevel: string;
  eventstoreUrl?: string;
  mongoUrl?: string;
  amqpUrl?: string;
  /** Prefix of the bus exchange and saga queues, so several deployments (or test runs) can share a broker. */
  busNamespace: string;
  /** Saga retries before a message goes to the dead-letter queue, and the base delay between them. */
  sagaMaxRetries: number;
  sagaRetryDelayMs: number;
  redisUrl?: string;
  /** Largest accepted JSON body. */
  bodyLimit: string;
  /** How often the expiry job releases holds whose time ran out. */
  expirySweepMs: number;
  /** How long a query with X-Min-Log-Position waits for the projections. */
  readYourWritesTimeoutMs: number;
}

export class ConfigError extends Error {}

function intFrom(env: NodeJS.ProcessEnv, name: string, fallback: number, min = 0): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min)
    throw new ConfigError(`${name} must be an integer >= ${min}, got "${raw}"`);
  return value;
}

/** Reads the environment; every setting has a default so `npm start` needs none. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): AppConfig {
  const dataDir = path.resolve(env.DATA_DIR || './data');
  const rateLimits = (env.RATE_LIMITS ?? 'on').toLowerCase();
  if (!['on', 'off'].includes(rateLimits))
    throw new ConfigError(`RATE_LIMITS must be "on" or "off", got "${env.RATE_LIMITS}"`);
  return {
    port: intFrom(env, 'PORT', 3000),
    host: env.HOST || '0.0.0.0',
    dataDir,
    jwtSecret: jwtSecret(env, dataDir),
    adminEmail: env.ADMIN_EMAIL || undefined,
    adminPassword: env.ADMIN_PASSWORD || undefined,
    holdSeconds: intFrom(env, 'HOLD_SECONDS', 600, 1),
    rateLimits: rateLimits === 'on',
    logLevel: env.LOG_LEVEL || 'info',
    eventstoreUrl: env.EVENTSTORE_URL || undefined,
    mongoUrl: env.MONGO_URL || undefined,
    amqpUrl: env.AMQP_URL || undefined,
    busNamespace: busNamespace(env.BUS_NAMESPACE),
    sagaMaxRetries: intFrom(env, 'SAGA_MAX_RETRIES', 5),
    sagaRetryDelayMs: intFrom(env, 'SAGA_RETRY_DELAY_MS', 500),
    redisUrl: env.REDIS_URL || undefined,
    bodyLimit: env.BODY_LIMIT || '100kb',
    expirySweepMs: intFrom(env, 'EXPIRY_SWEEP_MS', 1000, 10),
    readYourWritesTimeoutMs: intFrom(env, 'READ_YOUR_WRITES_TIMEOUT_MS', 2000, 0),
  };
}

function busNamespace(raw: string | undefined): string {
  const value = raw || 'ticketing';
  if (!/^[\w.-]{1,100}$/.test(value))
    throw new ConfigError(`BUS_NAMESPACE must be 1-100 letters, digits, '.', '_' or '-', got "${raw}"`);
  return value;
}

/** JWT_SECRET, or a random secret kept in the data dir (so tokens survive restarts); required in production. */
function jwtSecret(env: NodeJS.ProcessEnv, dataDir: string): string {
  if (env.JWT_SECRET) {
    if (env.JWT_SECRET.length < 32) throw new ConfigError('JWT_SECRET must be at least 32 characters');
    return env.JWT_SECRET;
  }
  if (env.NODE_ENV === 'production') throw new ConfigError('JWT_SECRET is required when NODE_ENV=production');
  const file = path.join(dataDir, 'jwt-secret');
  try {
    return fs.readFileSync(file, 'utf8').trim();
  } catch {
    fs.mkdirSync(dataDir, { recursive: true });
    const secret = crypto.randomBytes(48).toString('base64url');
    fs.writeFileSync(file, secret, { mode: 0o600, flag: 'wx' });
    return fs.readFileSync(file, 'utf8').trim();
  }
}
