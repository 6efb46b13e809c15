import type { Request, RequestHandler } from 'express';
import type { ApiKeyIdentity } from '../../application/api-keys/api-key-index';
import { ApiError } from './api-error';

declare module 'express-serve-static-core' {
  interface Request {
    /** The calling application, from a valid X-API-Key (its id goes into the metadata of the events caused). */
    apiKey?: ApiKeyIdentity;
  }
}

export interface ApiKeyLookup {
  identify(key: string): ApiKeyIdentity | undefined;
}

export const invalidApiKey = () =>
  new ApiError(401, 'INVALID_API_KEY', 'The X-API-Key is unknown or has been revoked');
export const apiKeyRequired = () =>
  new ApiError(401, 'API_KEY_REQUIRED', 'This API needs an X-API-Key header naming the calling application');

/**
 * The X-API-Key check (seed header): a key that is sent must be valid (401 INVALID_API_KEY), whether or not keys
 * are required; with REQUIRE_API_KEY=true a request without one is refused (401 API_KEY_REQUIRED). The header's
 * shape (1-128 of `[A-Za-z0-9._:-]`, no card number) was checked with the other kept headers before this runs.
 * A valid key is one map lookup (ApiKeyIndex); its identity is put on the request for the per-key rate limit and
 * the event metadata.
 */
export function checkApiKey(
  keys: ApiKeyLookup,
  required: boolean,
  /** The key the request presents (the header; see presentedApiKey for GET /v1/realtime's query form). */
  keyOf: (req: Request) => string | undefined | ApiError = (req) => req.get('x-api-key'),
): RequestHandler {
  return (req, _res, next) => {
    const key = keyOf(req);
    if (key instanceof ApiError) return next(key);
    const verdict = verifyApiKey(keys, required, key);
    if (verdict instanceof ApiError) return next(verdict);
    if (verdict) req.apiKey = verdict;
    next();
  };
}

/**
 * The one rule for a presented key, for the HTTP pipeline and the WebSocket upgrade alike: the caller's identity,
 * undefined when no key was sent and none is required, else 401 (API_KEY_REQUIRED, or INVALID_API_KEY for a key
 * that is unknown or revoked).
 */
export function verifyApiKey(
  keys: ApiKeyLookup,
  required: boolean,
  key: string | undefined,
): ApiKeyIdentity | undefined | ApiError {
  if (key === undefined) return required ? apiKeyRequired() : undefined;
  return keys.identify(key) ?? invalidApiKey();
}
