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
/** The encoded header jsonwebtoken.sign writes for HS256: `{"alg":"HS256","typ":"JWT"}`. */
const OWN_HEADER = Buffer.from(JSON.stringify({ alg: 'HS256', typ: 'JWT' })).toString('base64url');
/** Three base64url segments, the signature not empty (jws's own shape check, minus its empty signature). */
const JWS_SHAPE = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/;

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
      const payload =
        this.verifyOwnShape(token) ??
        (jwt.verify(token, this.key, {
          algorithms: ['HS256'],
          issuer: this.issuer,
          ignoreExpiration: true,
        }) as jwt.JwtPayload);
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

  /**
   * The hot path's verification (every authenticated request): a token in exactly the shape sign() makes (its
   * header, our issuer, no `nbf`) with a valid signature is checked here with one HMAC, which is all
   * jsonwebtoken.verify would do for it after much more parsing. The claims are the same JSON either way. Anything
   * else (another header, a bad signature, a malformed token) is undefined here and left to jsonwebtoken, so what
   * is accepted and refused is exactly what it decides (tests/unit/jwt-access-tokens.unit.test.ts compares both).
   */
  private verifyOwnShape(token: string): jwt.JwtPayload | undefined {
    const first = token.indexOf('.');
    const second = token.indexOf('.', first + 1);
    if (first !== OWN_HEADER.length || !token.startsWith(OWN_HEADER) || second < 0) return undefined;
    if (!JWS_SHAPE.test(token)) return undefined;
    const signature = Buffer.from(token.slice(second + 1));
    const expected = Buffer.from(
      crypto.createHmac('sha256', this.key).update(token.slice(0, second)).digest('base64url'),
    );
    if (signature.length !== expected.length || !crypto.timingSafeEqual(signature, expected))
      return undefined;
    let payload: unknown;
    try {
      payload = JSON.parse(Buffer.from(token.slice(first + 1, second), 'base64').toString('utf8'));
    } catch {
      return undefined;
    }
    if (payload === null || typeof payload !== 'object' || Array.isArray(payload)) return undefined;
    const claims = payload as jwt.JwtPayload;
    if (claims.nbf !== undefined || claims.iss !== this.issuer) return undefined;
    return claims;
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
