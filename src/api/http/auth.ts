import type { Request, RequestHandler } from 'express';
import type { AccessTokens, Role, TokenKind, VerifiedAccess } from '../../application/ports/access-tokens';
import { ApiError, forbidden, unauthorized } from './api-error';

declare module 'express-serve-static-core' {
  interface Request {
    auth?: VerifiedAccess;
  }
}

/**
 * Whether the client behind a partner token may still use it (not revoked, within its hour on the application's
 * clock): PartnerService.checkAccess. Partner tokens are checked wherever they are presented, not only on the
 * Partner API, so a revoked client's token is 401 everywhere.
 */
export type PartnerTokenCheck = (access: VerifiedAccess) => Promise<unknown>;

/**
 * Who a bearer token is, or why it is refused (401): a valid signature and lifetime, and for a partner client's
 * token a client that is still active. The one authentication of the service: the HTTP pipeline (authenticate)
 * and the WebSocket upgrade (src/api/realtime) both call it, so a token means the same on either.
 */
export type BearerAuthentication = (
  token: string,
) => VerifiedAccess | ApiError | Promise<VerifiedAccess | ApiError>;

export function bearerAuthentication(
  tokens: AccessTokens,
  partners?: PartnerTokenCheck,
): BearerAuthentication {
  return (token) => {
    const verified = tokens.verifyAnyKind(token);
    if (!verified) return unauthorized();
    // Member tokens are answered at once (the hot path); a partner token waits for its client's check.
    if (verified.role !== 'partner') return verified;
    if (!partners) return unauthorized();
    return partners(verified).then((client) => (client ? verified : unauthorized()));
  };
}

/**
 * Reads a Bearer token if present; routes decide whether one is required. Waiting-room tokens are read too, so
 * that a route that does not take them can say 403 (see acceptTokenKinds) instead of treating them as unknown.
 */
export function authenticate(tokens: AccessTokens, partners?: PartnerTokenCheck): RequestHandler {
  const authenticateBearer = bearerAuthentication(tokens, partners);
  return (req, _res, next) => {
    const header = req.get('authorization');
    // HTTP Basic carries client credentials to the token endpoint (RFC 6749 2.3.1): it signs nobody in here.
    if (!header || /^Basic\s/i.test(header)) return next();
    const match = /^Bearer\s+(\S+)$/i.exec(header);
    if (!match) return next(unauthorized());
    const done = (access: VerifiedAccess | ApiError) => {
      if (access instanceof ApiError) return next(access);
      req.auth = access;
      next();
    };
    const access = authenticateBearer(match[1]);
    if (access instanceof Promise) access.then(done, next);
    else done(access);
  };
}

/**
 * What an operation says it takes, by the kind of token: `access` a member's (customer, admin, auditor), `partner`
 * a partner client's access token, `queue` and `queue_access` the waiting room's.
 */
export type TokenAudience = TokenKind | 'partner';

/** The audience of a verified token: a partner client's access token is `partner`, else the token's kind. */
export function audienceOf(access: VerifiedAccess): TokenAudience {
  return access.kind === 'access' && access.role === 'partner' ? 'partner' : access.kind;
}

const REFUSED: Record<TokenAudience, string> = {
  access: 'This needs a waiting-room token, not an access token',
  // The seed: queue users have no other API access until granted.
  queue: 'Queue tokens only check their status (GET /v1/queue/status) and leave the queue',
  queue_access: 'A queue access token only reserves seats (POST /v1/seats/reserve) at its event',
  partner:
    'A partner client token is for the Partner API (/partners/v1) and its token info (GET /oauth/info, GET /v1/auth/info)',
};
const PARTNER_ONLY = 'The Partner API needs a partner client token (grant_type=client_credentials)';

/** 403 for a token the operation does not take (undefined when it takes it, or when there is none). */
export function refusedToken(
  access: VerifiedAccess | undefined,
  accepts: readonly TokenAudience[],
): ApiError | undefined {
  if (!access) return undefined;
  const audience = audienceOf(access);
  if (accepts.includes(audience)) return undefined;
  return forbidden(accepts.length === 1 && accepts[0] === 'partner' ? PARTNER_ONLY : REFUSED[audience]);
}

/** 403 for a bearer token the operation does not take (every operation declares what it takes). */
export function acceptTokenKinds(accepts: readonly TokenAudience[]): RequestHandler {
  return (req, _res, next) => next(refusedToken(req.auth, accepts));
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
