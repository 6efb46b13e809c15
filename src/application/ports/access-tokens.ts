export type Role = 'customer' | 'admin' | 'auditor' | 'partner';
export const ROLES: readonly Role[] = ['customer', 'admin', 'auditor', 'partner'];

/**
 * What a token is for. `access`: a member's token (every route). `queue`: a waiting-room entry's token, which only
 * checks its status and leaves. `queue_access`: the token a READY entry gets, which only reserves seats at its event.
 */
export type TokenKind = 'access' | 'queue' | 'queue_access';
export const TOKEN_KINDS: readonly TokenKind[] = ['access', 'queue', 'queue_access'];

export interface AccessClaims {
  /** The user (or partner client) id. */
  sub: string;
  email: string;
  role: Role;
  /** Defaults to `access`. */
  kind?: TokenKind;
  /** Set on queue tokens: the event whose waiting room issued it. */
  eventId?: string;
  /** Set on queue tokens: the waiting-room entry. */
  entryId?: string;
  /** Set on queue tokens: a hash of the device fingerprint the entry was made from (never the fingerprint). */
  deviceHash?: string;
}

export interface VerifiedAccess extends AccessClaims {
  kind: TokenKind;
  expiresAt: Date;
}

/** Issues and verifies signed, expiring access tokens. */
export interface AccessTokens {
  issue(claims: AccessClaims, ttlSeconds: number): { token: string; expiresAt: Date };
  /** A token that expires at `expiresAt` (to the second, rounded down): a queue turn and its token end together. */
  issueUntil(claims: AccessClaims, expiresAt: Date): { token: string; expiresAt: Date };
  /**
   * The claims of a valid MEMBER token (kind `access`), or undefined for an expired, forged or malformed one, and
   * for a waiting-room token: callers that do not ask for those kinds never accept them by mistake.
   */
  verify(token: string): VerifiedAccess | undefined;
  /** The claims of a valid token of any kind (the caller checks `kind`). */
  verifyAnyKind(token: string): VerifiedAccess | undefined;
}

export const ACCESS_TOKENS = Symbol.for('AccessTokens');
