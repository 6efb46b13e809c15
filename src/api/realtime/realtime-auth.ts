import type { AccessTokens } from '../../application/ports/access-tokens';
import type { RealtimePrincipal } from '../../application/realtime/realtime-hub';
import { ApiError, forbidden, unauthorized } from '../http/api-error';

export const REALTIME_PATH = '/v1/realtime';

/**
 * Who a realtime connection is, from its `token` query parameter (browsers cannot set headers on a WebSocket):
 * a member's access token, or a waiting-room queue token (which then only gets queue_update for its own entry).
 * A missing, invalid or expired token is 401; a queue access token (it only reserves seats) is 403.
 */
export function realtimePrincipal(
  tokens: AccessTokens,
  token: string | undefined,
): RealtimePrincipal | ApiError {
  const verified = token ? tokens.verifyAnyKind(token) : undefined;
  if (!verified) return unauthorized();
  switch (verified.kind) {
    case 'access':
      return { kind: 'member', userId: verified.sub, admin: verified.role === 'admin' };
    case 'queue':
      if (!verified.eventId || !verified.entryId) return unauthorized();
      return { kind: 'queue', userId: verified.sub, eventId: verified.eventId, entryId: verified.entryId };
    default:
      return forbidden('A queue access token only reserves seats; connect with an access or queue token');
  }
}

/** The query of a realtime request: exactly one `token`, nothing else (as the REST operations refuse unknown ones). */
export function realtimeQuery(search: URLSearchParams): { token?: string } | ApiError {
  const names = [...new Set(search.keys())];
  const unknown = names.find((name) => name !== 'token');
  if (unknown !== undefined || search.getAll('token').length > 1)
    return new ApiError(400, 'VALIDATION_ERROR', 'The only query parameter is one token', {
      fields: [{ field: unknown ?? 'token', errors: ['unknown or repeated query parameter'] }],
    });
  return { token: search.get('token') ?? undefined };
}
