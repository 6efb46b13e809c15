import crypto from 'node:crypto';
import type { Request, RequestHandler, Response } from 'express';
import type { IdempotencyStore } from '../../application/ports/idempotency-store';
import { ApiError } from './api-error';
import { isSafeClientId } from './card-data-guard';
import { idHoldsCardNumber } from './card-number-scan';

// The stored answer's correlation, not the retry's: its events were filed under it.
const REPLAYED_HEADERS = ['x-log-position', 'location', 'x-correlation-id'];

/**
 * For an operation whose answers carry a credential (the waiting room's join: a queue token): what is stored in
 * place of the answer, and how a replay gets a fresh credential, so the table never holds a usable token.
 */
export interface ReplayedCredentials {
  /** The body to store for the answer sent (the handler may leave what it issued in `res.locals`). */
  stored(body: unknown, res: Response): unknown;
  /** The body a replay answers, from the stored one; the caller is the same user (keys are scoped per user). */
  replayed(stored: unknown, req: Request): unknown;
}

/**
 * How long a claimed key stays its request's before another may take it over: longer than any request runs, so
 * only a process that died (or a request that hung) gives its key up this way.
 */
export const IDEMPOTENCY_LEASE_MS = 60_000;
/** How often a request waiting for the same key in another process looks again. */
const WAIT_POLL_MS = 25;

/**
 * A body as JSON with every object's keys sorted: the same request with its fields in another order is the same
 * request (a client library may serialize them in any order), not a reused key.
 */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v !== null && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : v,
  );
}

/** Resolves when `done` does, or after `ms`; its timer never keeps the process alive. */
function settledOrAfter(ms: number, done?: Promise<void>): Promise<void> {
  return new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, ms);
    timer.unref();
    void done?.then(() => {
      clearTimeout(timer);
      resolve();
    });
  });
}

/**
 * Refusals of who is asking or when, not answers of the command (401, 403 such as QUEUE_REQUIRED before the
 * buyer's turn, 429): a retry with the same key once the caller may go ahead must run the command.
 */
const NOT_KEPT: ReadonlySet<number> = new Set([401, 403, 429]);

/**
 * Idempotency-Key: the first answer (success or client error) to a keyed request is stored and returned
 * again for every retry with the same key and body. The key is claimed in the shared store before the request
 * runs, so a retry sent at the same time waits for the first to finish, in this process or in another one
 * (WORKERS > 1): a keyed command runs once. Keys are scoped per user; 5xx answers and the refusals in NOT_KEPT are
 * not stored (the claim is released), so a retry after an outage, or once the caller may go ahead, tries again.
 */
export function idempotent(store: IdempotencyStore, credentials?: ReplayedCredentials): RequestHandler {
  // Requests of this process holding a key: a retry here wakes when they end instead of polling the store.
  const inFlight = new Map<string, Promise<void>>();
  return async (req, res, next) => {
    const key = req.get('idempotency-key');
    if (key === undefined) return next();
    // Also checked for every request by the request-id middleware; kept here so this handler is safe on its own.
    if (!isSafeClientId(key) || idHoldsCardNumber(key)) {
      return next(
        new ApiError(
          400,
          'INVALID_IDEMPOTENCY_KEY',
          'Idempotency-Key must be 1-128 letters, digits, or . _ : -',
        ),
      );
    }
    // Stored as a digest: the table keeps no client-chosen text (key, path) at all, only what it needs to match.
    const scoped = crypto
      .createHash('sha256')
      .update(`${req.auth?.sub ?? 'anonymous'}:${req.method}:${req.baseUrl}${req.path}:${key}`)
      .digest('base64url');
    const fingerprint = crypto
      .createHash('sha256')
      .update(canonicalJson(req.body ?? null))
      .digest('base64url');
    const reused = () =>
      new ApiError(
        422,
        'IDEMPOTENCY_KEY_REUSED',
        'This Idempotency-Key was used with a different request body',
      );

    let token: string;
    for (;;) {
      const here = inFlight.get(scoped);
      // Bounded: a request that never answers keeps its claim only for the lease.
      if (here) await settledOrAfter(IDEMPOTENCY_LEASE_MS, here);
      const claim = await store.claim(scoped, fingerprint, IDEMPOTENCY_LEASE_MS);
      if (claim.outcome === 'claimed') {
        token = claim.token;
        break;
      }
      if (claim.outcome === 'running') {
        if (claim.fingerprint !== fingerprint) return next(reused());
        if (!inFlight.has(scoped)) await settledOrAfter(WAIT_POLL_MS); // another process runs it
        continue;
      }
      const stored = claim.response;
      if (stored.fingerprint !== fingerprint) return next(reused());
      // An answer stored without it (kept before correlations were kept) says none rather than the retry's.
      res.removeHeader('X-Correlation-Id');
      for (const [name, value] of Object.entries(stored.headers)) res.setHeader(name, value);
      res.setHeader('Idempotent-Replayed', 'true');
      res.status(stored.status).json(credentials ? credentials.replayed(stored.body, req) : stored.body);
      return;
    }

    let finished!: () => void;
    inFlight.set(scoped, new Promise<void>((resolve) => (finished = resolve)));
    let settled = false;
    const settle = (work: () => Promise<void>) => {
      if (settled) return;
      settled = true;
      // A store that fails here leaves the claim to its lease; the answer itself has gone out either way.
      void work()
        .catch(() => undefined)
        .finally(() => {
          inFlight.delete(scoped);
          finished();
        });
    };
    const json = res.json.bind(res);
    res.json = (body: unknown) => {
      if (res.statusCode < 500 && !NOT_KEPT.has(res.statusCode)) {
        const headers: Record<string, string> = {};
        for (const name of REPLAYED_HEADERS) {
          const value = res.getHeader(name);
          if (value !== undefined) headers[name] = String(value);
        }
        const kept = credentials ? credentials.stored(body, res) : body;
        settle(() => store.put(scoped, { status: res.statusCode, body: kept, headers, fingerprint }));
      } else settle(() => store.release(scoped, token));
      return json(body);
    };
    res.on('close', () => {
      // Answered without a JSON body (nothing to replay): the key is free again. A client that hung up before
      // any answer does not free it: its request still runs, and its answer is stored when it comes.
      if (res.writableFinished) settle(() => store.release(scoped, token));
    });
    next();
  };
}
