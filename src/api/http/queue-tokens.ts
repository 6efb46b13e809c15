import crypto from 'node:crypto';
import type { AccessTokens, VerifiedAccess } from '../../application/ports/access-tokens';
import { ApiError } from './api-error';

/**
 * The waiting room's two tokens. The queue token (kind `queue`) names the entry; it only checks the entry's status
 * and leaves. The access token (kind `queue_access`) a READY entry gets admits its user to reserve at that event
 * until the turn ends. Both carry a hash of the entry's device fingerprint, so a reserve sent from another device
 * (X-Device-ID) can be told apart without the fingerprint itself travelling in a token.
 */

export type QueueToken = VerifiedAccess & { eventId: string; entryId: string };

export const deviceHash = (fingerprint: string): string =>
  crypto.createHash('sha256').update(`device:${fingerprint}`).digest('base64url');

/** The claims of a valid token of `kind`, or undefined. */
export function verifyQueueToken(
  tokens: AccessTokens,
  token: string,
  kind: 'queue' | 'queue_access',
): QueueToken | undefined {
  const verified = tokens.verifyAnyKind(token);
  return verified?.kind === kind && verified.eventId && verified.entryId
    ? (verified as QueueToken)
    : undefined;
}

export const invalidQueueToken = () =>
  new ApiError(401, 'UNAUTHORIZED', 'No valid queue token found (invalid, forged or expired)');
