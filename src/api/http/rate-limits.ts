import { createHash } from 'node:crypto';
import type { Request, RequestHandler, Response } from 'express';
import {
  ipKeyGenerator,
  rateLimit,
  type Logger as LimiterLogger,
  type RateLimitInfo,
  type Store,
} from 'express-rate-limit';
import type { Logger } from 'pino';
import { ApiError } from './api-error';
import { sendError } from './middleware';

/** Limits from the consumer API design, per minute unless said otherwise. */
export const RATE_LIMITS = {
  search: { limit: 100, windowMs: 60_000 },
  eventDetails: { limit: 200, windowMs: 60_000 },
  seatMap: { limit: 50, windowMs: 60_000 },
  reserve: { limit: 10, windowMs: 60_000 },
  /** Keyed by the queue entry (its queue_token), so one waiting user polls at most twice a minute. */
  queueStatus: { limit: 2, windowMs: 60_000 },
  /**
   * Not in the seed: the waiting room's proof-of-work challenge, per client (signed-in user, else address). Cheap to
   * serve, but anonymous and what bots fetch in bulk; a person needs one per join.
   */
  queueChallenge: { limit: 60, windowMs: 60_000 },
  authenticated: { limit: 1000, windowMs: 3_600_000 },
  /** Not in the seed: login and registration, against password guessing. */
  auth: { limit: 30, windowMs: 60_000 },
} as const;

export type RateLimitName = keyof typeof RATE_LIMITS;

/**
 * The spacing of status calls one queue entry can keep up for ever under the queueStatus limit (60 s / 2 = 30 s):
 * the least `poll_interval_seconds` the waiting room advises while rate limits are on.
 */
export const QUEUE_STATUS_SPACING_SECONDS = Math.ceil(
  RATE_LIMITS.queueStatus.windowMs / RATE_LIMITS.queueStatus.limit / 1000,
);

/** Item 7: an API key's own `rate_limit_per_hour`, counted per key id over this window. */
export const API_KEY_WINDOW_MS = 3_600_000;

/**
 * Where a limiter keeps its counters: a store per class (`search`, `apiKey`, ...), or undefined to count in
 * this process's memory. The composition passes a Redis-backed factory when REDIS_URL is set, so every API
 * process draws on one budget. Each call must return a new store (express-rate-limit refuses a shared one).
 */
export type RateLimitStoreFactory = (name: string) => Store | undefined;

export interface RateLimitOptions {
  enabled: boolean;
  store?: RateLimitStoreFactory;
  logger?: Logger;
}

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

/** The signed-in user, else the client address (TRUST_PROXY decides whether X-Forwarded-For counts). */
const userOrAddress = (req: Request) =>
  req.auth ? `user:${req.auth.sub}` : `ip:${ipKeyGenerator(req.ip ?? 'unknown')}`;

/**
 * The queue entry the status call is about: its queue token, hashed (the token is a credential; Redis keys are
 * visible to whoever operates Redis). A user with two entries polls each at the seed's rate; a client with no
 * token is counted by address.
 */
const queueEntryOrAddress = (req: Request) => {
  const token = (req.query as Record<string, unknown>).queue_token;
  return typeof token === 'string' && token.length > 0
    ? `queue:${sha256(token)}`
    : `ip:${ipKeyGenerator(req.ip ?? 'unknown')}`;
};

const KEYS: Record<RateLimitName, (req: Request) => string> = {
  search: userOrAddress,
  eventDetails: userOrAddress,
  seatMap: userOrAddress,
  reserve: userOrAddress,
  queueStatus: queueEntryOrAddress,
  queueChallenge: userOrAddress,
  authenticated: userOrAddress,
  auth: userOrAddress,
};

const WARN_EVERY_MS = 10_000;

/** The limiter of every class when limits are off (RATE_LIMITS=off): routers leave it out of their chains. */
export const NO_LIMIT: RequestHandler = (_req, _res, next) => next();

/**
 * express-rate-limit's logger, onto pino. Its errors are nearly all a store that fails (Redis down, each time a
 * request passes unlimited): logged as a warning at most once per WARN_EVERY_MS per class, with how many came
 * meanwhile, since one line per request would flood the log exactly when the operator needs it.
 */
function limiterLogger(name: string, logger: Logger | undefined): LimiterLogger {
  let lastWarning = 0;
  let since = 0;
  return {
    warn: (error, message) => logger?.warn({ err: error, limiter: name }, message ?? 'rate limiter warning'),
    error: (error, message) => {
      since += 1;
      const now = Date.now();
      if (now - lastWarning < WARN_EVERY_MS) return;
      logger?.warn({ err: error, limiter: name, occurrences: since }, message ?? 'rate limiter error');
      lastWarning = now;
      since = 0;
    },
  };
}

declare module 'express-serve-static-core' {
  interface Request {
    /** The budget the X-RateLimit-* headers describe so far (see showBudget). */
    rateLimitShown?: { remaining: number; resetMs: number };
  }
}

/**
 * Several limiters may count one request (an API key's own budget, a signed-in user's hourly budget, the endpoint's
 * class). The X-RateLimit-* headers describe the one with the least remaining, ties going to the one that resets
 * last: Remaining then always says how many more requests pass before the next refusal, and Reset when that
 * refusal ends. (The last limiter to run used to win, so a key limited to 3 an hour showed its class's 100.)
 */
function showBudget(req: Request, res: Response, info: RateLimitInfo): void {
  if (res.headersSent) return;
  const resetMs = info.resetTime?.getTime() ?? 0;
  const shown = req.rateLimitShown;
  if (
    shown &&
    (shown.remaining < info.remaining || (shown.remaining === info.remaining && shown.resetMs >= resetMs))
  )
    return;
  req.rateLimitShown = { remaining: info.remaining, resetMs };
  res.setHeader('X-RateLimit-Limit', String(info.limit));
  res.setHeader('X-RateLimit-Remaining', String(info.remaining));
  if (info.resetTime) res.setHeader('X-RateLimit-Reset', String(Math.ceil(resetMs / 1000)));
  else res.removeHeader('X-RateLimit-Reset');
}

/**
 * The 429 of the limiter that refused (its limit in the message and details). Retry-After waits for the budget the
 * headers show: the refusing one, or another one just as spent that resets later (retrying sooner is refused too).
 */
function tooManyRequests(req: Request, res: Response, limit: number, windowMs: number, what: string): void {
  const resetMs = req.rateLimitShown?.resetMs ?? 0;
  const untilReset = resetMs > 0 ? Math.ceil((resetMs - Date.now()) / 1000) : 0;
  const seconds = Math.max(1, untilReset || Math.ceil(windowMs / 1000));
  sendError(
    req,
    res,
    new ApiError(
      429,
      'RATE_LIMIT_EXCEEDED',
      `Too many requests${what}: at most ${limit} per ${windowMs / 1000}s`,
      { limit },
      { 'Retry-After': String(seconds) },
    ),
  );
}

interface LimiterSpec {
  name: string;
  windowMs: number;
  limit: (req: Request) => number;
  key: (req: Request) => string;
  skip?: (req: Request) => boolean;
  /** Said in the 429's message: whose budget ran out. */
  what?: string;
}

/**
 * The limiters of one app: one per class, made once (a class named twice shares its counters, as it must).
 * Answers 429 RATE_LIMIT_EXCEEDED in the standard envelope with Retry-After; every counted answer carries
 * X-RateLimit-Limit, -Remaining and -Reset (epoch seconds, as the seed shows them).
 *
 * A store that fails (Redis unreachable, or slower than its command timeout) lets the request through
 * (`passOnStoreError`), with a warning in the log: the limits protect the service from abuse, while every
 * decision that matters (no seat sold twice, purchase limits) is made by the deciders, not here. Refusing all
 * traffic, or stalling it, because the counters are unreachable would turn a Redis outage into a full outage.
 * /readyz still reports Redis as down, for the alert.
 */
export class RateLimits {
  private readonly made = new Map<string, RequestHandler>();

  constructor(private readonly options: RateLimitOptions) {}

  /** The limiter of a seed class (or `auth`). */
  limit(name: RateLimitName): RequestHandler {
    const { limit, windowMs } = RATE_LIMITS[name];
    const byClass = KEYS[name];
    return this.limiter({
      name,
      windowMs,
      limit: () => limit,
      // An operation may say what it counts by (OperationSpec.rateLimitKey, e.g. the queue entry of a status call);
      // hashed, as it may be derived from a credential.
      key: (req) => (req.rateLimitKey === undefined ? byClass(req) : `op:${sha256(req.rateLimitKey)}`),
      // The hourly budget is for signed-in users; anonymous clients are counted by the per-endpoint classes. A
      // waiting-room token only checks its entry (limited per entry) and leaves: a user out of budget can still go.
      skip: name === 'authenticated' ? (req) => !req.auth || req.auth.kind === 'queue' : undefined,
    });
  }

  /** Item 7: requests with an API key that carries `rate_limit_per_hour` count against it, keyed by key id. */
  apiKey(): RequestHandler {
    const limiter = this.limiter({
      name: 'apiKey',
      windowMs: API_KEY_WINDOW_MS,
      limit: (req) => req.apiKey?.rateLimitPerHour ?? 0,
      key: (req) => `key:${req.apiKey?.keyId}`,
      what: ' for this API key',
    });
    if (limiter === NO_LIMIT) return NO_LIMIT;
    // Most requests carry no key with a budget: they skip the limiter's (asynchronous) machinery altogether.
    return (req, res, next) => (req.apiKey?.rateLimitPerHour ? limiter(req, res, next) : next());
  }

  private limiter(spec: LimiterSpec): RequestHandler {
    if (!this.options.enabled) return NO_LIMIT;
    let made = this.made.get(spec.name);
    if (made) return made;
    const limitOf = spec.limit;
    // Each limiter leaves its count in a property of its own, so the headers can describe the tightest budget.
    const property = `rateLimit:${spec.name}`;
    const countedBy = (req: Request) =>
      (req as unknown as Record<string, RateLimitInfo | undefined>)[property];
    const counted = rateLimit({
      windowMs: spec.windowMs,
      limit: (req: Request) => limitOf(req),
      requestPropertyName: property,
      // X-RateLimit-Limit / -Remaining / -Reset, as the seed specifies: set by showBudget, not by each limiter.
      standardHeaders: false,
      legacyHeaders: false,
      store: this.options.store?.(spec.name),
      passOnStoreError: true,
      logger: limiterLogger(spec.name, this.options.logger),
      // req.ip honours X-Forwarded-For only from the proxies TRUST_PROXY names (off by default), so a client
      // cannot pick its own key. An X-Forwarded-For we ignore on purpose is not a misconfiguration to report.
      validate: { xForwardedForHeader: false },
      keyGenerator: spec.key,
      skip: spec.skip,
      handler: (req, res) => {
        const info = countedBy(req);
        if (info) showBudget(req, res, info);
        tooManyRequests(req, res, info?.limit ?? limitOf(req), spec.windowMs, spec.what ?? '');
      },
    });
    // Skipped (an anonymous request and the hourly budget) or let through by a failing store: nothing counted.
    made = (req, res, next) =>
      counted(req, res, (error?: unknown) => {
        const info = countedBy(req);
        if (error === undefined && info) showBudget(req, res, info);
        next(error);
      });
    this.made.set(spec.name, made);
    return made;
  }
}
