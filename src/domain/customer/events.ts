import type { DomainEvent } from '../shared/decider';

/**
 * The customer aggregate (`customer-{userId}`): the account (email, name, role, password hash), its refresh
 * tokens and its saved payment methods. Its commands, events and state; the rules are in customer.ts.
 * Only hashes of secrets are ever recorded: the password as a scrypt hash, refresh tokens as sha256 hex.
 */

export type CustomerRole = 'customer' | 'admin' | 'auditor' | 'partner';

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
 * A saved card as the command gives it and the event records it: known only by the payment gateway's token
 * (never a card number) and the facts the gateway gave for it (brand, last four digits, expiry).
 */
export interface CardDetails {
  /** The gateway's token for the card: an opaque reference, not card data. */
  cardToken: string;
  brand: string;
  last4: string;
  expMonth: number;
  expYear: number;
  billingAddress?: BillingAddress;
}

/** Saves a card as a payment method. */
export interface AddPaymentMethod extends CardDetails {
  type: 'AddPaymentMethod';
  paymentMethodId: string;
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
  CardDetails & {
    paymentMethodId: string;
    type: 'CARD';
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
