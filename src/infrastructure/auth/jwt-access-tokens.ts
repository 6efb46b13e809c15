import crypto, { KeyObject } from 'node:crypto';
import jwt from 'jsonwebtoken';
import { AccessClaims, AccessTokens, ROLES, VerifiedAccess } from '../../application/ports/access-tokens';

/**
 * HS256 JWTs. The secret is a KeyObject: given a plain string, jsonwebtoken first tries to parse it as a
 * public key on every verify, which makes verification ~50x slower on the hot path.
 */
export class JwtAccessTokens implements AccessTokens {
  private readonly key: KeyObject;

  constructor(
    secret: string,
    private readonly issuer = 'ticketing-backend',
  ) {
    this.key = crypto.createSecretKey(Buffer.from(secret, 'utf8'));
  }

  issue(claims: AccessClaims, ttlSeconds: number): { token: string; expiresAt: Date } {
    const payload: Record<string, unknown> = { email: claims.email, role: claims.role };
    if (claims.eventId) payload.event_id = claims.eventId;
    const token = jwt.sign(payload, this.key, {
      algorithm: 'HS256',
      subject: claims.sub,
      issuer: this.issuer,
      expiresIn: ttlSeconds,
      jwtid: crypto.randomUUID(),
    });
    const { exp } = jwt.decode(token) as { exp: number };
    return { token, expiresAt: new Date(exp * 1000) };
  }

  verify(token: string): VerifiedAccess | undefined {
    try {
      const payload = jwt.verify(token, this.key, {
        algorithms: ['HS256'],
        issuer: this.issuer,
      }) as jwt.JwtPayload;
      if (typeof payload.sub !== 'string' || !ROLES.includes(payload.role) || typeof payload.exp !== 'number')
        return undefined;
      return {
        sub: payload.sub,
        email: String(payload.email ?? ''),
        role: payload.role,
        eventId: typeof payload.event_id === 'string' ? payload.event_id : undefined,
        expiresAt: new Date(payload.exp * 1000),
      };
    } catch {
      return undefined;
    }
  }
}
