import crypto from 'node:crypto';
import type { Request, RequestHandler, Response } from 'express';
import type { IdempotencyStore } from '../../application/ports/idempotency-store';
import { ApiError } from './api-error';
import { isSafeClientId } from './card-data-guard';
import { idHoldsCardNumber } from './card-number-scan';

const REPLAYED_HEADERS = ['x-log-position', 'location'];

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
 * Idempotency-Key: the first answer (success or client error) to a keyed request is stored and returned
 * again for every retry with the same key and body. Concurrent retries wait for the first to finish.
 * Keys are scoped per user; 5xx answers are not stored, so a retry after an outage tries again.
 */
export function idempotent(store: IdempotencyStore, credentials?: ReplayedCredentials): RequestHandler {
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
      .update(JSON.stringify(req.body ?? null))
      .digest('base64url');
    while (inFlight.has(scoped)) await inFlight.get(scoped);
    const stored = await store.get(scoped);
    if (stored) {
      if (stored.fingerprint !== fingerprint) {
        return next(
          new ApiError(
            422,
            'IDEMPOTENCY_KEY_REUSED',
            'This Idempotency-Key was used with a different request body',
          ),
        );
      }
      for (const [name, value] of Object.entries(stored.headers)) res.setHeader(name, value);
      res.setHeader('Idempotent-Replayed', 'true');
      res.status(stored.status).json(credentials ? credentials.replayed(stored.body, req) : stored.body);
      return;
    }
    let finished!: () => void;
    inFlight.set(scoped, new Promise<void>((resolve) => (finished = resolve)));
    const json = res.json.bind(res);
    res.json = (body: unknown) => {
      if (res.statusCode < 500) {
        const headers: Record<string, string> = {};
        for (const name of REPLAYED_HEADERS) {
          const value = res.getHeader(name);
          if (value !== undefined) headers[name] = String(value);
        }
        const kept = credentials ? credentials.stored(body, res) : body;
        void store.put(scoped, { status: res.statusCode, body: kept, headers, fingerprint }).finally(done);
      } else done();
      return json(body);
    };
    const done = () => {
      inFlight.delete(scoped);
      finished();
    };
    res.on('close', done);
    next();
  };
}
