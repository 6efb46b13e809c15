export type Role = 'customer' | 'admin' | 'auditor' | 'partner';
export const ROLES: readonly Role[] = ['customer', 'admin', 'auditor', 'partner'];

export interface AccessClaims {
  /** The user (or partner client) id. */
  sub: string;
  email: string;
  role: Role;
  /** Set on queue access tokens: the event this token admits its holder to. */
  eventId?: string;
}

export interface VerifiedAccess extends AccessClaims {
  expiresAt: Date;
}

/** Issues and verifies signed, expiring access tokens. */
export interface AccessTokens {
  issue(claims: AccessClaims, ttlSeconds: number): { token: string; expiresAt: Date };
  /** The claims of a valid token, or undefined for an expired, forged or malformed one. */
  verify(token: string): VerifiedAccess | undefined;
}

export const ACCESS_TOKENS = Symbol.for('AccessTokens');
