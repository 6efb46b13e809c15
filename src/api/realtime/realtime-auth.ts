import type { Request } from 'express';
import type { RealtimePrincipal } from '../../application/realtime/realtime-hub';
import { ApiError, unauthorized } from '../http/api-error';
import { refusedToken, type BearerAuthentication, type TokenAudience } from '../http/auth';
import { isSafeClientId, RAW_CARD_DATA_MESSAGE } from '../http/card-data-guard';
import { idHoldsCardNumber } from '../http/card-number-scan';

export const REALTIME_PATH = '/v1/realtime';
const REALTIME_PREFIX = /^\/v1\/realtime/;

/**
 * The tokens a realtime connection takes: a member's access token, or a waiting-room queue token (which then only
 * gets queue_update for its own entry). The REST declaration of GET /v1/realtime takes the same.
 */
export const REALTIME_ACCEPTS: TokenAudience[] = ['access', 'queue'];

/**
 * Who a realtime connection is, from its `token` query parameter (browsers cannot set headers on a WebSocket),
 * authenticated as every HTTP request is (the app's BearerAuthentication: signature, expiry, a partner client's
 * revocation) and refused as an operation refuses a token kind it does not take (refusedToken): a missing,
 * invalid, expired or revoked token is 401; a queue access token (it only reserves seats) or a partner client's
 * token (it is for the Partner API) is 403.
 */
export async function realtimePrincipal(
  authenticate: BearerAuthentication,
  token: string | undefined,
): Promise<RealtimePrincipal | ApiError> {
  if (!token) return unauthorized();
  const verified = await authenticate(token);
  if (verified instanceof ApiError) return verified;
  const refused = refusedToken(verified, REALTIME_ACCEPTS);
  if (refused) return refused;
  if (verified.kind === 'access')
    return { kind: 'member', userId: verified.sub, admin: verified.role === 'admin' };
  if (!verified.eventId || !verified.entryId) return unauthorized();
  return { kind: 'queue', userId: verified.sub, eventId: verified.eventId, entryId: verified.entryId };
}

const QUERY_NAMES: ReadonlySet<string> = new Set(['token', 'api_key']);

/**
 * The query of a realtime request: `token` and `api_key`, each at most once, nothing else (as the REST operations
 * refuse unknown ones).
 */
export function realtimeQuery(search: URLSearchParams): { token?: string; apiKey?: string } | ApiError {
  const names = [...new Set(search.keys())];
  const bad =
    names.find((name) => !QUERY_NAMES.has(name)) ?? names.find((name) => search.getAll(name).length > 1);
  if (bad !== undefined)
    return new ApiError(
      400,
      'VALIDATION_ERROR',
      'The query parameters are one token and at most one api_key',
      {
        fields: [{ field: bad, errors: ['unknown or repeated query parameter'] }],
      },
    );
  return { token: search.get('token') ?? undefined, apiKey: search.get('api_key') ?? undefined };
}

/**
 * The API key a realtime request presents: the `X-API-Key` header (non-browser clients), else the `api_key` query
 * parameter (browsers cannot set headers on a WebSocket; the query string shows in access logs, so keys used from
 * browsers should be publishable, limited ones). The header wins when both are sent. Either has the header's shape
 * (1-128 of `[A-Za-z0-9._:-]`, no card number), checked here because the upgrade does not pass the HTTP pipeline.
 */
export function realtimeApiKey(
  header: string | string[] | undefined,
  fromQuery: string | undefined,
): string | undefined | ApiError {
  if (header !== undefined) {
    // A repeated header arrives as an array (or joined with ", "): one value only, as the HTTP pipeline says.
    const text = Array.isArray(header) ? header.join(', ') : header;
    const refused = unsafeKey(text, 'headers.x-api-key');
    if (refused) return refused.code === 'VALIDATION_ERROR' ? invalidHeader() : refused;
    return text;
  }
  if (fromQuery === undefined) return undefined;
  return unsafeKey(fromQuery, 'api_key') ?? fromQuery;
}

/**
 * For the HTTP pipeline's key check (checkApiKey): the key a /v1 request presents, the X-API-Key header; on
 * `GET /v1/realtime` (which answers a request that is not an upgrade) also the `api_key` its upgrade takes.
 */
export function presentedApiKey(req: Request): string | undefined | ApiError {
  // Every /v1 request passes here: the common case costs one string comparison. Paths match case-sensitively, as
  // express routes them (app.ts): `/v1/Realtime` is no operation, and takes no key from its query either.
  if (!REALTIME_PREFIX.test(req.originalUrl)) return req.get('x-api-key');
  const url = new URL(req.originalUrl, 'http://request.invalid');
  const path = url.pathname;
  if (path !== REALTIME_PATH && path !== `${REALTIME_PATH}/`) return req.get('x-api-key');
  const query = realtimeQuery(url.searchParams);
  if (query instanceof ApiError) return query; // the 400 the upgrade answers, before any key is looked up
  return realtimeApiKey(req.headers['x-api-key'], query.apiKey);
}

function unsafeKey(key: string, field: string): ApiError | undefined {
  if (idHoldsCardNumber(key))
    return new ApiError(400, 'RAW_CARD_DATA_REJECTED', RAW_CARD_DATA_MESSAGE, { field });
  if (!isSafeClientId(key))
    return new ApiError(400, 'VALIDATION_ERROR', 'The API key must be 1-128 letters, digits, or . _ : -', {
      fields: [{ field, errors: ['must be 1-128 letters, digits, or . _ : -'] }],
    });
  return undefined;
}

const invalidHeader = () =>
  new ApiError(400, 'INVALID_HEADER', 'X-API-Key must be 1-128 letters, digits, or . _ : -', {
    field: 'headers.x-api-key',
  });
