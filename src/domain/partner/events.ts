import type { DomainEvent } from '../shared/decider';
import type { RefreshTokenEvent, RefreshTokens, RotateRefreshToken } from '../shared/refresh-tokens';

/**
 * The partner client aggregate (`partner-{partnerId}`): an OAuth client of the Partner API, its allow-lists, its
 * quota, its captcha site key and its refresh tokens. Its commands, events and state; the rules are in partner.ts.
 * The client secret is recorded only as sha256 hex (it is 32 random bytes: see PartnerService), refresh tokens
 * likewise; the site key is public (the captcha HMAC key is derived from it and a server secret, never stored).
 */

/** The payment fields a client can be asked to send (Partner API FAQ: "clients are configured individually"). */
export const PAYMENT_FIELDS = [
  'card.holder_name',
  'card.exp_month',
  'card.exp_year',
  'billing_address.line1',
  'billing_address.city',
  'billing_address.postal_code',
  'billing_address.country',
] as const;
export type PaymentField = (typeof PAYMENT_FIELDS)[number];

/**
 * What a client is asked for when it was not configured otherwise: the card holder and a full billing address (for
 * address verification). The card's expiry is always needed, whatever the configuration (P3's payment service).
 */
export const DEFAULT_REQUIRED_PAYMENT_FIELDS: readonly PaymentField[] = [
  'card.holder_name',
  'billing_address.line1',
  'billing_address.city',
  'billing_address.postal_code',
  'billing_address.country',
];

export const DEFAULT_QUOTA_PER_HOUR = 5000;
export const MAX_QUOTA_PER_HOUR = 1_000_000;

export interface RegisterPartner {
  type: 'RegisterPartner';
  partnerId: string;
  name: string;
  redirectUris: string[];
  logoUrls: string[];
  captchaDomains: string[];
  /** Default: DEFAULT_REQUIRED_PAYMENT_FIELDS. */
  requiredPaymentFields?: string[];
  /** Default: DEFAULT_QUOTA_PER_HOUR. */
  quotaPerHour?: number;
  /** sha256 hex of the client secret. */
  secretHash: string;
  siteKey: string;
}

/** A new client secret: the old one stops working, and so does every refresh token issued under it. */
export interface RotatePartnerSecret {
  type: 'RotatePartnerSecret';
  secretHash: string;
}

/** A new captcha site key: challenges signed under the old one no longer verify. */
export interface RotatePartnerSiteKey {
  type: 'RotatePartnerSiteKey';
  siteKey: string;
}

/** The client is switched off for good: no more tokens, and the ones it holds stop working. */
export interface RevokePartner {
  type: 'RevokePartner';
}

/**
 * The client_credentials grant: the presented secret (as sha256 hex) is checked against the current one, and a
 * refresh token is issued beside the access token (the access token itself is signed, not recorded).
 */
export interface AuthenticateClient {
  type: 'AuthenticateClient';
  presentedSecretHash: string;
  tokenId: string;
  tokenHash: string;
  expiresAt: string;
}

/**
 * A captcha solution is spent: it was solved for the partner's current site key and may not be used again (a
 * captcha proves one human action, not a session). The signature and the work were checked before; what is decided
 * here is that it is current, not expired and not used yet.
 */
export interface UseCaptchaSolution {
  type: 'UseCaptchaSolution';
  /** A stable id of the solved challenge (a hash of its signature). */
  challengeId: string;
  /** The site key the challenge was made under. */
  siteKey: string;
  /** ISO 8601: when the challenge expires (it cannot be used after, so it need not be remembered after either). */
  expiresAt: string;
}

export type PartnerCommand =
  | RegisterPartner
  | UseCaptchaSolution
  | RotatePartnerSecret
  | RotatePartnerSiteKey
  | RevokePartner
  | AuthenticateClient
  | RotateRefreshToken;

export type PartnerRegistered = DomainEvent<
  'PartnerRegistered',
  {
    partnerId: string;
    name: string;
    redirectUris: string[];
    logoUrls: string[];
    captchaDomains: string[];
    requiredPaymentFields: PaymentField[];
    quotaPerHour: number;
    secretHash: string;
    siteKey: string;
    registeredAt: string;
  }
>;
export type PartnerSecretRotated = DomainEvent<
  'PartnerSecretRotated',
  { partnerId: string; secretHash: string; rotatedAt: string }
>;
export type PartnerSiteKeyRotated = DomainEvent<
  'PartnerSiteKeyRotated',
  { partnerId: string; siteKey: string; previousSiteKey: string; rotatedAt: string }
>;
export type PartnerRevoked = DomainEvent<'PartnerRevoked', { partnerId: string; revokedAt: string }>;
export type PartnerCaptchaSolved = DomainEvent<
  'PartnerCaptchaSolved',
  { partnerId: string; challengeId: string; siteKey: string; expiresAt: string; solvedAt: string }
>;

export type PartnerEvent =
  | PartnerRegistered
  | PartnerSecretRotated
  | PartnerSiteKeyRotated
  | PartnerRevoked
  | PartnerCaptchaSolved
  | RefreshTokenEvent;

export const PARTNER_EVENT_TYPES: ReadonlyArray<PartnerEvent['type']> = [
  'PartnerRegistered',
  'PartnerSecretRotated',
  'PartnerSiteKeyRotated',
  'PartnerRevoked',
  'PartnerCaptchaSolved',
  'RefreshTokenIssued',
  'RefreshTokenRotated',
  'RefreshTokenFamilyRevoked',
];

export interface PartnerClient {
  partnerId: string;
  name: string;
  redirectUris: string[];
  logoUrls: string[];
  captchaDomains: string[];
  requiredPaymentFields: PaymentField[];
  quotaPerHour: number;
  siteKey: string;
  status: 'ACTIVE' | 'REVOKED';
  registeredAt: string;
  secretRotatedAt: string | null;
  siteKeyRotatedAt: string | null;
  revokedAt: string | null;
}

export type PartnerState =
  | { exists: false }
  | ({
      exists: true;
      secretHash: string;
      /** Live refresh tokens by id (shared rules: domain/shared/refresh-tokens.ts). */
      refreshTokens: RefreshTokens;
      /** Captcha solutions already used, by challenge id, until they expire (epoch ms). */
      usedCaptchas: Map<string, number>;
    } & PartnerClient);

export interface PartnerContext {
  now: Date;
}
