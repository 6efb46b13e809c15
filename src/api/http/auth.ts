import type { Request, RequestHandler } from 'express';
import type { AccessTokens, Role, VerifiedAccess } from '../../application/ports/access-tokens';
import { forbidden, unauthorized } from './api-error';

declare module 'express-serve-static-core' {
  interface Request {
    auth?: VerifiedAccess;
  }
}

/** Reads a Bearer token if present; routes decide whether one is required. */
export function authenticate(tokens: AccessTokens): RequestHandler {
  return (req, _res, next) => {
    const header = req.get('authorization');
    if (header) {
      const match = /^Bearer\s+(\S+)$/i.exec(header);
      const verified = match ? tokens.verify(match[1]) : undefined;
      if (!verified) return next(unauthorized());
      req.auth = verified;
    }
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
