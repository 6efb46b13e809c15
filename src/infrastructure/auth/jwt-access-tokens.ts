import crypto, { KeyObject } from 'node:crypto';
import jwt from 'jsonwebtoken';
import {
  AccessClaims,
  AccessTokens,
  ROLES,
  TOKEN_KINDS,
  type TokenKind,
  VerifiedAccess,
} from '../../application/ports/access-tokens';
import type { Clock } from '../../application/ports/clock';
import { SystemClock } from '../clock/system-clock';

/**
 * HS256 JWTs. The secret is a KeyObject: given a plain string, jsonwebtoken first tries to parse it as a
 * public key on every verify, which makes verification ~50x slower on the hot path.
 *
 * Waiting-room tokens (`queue`, `queue_access`) are issued and expire on the application's clock, the one queue
 * turns are decided by, so a READY turn and its token end at the same moment; member tokens keep wall-clock time
 * (with the system clock, as in production, the two are the same).
 */
export class JwtAccessTokens implements AccessTokens {
  private readonly key: KeyObject;

  constructor(
    secret: string,
    private readonly issuer = 'ticketing-backend',
    private readonly clock: Clock = new SystemClock(),
  ) {
    this.key = crypto.createSecretKey(Buffer.from(secret, 'utf8'));
  }

  issue(claims: AccessClaims, ttlSeconds: number): { token: string; expiresAt: Date } {
    return this.sign(claims, this.nowSeconds(claims.kind ?? 'access') + ttlSeconds);
  }

  issueUntil(claims: AccessClaims, expiresAt: Date): { token: string; expiresAt: Date } {
    return this.sign(claims, Math.floor(expiresAt.getTime() / 1000));
  }

  verify(token: string): VerifiedAccess | undefined {
    const verified = this.verifyAnyKind(token);
    return verified?.kind === 'access' ? verified : undefined;
  }

  verifyAnyKind(token: string): VerifiedAccess | undefined {
    try {
      // Expiry is checked below, against the clock of the token's kind.
      const payload = jwt.verify(token, this.key, {
        algorithms: ['HS256'],
        issuer: this.issuer,
        ignoreExpiration: true,
      }) as jwt.JwtPayload;
      const kind: unknown = payload.kind ?? 'access';
      if (
        typeof payload.sub !== 'string' ||
        !ROLES.includes(payload.role) ||
        typeof payload.exp !== 'number' ||
        !TOKEN_KINDS.includes(kind as TokenKind)
      )
        return undefined;
      if (this.nowSeconds(kind as TokenKind) >= payload.exp) return undefined;
      const optional = (value: unknown) => (typeof value === 'string' ? value : undefined);
      const verified: VerifiedAccess = {
        sub: payload.sub,
        email: String(payload.email ?? ''),
        role: payload.role,
        kind: kind as TokenKind,
        eventId: optional(payload.event_id),
        expiresAt: new Date(payload.exp * 1000),
      };
      if (kind !== 'access') {
        // A waiting-room token without its entry is not one we issued.
        if (!verified.eventId || typeof payload.entry_id !== 'string') return undefined;
        verified.entryId = payload.entry_id;
        verified.deviceHash = optional(payload.device);
      }
      return verified;
    } catch {
      return undefined;
    }
  }

  private sign(claims: AccessClaims, exp: number): { token: string; expiresAt: Date } {
    const kind = claims.kind ?? 'access';
    const payload: Record<string, unknown> = {
      email: claims.email,
      role: claims.role,
      iat: this.nowSeconds(kind),
      exp,
    };
    // Member tokens carry no kind claim: tokens issued before kinds existed are member tokens too.
    if (kind !== 'access') payload.kind = kind;
    if (claims.eventId) payload.event_id = claims.eventId;
    if (claims.entryId) payload.entry_id = claims.entryId;
    if (claims.deviceHash) payload.device = claims.deviceHash;
    const token = jwt.sign(payload, this.key, {
      algorithm: 'HS256',
      subject: claims.sub,
      issuer: this.issuer,
      jwtid: crypto.randomUUID(),
    });
    return { token, expiresAt: new Date(exp * 1000) };
  }

  private nowSeconds(kind: TokenKind): number {
    const now = kind === 'access' ? Date.now() : this.clock.now().getTime();
    return Math.floor(now / 1000);
  }
}
