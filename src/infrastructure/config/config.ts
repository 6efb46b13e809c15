import crypto from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';

export interface AppConfig {
  port: number;
  host: string;
  dataDir: string;
  jwtSecret: string;
  adminEmail?: string;
  adminPassword?: string;
  holdSeconds: number;
  /** How long a partner cart holds its seats (PARTNER_HOLD_SECONDS, default HOLD_SECONDS). */
  partnerHoldSeconds: number;
  /**
   * An order placed with less than this left on its hold extends the hold to now + this, once
   * (CHECKOUT_GRACE_SECONDS; 0: never), so its payment still finds the seats.
   */
  checkoutGraceSeconds: number;
  /** Commands pending on an event's stream above which partner cart calls answer 202 polling (PARTNER_POLLING_QUEUE_DEPTH). */
  partnerPollingQueueDepth: number;
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
  /** Saga steps in flight per saga queue: concurrent steps of different orders share their commits. */
  sagaPrefetch: number;
  redisUrl?: string;
  /** Prefix of the rate-limit counters in Redis (`{prefix}{class}:{key}`), so deployments or test runs can share one. */
  rateLimitPrefix: string;
  /** REQUIRE_API_KEY: every /v1 request must carry a valid X-API-Key. */
  requireApiKey: boolean;
  /** How long start-up waits for each configured backend (EventStoreDB, MongoDB) before failing clearly. */
  backendConnectTimeoutMs: number;
  /** Largest accepted JSON body. */
  bodyLimit: string;
  /** How often the expiry job releases holds whose time ran out. */
  expirySweepMs: number;
  /** How long a query with X-Min-Log-Position waits for the projections. */
  readYourWritesTimeoutMs: number;
  /** Order watchdog: age after which a non-terminal order is driven again, how often to look, re-drives before failing it. */
  orderWatchdogAfterMs: number;
  orderWatchdogIntervalMs: number;
  orderWatchdogMaxRedrives: number;
  /** Express `trust proxy` (false: X-Forwarded-For is ignored, so clients cannot pick their rate-limit key). */
  trustProxy: TrustProxy;
  /** Bearer token that may read /metrics besides an admin's access token. */
  metricsToken?: string;
  /** How often the waiting-room job opens queues and admits the entries whose turn has come. */
  queueAdmissionMs: number;
  /** How long a waiting-room challenge (ALTCHA) may be solved and used. */
  queueChallengeSeconds: number;
  /** How long a queue token lives (it only checks status and leaves; waits can be long). */
  queueTokenSeconds: number;
  /** GET /v1/realtime (WebSocket). */
  realtime: RealtimeConfig;
  /** WORKERS: API processes serving one port on one data directory (node:cluster, see src/main.ts). */
  workers: number;
}

export interface RealtimeConfig {
  /** A client message larger than this is answered with an error frame (16x larger closes the connection). */
  maxMessageBytes: number;
  maxConnectionsPerUser: number;
  maxSubscriptionsPerConnection: number;
  /** Client messages per second per connection; more are answered with an error frame and dropped. */
  maxMessagesPerSecond: number;
  /** availability_update: at most one per section per window. */
  coalesceMs: number;
  /** reservation_expiring: how long before a hold expires. */
  expiringNoticeSeconds: number;
  /** How often hold expiry notices are checked. */
  tickMs: number;
  /** Ping this often; a connection that did not answer the previous ping is closed. */
  pingIntervalMs: number;
  /** A connection with more than this waiting to be sent (a slow reader) is closed rather than buffered. */
  maxBufferedBytes: number;
}

/** What express accepts for `trust proxy`: off, a hop count, or addresses/subnets/names (`loopback`...). */
export type TrustProxy = false | number | string[];

export class ConfigError extends Error {}

function intFrom(
  env: NodeJS.ProcessEnv,
  name: string,
  fallback: number,
  min = 0,
  max = Number.MAX_SAFE_INTEGER,
): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  // Digits only: Number() also reads `1e1`, `0x2`, ` 2` and `+2` as integers, none of which is written as one.
  const value = /^\d+$/.test(raw) ? Number(raw) : NaN;
  if (!Number.isSafeInteger(value) || value < min || value > max)
    throw new ConfigError(
      `${name} must be an integer >= ${min}${max < Number.MAX_SAFE_INTEGER ? ` and <= ${max}` : ''}, got "${raw}"`,
    );
  return value;
}

/** pino's levels: anything else would stop the start-up inside pino, with its stack. */
const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

function logLevelOf(env: NodeJS.ProcessEnv): string {
  const level = (env.LOG_LEVEL || 'info').trim().toLowerCase();
  if (!LOG_LEVELS.includes(level))
    throw new ConfigError(`LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')}, got "${env.LOG_LEVEL}"`);
  return level;
}

const SIZE_UNITS: Record<string, number> = { '': 1, b: 1, kb: 1024, mb: 1024 ** 2 };
/** A JSON body larger than this is no request of this API: a typo (`100gb`) would leave the server open. */
const BODY_LIMIT_MAX = 100 * 1024 ** 2;

/** BODY_LIMIT as body-parser reads it (`100kb`, `1mb`, `2048`), from 1 byte to 100mb. */
function bodyLimitOf(env: NodeJS.ProcessEnv): string {
  const raw = env.BODY_LIMIT;
  if (raw === undefined || raw === '') return '100kb';
  const match = /^(\d+)\s*(b|kb|mb)?$/i.exec(raw.trim());
  const size = match ? Number(match[1]) * SIZE_UNITS[(match[2] ?? '').toLowerCase()] : NaN;
  if (!(size >= 1 && size <= BODY_LIMIT_MAX))
    throw new ConfigError(
      `BODY_LIMIT must be a size from 1 byte to 100mb such as 100kb or 1mb, got "${raw}"`,
    );
  return raw.trim();
}

/** The data directory (DATA_DIR, default ./data), resolved; nothing is created. */
export const dataDirOf = (env: NodeJS.ProcessEnv = process.env): string =>
  path.resolve(env.DATA_DIR || './data');

/**
 * The expiry job's and the order watchdog's timings, read without side effects: `npm run replay`'s tolerances follow
 * from them, and a replay creates nothing (loadConfig creates the data directory and the JWT secret).
 */
export function jobTimings(env: NodeJS.ProcessEnv = process.env) {
  return {
    expirySweepMs: intFrom(env, 'EXPIRY_SWEEP_MS', 1000, 10),
    orderWatchdogAfterMs: intFrom(env, 'ORDER_WATCHDOG_AFTER_MS', 30_000, 100),
    orderWatchdogIntervalMs: intFrom(env, 'ORDER_WATCHDOG_INTERVAL_MS', 5_000, 50),
    orderWatchdogMaxRedrives: intFrom(env, 'ORDER_WATCHDOG_MAX_REDRIVES', 3, 1),
  };
}

/**
 * Where the log and the read models are (EVENTSTORE_URL, MONGO_URL) and how long a connection may take, read
 * without side effects: `npm run replay` reads the log where the server writes it and compares with its read models.
 */
export function storeSettings(env: NodeJS.ProcessEnv = process.env) {
  return {
    eventstoreUrl: backendUrl(env, 'EVENTSTORE_URL', ['esdb', 'esdb+discover']),
    mongoUrl: backendUrl(env, 'MONGO_URL', ['mongodb', 'mongodb+srv']),
    backendConnectTimeoutMs: intFrom(env, 'BACKEND_CONNECT_TIMEOUT_MS', 10_000, 100),
  };
}

/** Reads the environment; every setting has a default so `npm start` needs none. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): AppConfig {
  const dataDir = dataDirOf(env);
  ensurePrivateDataDir(dataDir);
  const rateLimits = (env.RATE_LIMITS ?? 'on').toLowerCase();
  if (!['on', 'off'].includes(rateLimits))
    throw new ConfigError(`RATE_LIMITS must be "on" or "off", got "${env.RATE_LIMITS}"`);
  return {
    port: intFrom(env, 'PORT', 3000, 0, 65_535),
    host: env.HOST || '0.0.0.0',
    dataDir,
    jwtSecret: jwtSecret(env, dataDir),
    adminEmail: env.ADMIN_EMAIL || undefined,
    adminPassword: env.ADMIN_PASSWORD || undefined,
    holdSeconds: intFrom(env, 'HOLD_SECONDS', 600, 1),
    partnerHoldSeconds: intFrom(env, 'PARTNER_HOLD_SECONDS', intFrom(env, 'HOLD_SECONDS', 600, 1), 1),
    checkoutGraceSeconds: intFrom(env, 'CHECKOUT_GRACE_SECONDS', 120),
    partnerPollingQueueDepth: intFrom(env, 'PARTNER_POLLING_QUEUE_DEPTH', 200, 1),
    rateLimits: rateLimits === 'on',
    logLevel: logLevelOf(env),
    ...storeSettings(env),
    amqpUrl: backendUrl(env, 'AMQP_URL', ['amqp', 'amqps']),
    busNamespace: busNamespace(env.BUS_NAMESPACE),
    sagaMaxRetries: intFrom(env, 'SAGA_MAX_RETRIES', 5),
    sagaRetryDelayMs: intFrom(env, 'SAGA_RETRY_DELAY_MS', 500),
    sagaPrefetch: intFrom(env, 'SAGA_PREFETCH', 128, 1),
    redisUrl: backendUrl(env, 'REDIS_URL', ['redis', 'rediss']),
    rateLimitPrefix: rateLimitPrefix(env.RATE_LIMIT_PREFIX),
    requireApiKey: onOff(env, 'REQUIRE_API_KEY', false),
    bodyLimit: bodyLimitOf(env),
    ...jobTimings(env),
    readYourWritesTimeoutMs: intFrom(env, 'READ_YOUR_WRITES_TIMEOUT_MS', 2000, 0),
    trustProxy: trustProxy(env.TRUST_PROXY),
    metricsToken: metricsToken(env.METRICS_TOKEN),
    queueAdmissionMs: intFrom(env, 'QUEUE_ADMISSION_MS', 1000, 10),
    queueChallengeSeconds: intFrom(env, 'QUEUE_CHALLENGE_SECONDS', 300, 1),
    queueTokenSeconds: intFrom(env, 'QUEUE_TOKEN_SECONDS', 86_400, 60),
    workers: workerCount(env),
    realtime: {
      maxMessageBytes: intFrom(env, 'REALTIME_MAX_MESSAGE_BYTES', 4096, 64),
      maxConnectionsPerUser: intFrom(env, 'REALTIME_MAX_CONNECTIONS_PER_USER', 5, 1),
      maxSubscriptionsPerConnection: intFrom(env, 'REALTIME_MAX_SUBSCRIPTIONS', 20, 1),
      maxMessagesPerSecond: intFrom(env, 'REALTIME_MAX_MESSAGES_PER_SECOND', 20, 1),
      coalesceMs: intFrom(env, 'REALTIME_COALESCE_MS', 250, 0),
      expiringNoticeSeconds: intFrom(env, 'REALTIME_EXPIRING_NOTICE_SECONDS', 60, 1),
      tickMs: intFrom(env, 'REALTIME_TICK_MS', 1000, 10),
      pingIntervalMs: intFrom(env, 'REALTIME_PING_INTERVAL_MS', 30_000, 10),
      maxBufferedBytes: intFrom(env, 'REALTIME_MAX_BUFFERED_BYTES', 1024 * 1024, 1024),
    },
  };
}

/** WORKERS: 1 (one process, no cluster) up to 64; more processes than that on one data directory only contend. */
function workerCount(env: NodeJS.ProcessEnv): number {
  const workers = intFrom(env, 'WORKERS', 1, 1, 64);
  return workers;
}

/** A backend URL, refused at start when its scheme names another kind of server (a swapped variable). */
function backendUrl(env: NodeJS.ProcessEnv, name: string, schemes: string[]): string | undefined {
  const raw = env[name];
  if (!raw) return undefined;
  const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(raw)?.[1]?.toLowerCase();
  if (!scheme || !schemes.includes(scheme))
    throw new ConfigError(`${name} must be a ${schemes.map((s) => `${s}://`).join(' or ')} URL`);
  return raw;
}

function rateLimitPrefix(raw: string | undefined): string {
  const value = raw || 'rl:';
  if (!/^[\w.:-]{1,100}$/.test(value))
    throw new ConfigError(
      `RATE_LIMIT_PREFIX must be 1-100 letters, digits, '.', ':', '_' or '-', got "${raw}"`,
    );
  return value;
}

/** A yes/no setting: true/false (or on/off, 1/0); anything else stops the start rather than being guessed. */
function onOff(env: NodeJS.ProcessEnv, name: string, fallback: boolean): boolean {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = raw.trim().toLowerCase();
  if (['true', 'on', '1', 'yes'].includes(value)) return true;
  if (['false', 'off', '0', 'no'].includes(value)) return false;
  throw new ConfigError(`${name} must be true or false, got "${raw}"`);
}

function busNamespace(raw: string | undefined): string {
  const value = raw || 'ticketing';
  if (!/^[\w.-]{1,100}$/.test(value))
    throw new ConfigError(`BUS_NAMESPACE must be 1-100 letters, digits, '.', '_' or '-', got "${raw}"`);
  return value;
}

/** Shortest accepted secret (JWT_SECRET, the generated secret file, METRICS_TOKEN). */
export const MIN_SECRET_LENGTH = 32;
/** Fewer distinct characters than this is a pattern, not a secret (`aaaa...`, `abababab...`, `0123456789...`). */
export const MIN_SECRET_DISTINCT = 10;

/**
 * Why a secret is unusable, or undefined when it is fine: at least MIN_SECRET_LENGTH characters, printable ASCII
 * only (0x21-0x7E: a file of NUL or 0xFF bytes, or of invisible characters, is not a secret anyone chose), and
 * not trivially low-entropy (fewer than MIN_SECRET_DISTINCT distinct characters). The value is never quoted.
 */
export function secretProblem(secret: string): string | undefined {
  if (secret.length < MIN_SECRET_LENGTH)
    return `holds ${secret.length} characters; at least ${MIN_SECRET_LENGTH} are required`;
  if (!/^[\x21-\x7e]+$/.test(secret))
    return 'holds characters other than printable ASCII (0x21-0x7E: letters, digits, punctuation; no spaces, control or binary bytes)';
  if (new Set(secret).size < MIN_SECRET_DISTINCT)
    return `is too predictable: fewer than ${MIN_SECRET_DISTINCT} distinct characters`;
  return undefined;
}

/** A secret from the environment: refused with a message naming the variable and how to make a good one. */
function checkedEnvSecret(name: string, value: string): string {
  const problem = secretProblem(value);
  if (problem)
    throw new ConfigError(
      `${name} ${problem}. Use a random value, e.g. the output of \`openssl rand -base64 48\`.`,
    );
  return value;
}

/** JWT_SECRET, or a random secret kept in the data dir (so tokens survive restarts); required in production. */
function jwtSecret(env: NodeJS.ProcessEnv, dataDir: string): string {
  if (env.JWT_SECRET) return checkedEnvSecret('JWT_SECRET', env.JWT_SECRET);
  if (env.NODE_ENV === 'production') throw new ConfigError('JWT_SECRET is required when NODE_ENV=production');
  return readOrCreateSecretFile(path.join(dataDir, 'jwt-secret'), 'JWT secret');
}

/**
 * A secret kept in a file: created once (0600, never overwritten: `wx`), refused when present but unusable
 * (secretProblem: an empty, short, binary or patterned file would let anyone sign tokens) or unreadable (a
 * directory, no permission), and tightened to 0600 if looser. Every refusal is a ConfigError naming the file and
 * the fix, never a raw stack.
 */
export function readOrCreateSecretFile(file: string, what: string): string {
  const fix =
    'Delete it to have a new secret generated (signed-in users sign in again), or put a random one of at least ' +
    `${MIN_SECRET_LENGTH} printable characters in it.`;
  let secret: string;
  try {
    if (!fs.existsSync(file)) {
      try {
        fs.writeFileSync(file, crypto.randomBytes(48).toString('base64url'), { mode: 0o600, flag: 'wx' });
      } catch (error) {
        // Another process created it at the same moment: use theirs.
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      }
    }
    // latin1 keeps every byte as one character, so binary content is seen as such (utf8 would make it U+FFFD).
    secret = fs.readFileSync(file, 'latin1').trim();
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'an error';
    const reason = code === 'EISDIR' ? 'is a directory' : `cannot be read or created (${code})`;
    throw new ConfigError(`${what} file ${file} ${reason}. ${fix}`);
  }
  const problem = secretProblem(secret);
  if (problem) throw new ConfigError(`${what} file ${file} ${problem}. ${fix}`);
  if (process.platform !== 'win32' && (fs.statSync(file).mode & 0o077) !== 0) fs.chmodSync(file, 0o600);
  return secret;
}

/**
 * The data directory holds password and token hashes: created 0700, and an existing one readable by group or
 * others is tightened to 0700 (the service owns it; a shared directory is a misconfiguration, not a choice).
 */
export function ensurePrivateDataDir(dataDir: string): void {
  fs.mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  if (process.platform === 'win32') return;
  const stat = fs.statSync(dataDir);
  if ((stat.mode & 0o077) !== 0 && stat.uid === process.getuid?.()) fs.chmodSync(dataDir, 0o700);
}

function trustProxy(raw: string | undefined): TrustProxy {
  const value = (raw ?? '').trim();
  if (value === '' || ['false', 'off', 'no', '0'].includes(value.toLowerCase())) return false;
  // `true` would trust any X-Forwarded-For: every client could choose its address (and its rate-limit key).
  if (['true', 'on', 'yes'].includes(value.toLowerCase()))
    throw new ConfigError(
      'TRUST_PROXY=true would trust any client; give the hop count or the proxy addresses (e.g. "loopback", "1", "10.0.0.0/8")',
    );
  if (/^\d+$/.test(value)) {
    const hops = Number(value);
    if (hops > 10) throw new ConfigError(`TRUST_PROXY hop count must be 1-10, got "${raw}"`);
    return hops;
  }
  const names = new Set(['loopback', 'linklocal', 'uniquelocal']);
  const entries = value.split(',').map((s) => s.trim());
  for (const entry of entries) {
    const [address, bits, extra] = entry.split('/');
    const ok =
      extra === undefined &&
      (names.has(address) && bits === undefined
        ? true
        : net.isIP(address) !== 0 &&
          (bits === undefined ||
            (/^\d{1,3}$/.test(bits) && Number(bits) <= (net.isIP(address) === 4 ? 32 : 128))));
    if (!ok)
      throw new ConfigError(
        `TRUST_PROXY must be off, a hop count, or a comma-separated list of addresses, subnets (CIDR) or loopback/linklocal/uniquelocal; "${entry}" is none of these`,
      );
  }
  return entries;
}

function metricsToken(raw: string | undefined): string | undefined {
  if (raw === undefined || raw === '') return undefined;
  return checkedEnvSecret('METRICS_TOKEN', raw);
}
