import type { DomainEvent } from './decider';
import { fail } from './errors';

/**
 * Refresh tokens with rotation and reuse detection (OAuth 2.0 Security BCP), as rules any aggregate that signs
 * someone in can use: customer accounts (`customer-{id}`) and partner clients (`partner-{id}`) record the same
 * events with the same meaning. Only sha256 hex of a token's secret is ever recorded.
 *
 * A sign-in starts a token family (its id is the first token's id); every rotation passes the family on. A token
 * that was already rotated away and is presented again means someone holds a copy: every token of its family dies.
 */

export interface IssueRefreshToken {
  type: 'IssueRefreshToken';
  tokenId: string;
  /** sha256 hex of the token's secret. */
  tokenHash: string;
  /** ISO 8601. */
  expiresAt: string;
}

export interface RotateRefreshToken {
  type: 'RotateRefreshToken';
  oldTokenId: string;
  /** sha256 hex of the secret the client presented. */
  oldTokenHash: string;
  newTokenId: string;
  newTokenHash: string;
  /** ISO 8601: expiry of the new token. */
  expiresAt: string;
}

/** `familyId` is absent from events recorded before families existed: the family is then the token's own id. */
export type RefreshTokenIssued = DomainEvent<
  'RefreshTokenIssued',
  { tokenId: string; tokenHash: string; expiresAt: string; issuedAt: string; familyId?: string }
>;
export type RefreshTokenRotated = DomainEvent<
  'RefreshTokenRotated',
  {
    oldTokenId: string;
    newTokenId: string;
    newTokenHash: string;
    expiresAt: string;
    rotatedAt: string;
    familyId?: string;
  }
>;
/**
 * A token that was already rotated away was presented again: someone holds a copy (OAuth 2.0 Security BCP,
 * refresh token rotation), so every token of its family dies; the holder signs in again.
 */
export type RefreshTokenFamilyRevoked = DomainEvent<
  'RefreshTokenFamilyRevoked',
  { familyId: string; reusedTokenId: string; revokedTokenIds: string[]; reason: 'reuse'; revokedAt: string }
>;

export type RefreshTokenEvent = RefreshTokenIssued | RefreshTokenRotated | RefreshTokenFamilyRevoked;

export interface RefreshTokenState {
  tokenHash: string;
  /** Epoch milliseconds. */
  expiresAt: number;
  used: boolean;
  familyId: string;
}

/** Live (and recently used) refresh tokens by id; expired ones are dropped as time moves on. */
export type RefreshTokens = Map<string, RefreshTokenState>;

export const invalidRefreshToken = (): never =>
  fail('INVALID_GRANT', 'The refresh token is invalid, expired or already used');

/** A new sign-in: a token with a fresh id, expiring in the future, starting its own family. */
export function issueRefreshToken(
  tokens: RefreshTokens,
  command: IssueRefreshToken,
  now: Date,
): [RefreshTokenIssued] {
  checkNewRefreshToken(tokens, command.tokenId, command.expiresAt, now);
  return [
    {
      type: 'RefreshTokenIssued',
      data: {
        tokenId: command.tokenId,
        tokenHash: command.tokenHash,
        expiresAt: command.expiresAt,
        issuedAt: now.toISOString(),
        familyId: command.tokenId,
      },
    },
  ];
}

/**
 * The refresh grant: the presented token is used up and a new one of its family issued; INVALID_GRANT for an
 * unknown, wrong or expired token. A token presented again after its rotation revokes its family (recorded: the
 * caller sees no RefreshTokenRotated and answers INVALID_GRANT).
 */
export function rotateRefreshToken(
  tokens: RefreshTokens,
  command: RotateRefreshToken,
  now: Date,
): [RefreshTokenRotated] | [RefreshTokenFamilyRevoked] {
  const old = tokens.get(command.oldTokenId);
  if (!old || !constantTimeEquals(old.tokenHash, command.oldTokenHash) || old.expiresAt <= now.getTime())
    return invalidRefreshToken();
  if (old.used) {
    const revokedTokenIds = [...tokens]
      .filter(([, token]) => token.familyId === old.familyId)
      .map(([id]) => id);
    return [
      {
        type: 'RefreshTokenFamilyRevoked',
        data: {
          familyId: old.familyId,
          reusedTokenId: command.oldTokenId,
          revokedTokenIds,
          reason: 'reuse',
          revokedAt: now.toISOString(),
        },
      },
    ];
  }
  checkNewRefreshToken(tokens, command.newTokenId, command.expiresAt, now);
  return [
    {
      type: 'RefreshTokenRotated',
      data: {
        oldTokenId: command.oldTokenId,
        newTokenId: command.newTokenId,
        newTokenHash: command.newTokenHash,
        expiresAt: command.expiresAt,
        rotatedAt: now.toISOString(),
        familyId: old.familyId,
      },
    },
  ];
}

/** Folds a refresh-token event into the token map (mutates it). */
export function evolveRefreshTokens(tokens: RefreshTokens, event: RefreshTokenEvent): void {
  switch (event.type) {
    case 'RefreshTokenIssued': {
      dropExpired(tokens, Date.parse(event.data.issuedAt));
      tokens.set(event.data.tokenId, {
        tokenHash: event.data.tokenHash,
        expiresAt: Date.parse(event.data.expiresAt),
        used: false,
        familyId: event.data.familyId ?? event.data.tokenId,
      });
      return;
    }
    case 'RefreshTokenRotated': {
      dropExpired(tokens, Date.parse(event.data.rotatedAt));
      const old = tokens.get(event.data.oldTokenId);
      if (old) old.used = true;
      tokens.set(event.data.newTokenId, {
        tokenHash: event.data.newTokenHash,
        expiresAt: Date.parse(event.data.expiresAt),
        used: false,
        familyId: event.data.familyId ?? old?.familyId ?? event.data.oldTokenId,
      });
      return;
    }
    case 'RefreshTokenFamilyRevoked': {
      // Forgotten entirely: any token of the family is then unknown, hence INVALID_GRANT, without new events.
      for (const [id, token] of tokens) if (token.familyId === event.data.familyId) tokens.delete(id);
      for (const id of event.data.revokedTokenIds) tokens.delete(id);
      return;
    }
  }
}

/** A token issued by sign-in or by rotation: a fresh id, and an expiry in the future. */
function checkNewRefreshToken(tokens: RefreshTokens, tokenId: string, expiresAt: string, now: Date): void {
  if (tokens.has(tokenId)) fail('VALIDATION_ERROR', 'This refresh token id is already in use');
  if (!(Date.parse(expiresAt) > now.getTime()))
    fail('VALIDATION_ERROR', 'A refresh token must expire in the future');
}

/** Expired tokens can never be used again: forgetting them keeps the state as small as the live tokens. */
function dropExpired(tokens: RefreshTokens, now: number): void {
  for (const [id, token] of tokens) if (token.expiresAt <= now) tokens.delete(id);
}

/** Compares two strings without stopping at the first difference (the domain stays free of I/O modules). */
export function constantTimeEquals(a: string, b: string): boolean {
  let diff = a.length ^ b.length;
  const n = Math.max(a.length, b.length);
  for (let i = 0; i < n; i += 1)
    diff |= (a.charCodeAt(i % (a.length || 1)) | 0) ^ (b.charCodeAt(i % (b.length || 1)) | 0);
  return diff === 0;
}
