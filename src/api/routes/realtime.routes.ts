import { apiRouter, op, type ApiRouter } from '../contract/api-router';
import { RealtimeQueryDto } from '../dto/realtime.dto';
import { ApiError } from '../http/api-error';
import type { BearerAuthentication } from '../http/auth';
import { REALTIME_ACCEPTS, realtimePrincipal } from '../realtime/realtime-auth';
import { REALTIME_MESSAGES } from '../schemas/realtime.schemas';

const DESCRIPTION =
  'Upgrades to a WebSocket (the upgrade itself is served by src/api/realtime, not by this route: a plain GET ' +
  'without `Upgrade: websocket` answers 426). Authenticate with `?token=`: a member access token, or a queue token ' +
  '(then only `queue_update` for its own entry, sent without subscribing). The API key is checked as on every /v1 ' +
  'request, before the token: the `X-API-Key` header (non-browser clients), or `?api_key=` (browsers cannot set ' +
  'headers on a WebSocket; the header wins when both are sent). The query form shows in access logs and browser ' +
  'history, so a key used from browsers should be a publishable one of their own, limited by its ' +
  '`rate_limit_per_hour` and revocable alone. Unknown or revoked: 401 `INVALID_API_KEY`; none with ' +
  "REQUIRE_API_KEY=true: 401 `API_KEY_REQUIRED`. An upgrade is not counted against the key's hourly budget (a " +
  'connection is bounded by REALTIME_MAX_CONNECTIONS_PER_USER instead). A refused upgrade is an HTTP answer in ' +
  "the error envelope (401 missing/invalid/expired token (a revoked partner client's included) or API key, 403 " +
  'queue access token or partner client token, 429 ' +
  '`TOO_MANY_CONNECTIONS` over REALTIME_MAX_CONNECTIONS_PER_USER (5), 404 another path; a malformed handshake, ' +
  'before the token: 400 `INVALID_HEADER` for `Sec-WebSocket-Key` or `Sec-WebSocket-Protocol`, 426 for a ' +
  '`Sec-WebSocket-Version` other than 13).\n\n' +
  'Messages are JSON text frames (schemas in `x-websocket-messages`). Client: `{"type":"subscribe","event_id"}` ' +
  '-> `{"type":"subscribed","event_id"}` then one `availability_update` per section with its current count; ' +
  '`{"type":"unsubscribe","event_id"}` -> `{"type":"unsubscribed","event_id"}`. Server: `availability_update` ' +
  '`{event_id, section, section_id, available_seats, timestamp}` when a section count changes (the seat map count, ' +
  'at most one per section per 250 ms, the latest); `reservation_expiring` `{reservation_id, expires_in_seconds}` ' +
  "to the hold's owner 60 s before it expires (not after a release or purchase); `queue_update` `{event_id, " +
  'queue_position, estimated_wait, status, timestamp}` when the position or status of your entry changes. A bad ' +
  'message (not JSON, unknown type, missing or extra field, binary, over 4 KiB, more than 20 a second, unknown ' +
  'event) gets `{"type":"error","code","message"}` and the connection stays open; a frame over 64 KiB closes it ' +
  '(1009). The server pings every 30 s and closes a connection that did not answer the previous ping; a ' +
  'connection that does not read (over 1 MiB waiting) is closed.';

/** `/v1/realtime`: documents the WebSocket and answers a request that is not an upgrade. */
export function realtimeRoutes({ authenticate }: { authenticate: BearerAuthentication }): ApiRouter {
  const router = apiRouter({ tag: 'realtime' });

  op(
    router,
    {
      method: 'get',
      path: '/',
      operationId: 'connectRealtime',
      summary: 'Realtime updates over a WebSocket: seat availability, expiring holds, queue position',
      description: DESCRIPTION,
      query: RealtimeQueryDto,
      accepts: REALTIME_ACCEPTS,
      invalid:
        'A query parameter other than one `token` and one `api_key`, or an `api_key` of the wrong shape; or a ' +
        'malformed WebSocket handshake (`INVALID_HEADER`: `Sec-WebSocket-Key`, `Sec-WebSocket-Protocol`)',
      invalidCodes: ['INVALID_HEADER'],
      responses: {
        101: {
          description: 'Switching Protocols: the WebSocket is open (an upgrade request with a valid token)',
          upgrade: true,
        },
      },
      errors: {
        401: [
          "The `token` is missing, invalid, forged or expired, or a revoked partner client's",
          ['UNAUTHORIZED'],
        ],
        403: [
          "The `token` is a queue access token (it only reserves seats) or a partner client's (Partner API only)",
          ['FORBIDDEN'],
        ],
        426: [
          'A valid token, but not a WebSocket upgrade request; or an upgrade in a WebSocket version other than 13 ' +
            '(`Sec-WebSocket-Version: 13, 8` says which)',
          ['UPGRADE_REQUIRED'],
        ],
        429: [
          'The user already has REALTIME_MAX_CONNECTIONS_PER_USER connections open (upgrade only; ' +
            '`details.max_connections`, `Retry-After`: a connection frees when one of the user’s closes)',
          ['TOO_MANY_CONNECTIONS'],
        ],
      },
      extensions: { 'x-websocket-messages': REALTIME_MESSAGES },
    },
    async (_req, _res, { query }) => {
      const principal = await realtimePrincipal(authenticate, query.token);
      if (principal instanceof ApiError) throw principal;
      throw new ApiError(
        426,
        'UPGRADE_REQUIRED',
        'Connect with a WebSocket client (Upgrade: websocket)',
        {},
        { Upgrade: 'websocket' },
      );
    },
  );

  return router;
}
