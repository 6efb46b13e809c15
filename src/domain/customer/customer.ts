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

export interface BillingAddress {
  street?: string;
  city?: string;
  state?: string;
  postalCode?: string;
  country?: string;
}

/**
 * Saves a card as a payment method. The card is known only by the payment gateway's token (never a card number)
 * and the facts the gateway gave for it (brand, last four digits, expiry).
 */
export interface AddPaymentMethod {
  type: 'AddPaymentMethod';
  paymentMethodId: string;
  cardToken: string;
  brand: string;
  last4: string;
  expMonth: number;
  expYear: number;
  billingAddress?: BillingAddress;
  /** Make it the default; the account's first method is the default whatever this says. */
  makeDefault: boolean;
}

export interface RemovePaymentMethod {
  type: 'RemovePaymentMethod';
  paymentMethodId: string;
}

export type CustomerCommand =
  RegisterCustomer | IssueRefreshToken | RotateRefreshToken | AddPaymentMethod | RemovePaymentMethod;

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
/**
 * A sign-in starts a token family (its id is the first token's id); every rotation passes the family on.
 * `familyId` is absent from events recorded before families existed: the family is then the token's own id.
 */
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
export type PaymentMethodAdded = DomainEvent<
  'PaymentMethodAdded',
  {
    paymentMethodId: string;
    type: 'CARD';
    /** The gateway's token for the card: an opaque reference, not card data. */
    cardToken: string;
    brand: string;
    last4: string;
    expMonth: number;
    expYear: number;
    billingAddress?: BillingAddress;
    isDefault: boolean;
    /** When isDefault: the method that stops being the default (null when there was none). */
    previousDefaultId: string | null;
    addedAt: string;
  }
>;
export type PaymentMethodRemoved = DomainEvent<
  'PaymentMethodRemoved',
  {
    paymentMethodId: string;
    /** When the default was removed: the method that becomes the default (the most recently added one left). */
    newDefaultId: string | null;
    removedAt: string;
  }
>;
export type CustomerEvent =
  | CustomerRegistered
  | RefreshTokenIssued
  | RefreshTokenRotated
  | RefreshTokenFamilyRevoked
  | PaymentMethodAdded
  | PaymentMethodRemoved;

export interface RefreshTokenState {
  tokenHash: string;
  /** Epoch milliseconds. */
  expiresAt: number;
  used: boolean;
  familyId: string;
}

/** A saved method is what PaymentMethodAdded recorded, less the bookkeeping of which default it replaced. */
export type PaymentMethodState = Omit<PaymentMethodAdded['data'], 'previousDefaultId'>;

/** Saved payment methods per account; bounds the state and what a listing returns. */
export const MAX_PAYMENT_METHODS = 20;

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
      /** Saved payment methods by id, oldest first. */
      paymentMethods: Map<string, PaymentMethodState>;
    };

export interface CustomerContext {
  now: Date;
}

const invalidGrant = (): never =>
  fail('INVALID_GRANT', 'The refresh token is invalid, expired or already used');

const invalidPaymentMethod = (message: string): never => fail('INVALID_PAYMENT_METHOD', message);

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
              familyId: command.tokenId,
            },
          },
        ];
      }
      case 'RotateRefreshToken': {
        if (!state.exists) return invalidGrant();
        const old = state.refreshTokens.get(command.oldTokenId);
        if (
          !old ||
          !constantTimeEquals(old.tokenHash, command.oldTokenHash) ||
          old.expiresAt <= now.getTime()
        )
          return invalidGrant();
        if (old.used) {
          // Reuse of a rotated token: revoke the family (recorded), and the caller answers INVALID_GRANT.
          const revokedTokenIds = [...state.refreshTokens]
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
              familyId: old.familyId,
            },
          },
        ];
      }
      case 'AddPaymentMethod': {
        if (!state.exists) return fail('NOT_FOUND', 'Account not found');
        if (state.paymentMethods.has(command.paymentMethodId))
          fail('VALIDATION_ERROR', 'This payment method id is already in use');
        if (state.paymentMethods.size >= MAX_PAYMENT_METHODS)
          fail(
            'VALIDATION_ERROR',
            `An account can keep at most ${MAX_PAYMENT_METHODS} payment methods; remove one first`,
            {
              max_payment_methods: MAX_PAYMENT_METHODS,
            },
          );
        if (!/^tok_[A-Za-z0-9_]{1,100}$/.test(command.cardToken))
          invalidPaymentMethod('The card token is not a payment token');
        if (!/^\d{4}$/.test(command.last4)) invalidPaymentMethod("The card's last four digits are malformed");
        if (
          !Number.isInteger(command.expMonth) ||
          command.expMonth < 1 ||
          command.expMonth > 12 ||
          !Number.isInteger(command.expYear)
        )
          invalidPaymentMethod("The card's expiry date is malformed");
        // A card is valid through the last day of its expiry month.
        if (Date.UTC(command.expYear, command.expMonth, 1) <= now.getTime())
          invalidPaymentMethod('The card has expired');
        const previousDefault = defaultPaymentMethod(state.paymentMethods);
        const isDefault = command.makeDefault || previousDefault === undefined;
        return [
          {
            type: 'PaymentMethodAdded',
            data: {
              paymentMethodId: command.paymentMethodId,
              type: 'CARD',
              cardToken: command.cardToken,
              brand: command.brand,
              last4: command.last4,
              expMonth: command.expMonth,
              expYear: command.expYear,
              ...(command.billingAddress ? { billingAddress: { ...command.billingAddress } } : {}),
              isDefault,
              previousDefaultId: isDefault ? (previousDefault?.paymentMethodId ?? null) : null,
              addedAt: now.toISOString(),
            },
          },
        ];
      }
      case 'RemovePaymentMethod': {
        const method = state.exists ? state.paymentMethods.get(command.paymentMethodId) : undefined;
        if (!state.exists || !method) return fail('PAYMENT_METHOD_NOT_FOUND', 'Payment method not found');
        let newDefaultId: string | null = null;
        if (method.isDefault) {
          for (const other of state.paymentMethods.values())
            if (other.paymentMethodId !== method.paymentMethodId) newDefaultId = other.paymentMethodId;
        }
        return [
          {
            type: 'PaymentMethodRemoved',
            data: { paymentMethodId: command.paymentMethodId, newDefaultId, removedAt: now.toISOString() },
          },
        ];
      }
    }
  },

  evolve(state, event) {
    switch (event.type) {
      case 'CustomerRegistered': {
        const { userId, email, name, role, passwordHash } = event.data;
        return {
          exists: true,
          userId,
          email,
          name,
          role,
          passwordHash,
          refreshTokens: new Map(),
          paymentMethods: new Map(),
        };
      }
      case 'RefreshTokenIssued': {
        if (!state.exists) return state;
        const now = Date.parse(event.data.issuedAt);
        dropExpired(state.refreshTokens, now);
        state.refreshTokens.set(event.data.tokenId, {
          tokenHash: event.data.tokenHash,
          expiresAt: Date.parse(event.data.expiresAt),
          used: false,
          familyId: event.data.familyId ?? event.data.tokenId,
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
          familyId: event.data.familyId ?? old?.familyId ?? event.data.oldTokenId,
        });
        return state;
      }
      case 'RefreshTokenFamilyRevoked': {
        if (!state.exists) return state;
        // Forgotten entirely: any token of the family is then unknown, hence INVALID_GRANT, without new events.
        for (const [id, token] of state.refreshTokens)
          if (token.familyId === event.data.familyId) state.refreshTokens.delete(id);
        for (const id of event.data.revokedTokenIds) state.refreshTokens.delete(id);
        return state;
      }
      case 'PaymentMethodAdded': {
        if (!state.exists) return state;
        const { previousDefaultId: _previous, ...method } = event.data;
        if (method.isDefault) for (const other of state.paymentMethods.values()) other.isDefault = false;
        state.paymentMethods.set(method.paymentMethodId, method);
        return state;
      }
      case 'PaymentMethodRemoved': {
        if (!state.exists) return state;
        state.paymentMethods.delete(event.data.paymentMethodId);
        const next = event.data.newDefaultId ? state.paymentMethods.get(event.data.newDefaultId) : undefined;
        if (next) {
          for (const other of state.paymentMethods.values()) other.isDefault = false;
          next.isDefault = true;
        }
        return state;
      }
    }
  },
};

function defaultPaymentMethod(methods: Map<string, PaymentMethodState>): PaymentMethodState | undefined {
  for (const method of methods.values()) if (method.isDefault) return method;
  return undefined;
}

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
