import type { Request, RequestHandler } from 'express';
import type { AccessTokens, Role, TokenKind, VerifiedAccess } from '../../application/ports/access-tokens';
import { forbidden, unauthorized } from './api-error';

declare module 'express-serve-static-core' {
  interface Request {
    auth?: VerifiedAccess;
  }
}

/**
 * Reads a Bearer token if present; routes decide whether one is required. Waiting-room tokens are read too, so
 * that a route that does not take them can say 403 (see acceptTokenKinds) instead of treating them as unknown.
 */
export function authenticate(tokens: AccessTokens): RequestHandler {
  return (req, _res, next) => {
    const header = req.get('authorization');
    // HTTP Basic carries client credentials to the token endpoint (RFC 6749 2.3.1): it signs nobody in here.
    if (header && !/^Basic\s/i.test(header)) {
      const match = /^Bearer\s+(\S+)$/i.exec(header);
      const verified = match ? tokens.verifyAnyKind(match[1]) : undefined;
      if (!verified) return next(unauthorized());
      req.auth = verified;
    }
    next();
  };
}

const REFUSED_KIND: Record<TokenKind, string> = {
  access: 'This needs a waiting-room token, not an access token',
  // The seed: queue users have no other API access until granted.
  queue: 'Queue tokens only check their status (GET /v1/queue/status) and leave the queue',
  queue_access: 'A queue access token only reserves seats (POST /v1/seats/reserve) at its event',
};

/** 403 for a bearer token whose kind the operation does not take (every operation declares the kinds it takes). */
export function acceptTokenKinds(kinds: readonly TokenKind[]): RequestHandler {
  return (req, _res, next) => {
    const kind = req.auth?.kind;
    if (kind !== undefined && !kinds.includes(kind)) return next(forbidden(REFUSED_KIND[kind]));
    next();
  };
}

export const requireAuth: RequestHandler = (req, _res, next) => next(req.auth ? undefined : unauthorized());

export function requireRole(...roles: Role[]): RequestHandler {
  return (req, _res, next) => {
    if (!req.auth) return next(unauthorized());
    if (!roles.includes(req.auth.role)) return next(forbidden(`This needs the role ${roles.join(' or ')}`));
    next();
  };
}

export function currentUser(req: Request): VerifiedAccess {
  if (!req.auth) throw unauthorized();
  return req.auth;
}
