import type { DomainEvent } from '../shared/decider';
import type {
  IssueRefreshToken,
  RefreshTokenFamilyRevoked,
  RefreshTokenIssued,
  RefreshTokenRotated,
  RefreshTokenState,
  RotateRefreshToken,
} from '../shared/refresh-tokens';

// The refresh-token rules are shared with partner clients (domain/shared/refresh-tokens.ts).
export type {
  IssueRefreshToken,
  RefreshTokenFamilyRevoked,
  RefreshTokenIssued,
  RefreshTokenRotated,
  RefreshTokenState,
  RotateRefreshToken,
};

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
