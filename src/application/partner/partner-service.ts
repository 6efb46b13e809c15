import crypto from 'node:crypto';
import { DomainError, fail } from '../../domain/shared/errors';
import type { TokenResponse } from '../auth/account-service';
import type { AccessTokens, VerifiedAccess } from '../ports/access-tokens';
import type { Clock } from '../ports/clock';
import type { IdGenerator } from '../ports/id-generator';
import type { CommandMetadata } from '../shared/command-metadata';
import type { PartnerAccess, PartnerDirectory } from './partner-directory';
import { PARTNER_ID, type PartnerProcessor } from './partner-processor';

/**
 * Partner clients of the Partner API: what admins do with them (register, rotate the secret or the captcha site key,
 * revoke) and the OAuth grants they use (`client_credentials`, `refresh_token`), plus the per-request check of a
 * partner's access token.
 *
 * The client id is the partner id: one OAuth client per partner, public like any client id. The client secret is
 * 32 random bytes, shown once and recorded as its SHA-256 only. A slow password hash (scrypt) protects secrets
 * people choose, which are guessable; 256 random bits are not, so a fast hash loses nothing against a stolen log
 * and keeps the token endpoint cheap under load (no scrypt cost for an attacker to make us pay per request).
 *
 * Refresh tokens follow the same rules as the customers' (rotation on use, a reused token revokes its family:
 * domain/shared/refresh-tokens.ts) on the partner's own stream, as `partner.{partnerId}.{tokenId}.{secret}`, so the
 * token endpoint tells them from customer tokens by their first part.
 */

export interface NewPartner {
  name: string;
  redirectUris?: string[];
  logoUrls?: string[];
  captchaDomains?: string[];
  requiredPaymentFields?: string[];
  quotaPerHour?: number;
}

export interface PartnerServiceOptions {
  /** Access token lifetime (default 3600, as the FAQ says partners rely on). */
  accessTtlSeconds?: number;
  /** Refresh token lifetime (default 30 days). */
  refreshTtlSeconds?: number;
}

/** What GET /oauth/info says about a partner's access token. */
export interface PartnerTokenInfo {
  user_id: string;
  client_id: string;
  partner_name: string;
  role: 'partner';
  scope: string;
  expires_at: string;
  expires_in: number;
}

/** The one scope a partner token carries: the Partner API. */
export const PARTNER_SCOPE = 'partner';
const REFRESH_PREFIX = 'partner.';
const ID = /^[A-Za-z0-9_-]{1,64}$/;
const SECRET = /^[A-Za-z0-9_-]{43}$/; // 32 bytes, base64url without padding

const sha256 = (value: string) => crypto.createHash('sha256').update(value, 'utf8').digest('hex');
const randomSecret = () => crypto.randomBytes(32).toString('base64url');

const invalidClient = () =>
  new DomainError('INVALID_CLIENT', 'The client id or secret is wrong, or the client was revoked');
const badRefreshToken = () =>
  new DomainError('INVALID_GRANT', 'The refresh token is invalid, expired or already used');

export class PartnerService {
  private readonly accessTtl: number;
  private readonly refreshTtl: number;

  constructor(
    private readonly deps: {
      partners: PartnerProcessor;
      directory: PartnerDirectory;
      tokens: AccessTokens;
      ids: IdGenerator;
      clock: Clock;
    },
    options: PartnerServiceOptions = {},
  ) {
    this.accessTtl = options.accessTtlSeconds ?? 3600;
    this.refreshTtl = options.refreshTtlSeconds ?? 30 * 24 * 3600;
  }

  /** A new client; its secret is in this answer only. */
  async register(
    input: NewPartner,
    metadata: CommandMetadata,
  ): Promise<{ partner: PartnerAccess; clientSecret: string; position: number }> {
    const partnerId = this.deps.ids.uuid();
    const clientSecret = `pcs_${randomSecret()}`;
    const { position } = await this.deps.partners.execute(
      partnerId,
      {
        type: 'RegisterPartner',
        partnerId,
        name: input.name,
        redirectUris: input.redirectUris ?? [],
        logoUrls: input.logoUrls ?? [],
        captchaDomains: input.captchaDomains ?? [],
        requiredPaymentFields: input.requiredPaymentFields,
        quotaPerHour: input.quotaPerHour,
        secretHash: sha256(clientSecret),
        siteKey: newSiteKey(),
      },
      metadata,
    );
    return { partner: await this.current(partnerId), clientSecret, position };
  }

  /** A new secret, in this answer only; the old one and every refresh token issued under it stop working. */
  async rotateSecret(
    partnerId: string,
    metadata: CommandMetadata,
  ): Promise<{ partner: PartnerAccess; clientSecret: string; position: number }> {
    await this.existing(partnerId);
    const clientSecret = `pcs_${randomSecret()}`;
    const { position } = await this.deps.partners.execute(
      partnerId,
      { type: 'RotatePartnerSecret', secretHash: sha256(clientSecret) },
      metadata,
    );
    return { partner: await this.current(partnerId), clientSecret, position };
  }

  /** A new captcha site key: challenges made under the old one no longer verify. */
  async rotateSiteKey(
    partnerId: string,
    metadata: CommandMetadata,
  ): Promise<{ partner: PartnerAccess; position: number }> {
    await this.existing(partnerId);
    const { position } = await this.deps.partners.execute(
      partnerId,
      { type: 'RotatePartnerSiteKey', siteKey: newSiteKey() },
      metadata,
    );
    return { partner: await this.current(partnerId), position };
  }

  /** Revokes the client: no more tokens, and its access tokens stop working (checked on every request). */
  async revoke(partnerId: string, metadata: CommandMetadata): Promise<{ position: number }> {
    await this.existing(partnerId);
    const { position } = await this.deps.partners.execute(partnerId, { type: 'RevokePartner' }, metadata);
    await this.current(partnerId);
    return { position };
  }

  /** The client from this process's directory (per-request lookups), or undefined for an unknown one. */
  find(partnerId: string): Promise<PartnerAccess | undefined> {
    return this.deps.directory.find(partnerId);
  }

  /** The client as its stream says now (admins); PARTNER_NOT_FOUND otherwise. */
  async get(partnerId: string): Promise<PartnerAccess> {
    return this.existing(partnerId);
  }

  /** The client_credentials grant (RFC 6749 4.4), with a refresh token beside the access token. */
  async tokenByClientCredentials(
    clientId: string,
    clientSecret: string,
    metadata: CommandMetadata,
  ): Promise<TokenResponse> {
    // Made-up ids are refused before they reach the processor (no cache slot per guess).
    if (!(await this.deps.directory.find(clientId))) throw invalidClient();
    const { refreshToken, tokenId, tokenHash, expiresAt } = this.newRefreshToken(clientId);
    const outcome = await this.deps.partners.execute(
      clientId,
      {
        type: 'AuthenticateClient',
        presentedSecretHash: sha256(clientSecret),
        tokenId,
        tokenHash,
        expiresAt,
      },
      actingAs(metadata, clientId),
    );
    return this.tokenResponse(clientId, refreshToken, outcome.position);
  }

  /** Whether a refresh token is a partner's (else it is a customer's: AccountService). */
  ownsRefreshToken(refreshToken: string): boolean {
    return refreshToken.startsWith(REFRESH_PREFIX);
  }

  /** The refresh_token grant for partners: the presented token is used up, a new one comes with the access token. */
  async tokenByRefreshToken(refreshToken: string, metadata: CommandMetadata): Promise<TokenResponse> {
    const parts = refreshToken.slice(REFRESH_PREFIX.length).split('.');
    if (parts.length !== 3) throw badRefreshToken();
    const [partnerId, oldTokenId, secret] = parts;
    if (!ID.test(partnerId) || !ID.test(oldTokenId) || !SECRET.test(secret)) throw badRefreshToken();
    if (!(await this.deps.directory.find(partnerId))) throw badRefreshToken();
    const next = this.newRefreshToken(partnerId);
    const outcome = await this.deps.partners.execute(
      partnerId,
      {
        type: 'RotateRefreshToken',
        oldTokenId,
        oldTokenHash: sha256(secret),
        newTokenId: next.tokenId,
        newTokenHash: next.tokenHash,
        expiresAt: next.expiresAt,
      },
      actingAs(metadata, partnerId),
    );
    // A rotated token presented again revoked its family (now in the log): refuse.
    if (!outcome.events.some((e) => e.type === 'RefreshTokenRotated')) throw badRefreshToken();
    return this.tokenResponse(partnerId, next.refreshToken, outcome.position);
  }

  /**
   * The client behind a partner access token, or undefined when the token must not be honoured: the client is
   * unknown or revoked, or the token expired. Expiry is also checked on the application's clock (the signature
   * check uses the wall clock): the same instant in production, and tests can move time past the hour.
   */
  async checkAccess(access: VerifiedAccess): Promise<PartnerAccess | undefined> {
    if (access.role !== 'partner' || access.kind !== 'access') return undefined;
    if (this.deps.clock.now().getTime() >= access.expiresAt.getTime()) return undefined;
    const partner = await this.deps.directory.find(access.sub);
    return partner?.status === 'ACTIVE' ? partner : undefined;
  }

  /** GET /oauth/info for a partner token, or undefined when it is not a valid one (answered 401). */
  async info(access: VerifiedAccess): Promise<PartnerTokenInfo | undefined> {
    const partner = await this.checkAccess(access);
    if (!partner) return undefined;
    const now = this.deps.clock.now().getTime();
    return {
      user_id: partner.partnerId,
      client_id: partner.partnerId,
      partner_name: partner.name,
      role: 'partner',
      scope: PARTNER_SCOPE,
      expires_at: access.expiresAt.toISOString(),
      // Never more than a token lives (the signature's wall clock and this clock may differ in tests).
      expires_in: Math.min(
        this.accessTtl,
        Math.max(0, Math.floor((access.expiresAt.getTime() - now) / 1000)),
      ),
    };
  }

  // ---- internals ---------------------------------------------------------------------------------------

  private async existing(partnerId: string): Promise<PartnerAccess> {
    const partner = PARTNER_ID.test(partnerId) ? await this.deps.directory.refresh(partnerId) : undefined;
    if (!partner) fail('PARTNER_NOT_FOUND', 'Partner client not found', { partner_id: partnerId });
    return partner!;
  }

  /** After a command of this process: the directory entry is updated now, not when the feed gets there. */
  private async current(partnerId: string): Promise<PartnerAccess> {
    return (await this.deps.directory.refresh(partnerId))!;
  }

  private newRefreshToken(partnerId: string) {
    const tokenId = this.deps.ids.uuid();
    const secret = randomSecret();
    const expiresAt = new Date(this.deps.clock.now().getTime() + this.refreshTtl * 1000).toISOString();
    return {
      refreshToken: `${REFRESH_PREFIX}${partnerId}.${tokenId}.${secret}`,
      tokenId,
      tokenHash: sha256(secret),
      expiresAt,
    };
  }

  private tokenResponse(partnerId: string, refreshToken: string, position: number): TokenResponse {
    // Partner tokens carry no email: the client is not a person's account.
    const { token } = this.deps.tokens.issue({ sub: partnerId, email: '', role: 'partner' }, this.accessTtl);
    return {
      access_token: token,
      token_type: 'Bearer',
      expires_in: this.accessTtl,
      refresh_token: refreshToken,
      position,
    };
  }
}

/** A site key: public (the widget shows it), so it needs no more than to be unguessable and unique. */
function newSiteKey(): string {
  return `sk_${crypto.randomBytes(18).toString('base64url')}`;
}

/** Token requests act as the client itself (nobody is signed in when they arrive). */
function actingAs(metadata: CommandMetadata, partnerId: string): CommandMetadata {
  return metadata.userId === 'anonymous' ? { ...metadata, userId: partnerId } : metadata;
}
