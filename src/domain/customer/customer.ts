import type { Decider, DomainEvent } from '../shared/decider';
import { fail } from '../shared/errors';

/**
 * Accounts. Two aggregates:
 * - `customer-{userId}`: the account (email, name, role, password hash) and its refresh tokens;
 * - `email-{sha256(lower-cased email) hex}`: a one-event stream that claims an email for one user. It is
 *   written with expected revision 'no_stream', so two registrations of one email cannot both win.
 * Only hashes of secrets are ever recorded: the password as a scrypt hash, refresh tokens as sha256 hex.
 */

export type CustomerRole = 'customer' | 'admin' | 'auditor' | 'partner';

// ---- customer-{id} -----------------------------------------------------------------------------------

export interface RegisterCustomer {
  type: 'RegisterCustomer';
  userId: string;
  /** Already normalised (trimmed, lower-case). */
  email: string;
  name: string;
  passwordHash: string;
  role: CustomerRole;
}

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

export type CustomerCommand = RegisterCustomer | IssueRefreshToken | RotateRefreshToken;

export type CustomerRegistered = DomainEvent<
  'CustomerRegistered',
  {
    userId: string;
    email: string;
    name: string;
    passwordHash: string;
    role: CustomerRole;
    registeredAt: string;
  }
>;
export type RefreshTokenIssued = DomainEvent<
  'RefreshTokenIssued',
  { tokenId: string; tokenHash: string; expiresAt: string; issuedAt: string }
>;
export type RefreshTokenRotated = DomainEvent<
  'RefreshTokenRotated',
  { oldTokenId: string; newTokenId: string; newTokenHash: string; expiresAt: string; rotatedAt: string }
>;
export type CustomerEvent = CustomerRegistered | RefreshTokenIssued | RefreshTokenRotated;

export interface RefreshTokenState {
  tokenHash: string;
  /** Epoch milliseconds. */
  expiresAt: number;
  used: boolean;
}

export type CustomerState =
  | { exists: false }
  | {
      exists: true;
      userId: string;
      email: string;
      name: string;
      role: CustomerRole;
      passwordHash: string;
      /** Live (and recently used) refresh tokens by id; expired ones are dropped as time moves on. */
      refreshTokens: Map<string, RefreshTokenState>;
    };

export interface CustomerContext {
  now: Date;
}

const invalidGrant = (): never =>
  fail('INVALID_GRANT', 'The refresh token is invalid, expired or already used');

export const customerDecider: Decider<CustomerCommand, CustomerEvent, CustomerState, CustomerContext> = {
  initialState: () => ({ exists: false }),

  decide(command, state, { now }) {
    switch (command.type) {
      case 'RegisterCustomer': {
        if (state.exists)
          fail('CUSTOMER_EXISTS', `Account ${command.userId} already exists`, { user_id: command.userId });
        return [
          {
            type: 'CustomerRegistered',
            data: {
              userId: command.userId,
              email: normalizeEmail(command.email),
              name: command.name,
              passwordHash: command.passwordHash,
              role: command.role,
              registeredAt: now.toISOString(),
            },
          },
        ];
      }
      case 'IssueRefreshToken': {
        if (!state.exists) return invalidGrant();
        if (state.refreshTokens.has(command.tokenId))
          fail('VALIDATION_ERROR', 'This refresh token id is already in use');
        if (!(Date.parse(command.expiresAt) > now.getTime()))
          fail('VALIDATION_ERROR', 'A refresh token must expire in the future');
        return [
          {
            type: 'RefreshTokenIssued',
            data: {
              tokenId: command.tokenId,
              tokenHash: command.tokenHash,
              expiresAt: command.expiresAt,
              issuedAt: now.toISOString(),
            },
          },
        ];
      }
      case 'RotateRefreshToken': {
        if (!state.exists) return invalidGrant();
        const old = state.refreshTokens.get(command.oldTokenId);
        if (
          !old ||
          old.used ||
          !constantTimeEquals(old.tokenHash, command.oldTokenHash) ||
          old.expiresAt <= now.getTime()
        ) {
          return invalidGrant();
        }
        if (state.refreshTokens.has(command.newTokenId))
          fail('VALIDATION_ERROR', 'This refresh token id is already in use');
        if (!(Date.parse(command.expiresAt) > now.getTime()))
          fail('VALIDATION_ERROR', 'A refresh token must expire in the future');
        return [
          {
            type: 'RefreshTokenRotated',
            data: {
              oldTokenId: command.oldTokenId,
              newTokenId: command.newTokenId,
              newTokenHash: command.newTokenHash,
              expiresAt: command.expiresAt,
              rotatedAt: now.toISOString(),
            },
          },
        ];
      }
    }
  },

  evolve(state, event) {
    switch (event.type) {
      case 'CustomerRegistered': {
        const { userId, email, name, role, passwordHash } = event.data;
        return { exists: true, userId, email, name, role, passwordHash, refreshTokens: new Map() };
      }
      case 'RefreshTokenIssued': {
        if (!state.exists) return state;
        const now = Date.parse(event.data.issuedAt);
        dropExpired(state.refreshTokens, now);
        state.refreshTokens.set(event.data.tokenId, {
          tokenHash: event.data.tokenHash,
          expiresAt: Date.parse(event.data.expiresAt),
          used: false,
        });
        return state;
      }
      case 'RefreshTokenRotated': {
        if (!state.exists) return state;
        const now = Date.parse(event.data.rotatedAt);
        dropExpired(state.refreshTokens, now);
        const old = state.refreshTokens.get(event.data.oldTokenId);
        if (old) old.used = true;
        state.refreshTokens.set(event.data.newTokenId, {
          tokenHash: event.data.newTokenHash,
          expiresAt: Date.parse(event.data.expiresAt),
          used: false,
        });
        return state;
      }
    }
  },
};

/** Expired tokens can never be used again: forgetting them keeps the state as small as the live tokens. */
function dropExpired(tokens: Map<string, RefreshTokenState>, now: number): void {
  for (const [id, token] of tokens) if (token.expiresAt <= now) tokens.delete(id);
}

// ---- email-{sha256(email)} -----------------------------------------------------------------------------

export interface ClaimEmail {
  type: 'ClaimEmail';
  email: string;
  userId: string;
}
export type EmailCommand = ClaimEmail;

export type EmailClaimed = DomainEvent<'EmailClaimed', { email: string; userId: string }>;
export type EmailEvent = EmailClaimed;

export type EmailState = { claimed: false } | { claimed: true; email: string; userId: string };

export const emailDecider: Decider<EmailCommand, EmailEvent, EmailState, void> = {
  initialState: () => ({ claimed: false }),

  decide(command, state) {
    if (state.claimed) fail('EMAIL_TAKEN', 'An account with this email already exists');
    return [{ type: 'EmailClaimed', data: { email: normalizeEmail(command.email), userId: command.userId } }];
  },

  evolve(state, event) {
    switch (event.type) {
      case 'EmailClaimed':
        return state.claimed ? state : { claimed: true, email: event.data.email, userId: event.data.userId };
    }
  },
};

// ---- helpers -------------------------------------------------------------------------------------------

/** Emails are compared trimmed and lower-cased (the whole address, as most providers do). */
export function normalizeEmail(email: string): string {
  return email.trim().toLowerCase();
}

/** Compares two strings without stopping at the first difference (the domain stays free of I/O modules). */
function constantTimeEquals(a: string, b: string): boolean {
  let diff = a.length ^ b.length;
  const n = Math.max(a.length, b.length);
  for (let i = 0; i < n; i += 1)
    diff |= (a.charCodeAt(i % (a.length || 1)) | 0) ^ (b.charCodeAt(i % (b.length || 1)) | 0);
  return diff === 0;
}
