import crypto from 'node:crypto';
import { normalizeEmail, type CustomerState, type EmailState } from '../../domain/customer/customer';
import { DomainError } from '../../domain/shared/errors';
import { emailKey, type CustomerProcessor, type EmailProcessor } from '../customer/customer-processors';
import type { AccessTokens, Role, VerifiedAccess } from '../ports/access-tokens';
import type { Clock } from '../ports/clock';
import type { IdGenerator } from '../ports/id-generator';
import type { PasswordHasher } from '../ports/password-hasher';
import { systemMetadata, type CommandMetadata } from '../shared/command-metadata';

// Kept where callers found them before the processors moved to customer/.
export { customerStream, emailKey, emailStream } from '../customer/customer-processors';

type Account = Extract<CustomerState, { exists: true }>;
type Claim = Extract<EmailState, { claimed: true }>;

export interface AccountServiceOptions {
  /** Access token lifetime (default 3600). */
  accessTtlSeconds?: number;
  /** Refresh token lifetime (default 30 days). */
  refreshTtlSeconds?: number;
}

export interface NewUser {
  email: string;
  password: string;
  name: string;
  role: Role;
}

export interface CreatedUser {
  user_id: string;
  email: string;
  name: string;
  role: Role;
  position: number;
}

export interface TokenResponse {
  access_token: string;
  token_type: 'Bearer';
  expires_in: number;
  refresh_token: string;
  /** Log position of the refresh-token event (for X-Log-Position; not part of the JSON body). */
  position: number;
}

/** Ids inside a refresh token: what IdGenerator makes (UUIDs), loosely; never a dot. */
const ID = /^[A-Za-z0-9_-]{1,64}$/;
const SECRET = /^[A-Za-z0-9_-]{43}$/; // 32 bytes, base64url without padding

const badCredentials = () => new DomainError('INVALID_GRANT', 'The email or password is wrong');
const badRefreshToken = () =>
  new DomainError('INVALID_GRANT', 'The refresh token is invalid, expired or already used');

/**
 * Accounts and tokens: registration, the OAuth-style password and refresh-token grants, token info.
 *
 * Lookups by email read the email stream itself (not a projection), so a user can log in the moment
 * registration answers. Refresh tokens are `{userId}.{tokenId}.{secret}`; only sha256(secret) is recorded,
 * and each use rotates the token: the old one is dead afterwards. Presenting a rotated token again revokes
 * every token descended from the same sign-in (its family): a stolen copy and the original cannot both live.
 */
export class AccountService {
  private readonly accessTtl: number;
  private readonly refreshTtl: number;
  /** A real hash of a random password: unknown emails cost as much time as wrong passwords. */
  private dummyHash?: Promise<string>;

  constructor(
    private readonly customers: CustomerProcessor,
    private readonly emails: EmailProcessor,
    private readonly tokens: AccessTokens,
    private readonly hasher: PasswordHasher,
    private readonly ids: IdGenerator,
    private readonly clock: Clock,
    options: AccountServiceOptions = {},
  ) {
    this.accessTtl = options.accessTtlSeconds ?? 3600;
    this.refreshTtl = options.refreshTtlSeconds ?? 30 * 24 * 3600;
  }

  /** A new customer account. EMAIL_TAKEN (409) when the email (case-insensitively) is already registered. */
  async register(
    input: { email: string; password: string; name: string },
    metadata: CommandMetadata,
  ): Promise<{ user_id: string; email: string; name: string; position: number }> {
    const { user_id, email, name, position } = await this.createUser(
      { ...input, role: 'customer' },
      metadata,
    );
    return { user_id, email, name, position };
  }

  /**
   * Any account (admin bootstrap, auditors in tests). The email is claimed first, then the account recorded. A
   * registration stopped between the two (a crash) left the email claimed by no account: the next registration of
   * that email finishes it under the claimed id, so the address is never locked out. Two registrations racing for
   * one email: the account's stream takes the first, the other is EMAIL_TAKEN.
   */
  async createUser(input: NewUser, metadata: CommandMetadata): Promise<CreatedUser> {
    const email = normalizeEmail(input.email);
    const passwordHash = await this.hasher.hash(input.password);
    let userId = this.ids.uuid();
    try {
      await this.emails.execute(
        emailKey(email),
        { type: 'ClaimEmail', email, userId },
        this.actingAs(metadata, userId),
      );
    } catch (error) {
      const claim = isEmailTaken(error) ? await this.findClaim(email) : undefined;
      if (!claim || (await this.findAccount(claim.userId))) throw error;
      userId = claim.userId;
    }
    try {
      return await this.recordUser(
        userId,
        email,
        input.name,
        passwordHash,
        input.role,
        this.actingAs(metadata, userId),
      );
    } catch (error) {
      if (error instanceof DomainError && error.code === 'CUSTOMER_EXISTS')
        throw new DomainError('EMAIL_TAKEN', 'An account with this email already exists');
      throw error;
    }
  }

  /** The password grant. Unknown email and wrong password answer the same INVALID_GRANT. */
  async tokenByPassword(email: string, password: string, metadata: CommandMetadata): Promise<TokenResponse> {
    const claim = await this.findClaim(email);
    const account = claim ? await this.findAccount(claim.userId) : undefined;
    if (!account) {
      await this.hasher.verify(password, await this.dummy());
      throw badCredentials();
    }
    if (!(await this.hasher.verify(password, account.passwordHash))) throw badCredentials();

    const { refreshToken, tokenId, tokenHash, expiresAt } = this.newRefreshToken(account.userId);
    const outcome = await this.customers.execute(
      account.userId,
      { type: 'IssueRefreshToken', tokenId, tokenHash, expiresAt },
      this.actingAs(metadata, account.userId),
    );
    return this.tokenResponse(account, refreshToken, outcome.position);
  }

  /** The refresh_token grant: the presented token is used up and a new one is returned with the access token. */
  async tokenByRefreshToken(refreshToken: string, metadata: CommandMetadata): Promise<TokenResponse> {
    const parts = typeof refreshToken === 'string' ? refreshToken.split('.') : [];
    if (parts.length !== 3) throw badRefreshToken();
    const [userId, oldTokenId, secret] = parts;
    // Checked before touching the store: made-up ids must not fill the processor's cache with empty streams.
    if (!ID.test(userId) || !ID.test(oldTokenId) || !SECRET.test(secret)) throw badRefreshToken();

    const next = this.newRefreshToken(userId);
    const outcome = await this.customers.execute(
      userId,
      {
        type: 'RotateRefreshToken',
        oldTokenId,
        oldTokenHash: sha256(secret),
        newTokenId: next.tokenId,
        newTokenHash: next.tokenHash,
        expiresAt: next.expiresAt,
      },
      this.actingAs(metadata, userId),
    );
    // A rotated token presented again: its family was revoked (that event is now in the log); refuse.
    if (!outcome.events.some((e) => e.type === 'RefreshTokenRotated')) throw badRefreshToken();
    const { state } = await this.customers.read(userId);
    if (!state.exists) throw badRefreshToken(); // cannot happen: the rotation needed the account
    return this.tokenResponse(state, next.refreshToken, outcome.position);
  }

  /** What a verified access token says about its holder. */
  info(access: VerifiedAccess): { user_id: string; email: string; role: Role; expires_at: string } {
    return {
      user_id: access.sub,
      email: access.email,
      role: access.role,
      expires_at: access.expiresAt.toISOString(),
    };
  }

  /**
   * Start-up: make sure an admin account with this email exists. Creates it when the email is unclaimed;
   * leaves an existing account as it is (whatever its role). Safe to run on every start, and by several
   * processes at once. Also completes an account whose email was claimed but whose registration never
   * got written (a crash between the two appends).
   */
  async ensureAdmin(
    email: string,
    password: string,
  ): Promise<{ user_id: string; role: Role; created: boolean }> {
    const metadata = systemMetadata('system', `bootstrap-admin-${this.ids.uuid()}`);
    const claim = await this.findClaim(email);
    if (!claim) {
      try {
        const created = await this.createUser(
          { email, password, name: 'Administrator', role: 'admin' },
          metadata,
        );
        return { user_id: created.user_id, role: created.role, created: true };
      } catch (error) {
        if (!(error instanceof DomainError && error.code === 'EMAIL_TAKEN')) throw error;
        // Another process created it at the same moment: fall through and look again.
      }
    }
    const current = claim ?? (await this.findClaim(email));
    if (!current) throw new Error('The admin email was claimed but cannot be read back');
    const account = await this.findAccount(current.userId);
    if (account) return { user_id: account.userId, role: account.role, created: false };
    try {
      const created = await this.recordUser(
        current.userId,
        current.email,
        'Administrator',
        await this.hasher.hash(password),
        'admin',
        metadata,
      );
      return { user_id: created.user_id, role: created.role, created: true };
    } catch (error) {
      if (!(error instanceof DomainError && error.code === 'CUSTOMER_EXISTS')) throw error;
      const existing = await this.findAccount(current.userId);
      if (!existing) throw error;
      return { user_id: existing.userId, role: existing.role, created: false };
    }
  }

  // ---- internals ---------------------------------------------------------------------------------------

  private async recordUser(
    userId: string,
    email: string,
    name: string,
    passwordHash: string,
    role: Role,
    metadata: CommandMetadata,
  ): Promise<CreatedUser> {
    const outcome = await this.customers.execute(
      userId,
      { type: 'RegisterCustomer', userId, email, name, passwordHash, role },
      metadata,
    );
    return { user_id: userId, email, name, role, position: outcome.position };
  }

  /** The email's claim as its stream says now (another process may have written it). */
  private async findClaim(email: string): Promise<Claim | undefined> {
    const { state } = await this.emails.readFresh(emailKey(email));
    return state.claimed ? state : undefined;
  }

  /** The account as its stream says now. */
  private async findAccount(userId: string): Promise<Account | undefined> {
    const { state } = await this.customers.readFresh(userId);
    return state.exists ? state : undefined;
  }

  private newRefreshToken(userId: string): {
    refreshToken: string;
    tokenId: string;
    tokenHash: string;
    expiresAt: string;
  } {
    const tokenId = this.ids.uuid();
    const secret = crypto.randomBytes(32).toString('base64url');
    const expiresAt = new Date(this.clock.now().getTime() + this.refreshTtl * 1000).toISOString();
    return { refreshToken: `${userId}.${tokenId}.${secret}`, tokenId, tokenHash: sha256(secret), expiresAt };
  }

  private tokenResponse(
    account: { userId: string; email: string; role: Role },
    refreshToken: string,
    position: number,
  ): TokenResponse {
    const { token } = this.tokens.issue(
      { sub: account.userId, email: account.email, role: account.role },
      this.accessTtl,
    );
    return {
      access_token: token,
      token_type: 'Bearer',
      expires_in: this.accessTtl,
      refresh_token: refreshToken,
      position,
    };
  }

  /** Registration and sign-in act as the account itself when nobody is signed in. */
  private actingAs(metadata: CommandMetadata, userId: string): CommandMetadata {
    return metadata.userId === 'anonymous' ? { ...metadata, userId } : metadata;
  }

  private dummy(): Promise<string> {
    this.dummyHash ??= this.hasher.hash(crypto.randomBytes(16).toString('base64url'));
    return this.dummyHash;
  }
}

function sha256(value: string): string {
  return crypto.createHash('sha256').update(value).digest('hex');
}

const isEmailTaken = (error: unknown) => error instanceof DomainError && error.code === 'EMAIL_TAKEN';
