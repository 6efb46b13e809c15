import express, { type RequestHandler, type Response } from 'express';
import type { AccountService, TokenResponse } from '../../application/auth/account-service';
import { apiRouter, op, passThrough, type ApiRouter } from '../contract/api-router';
import { ApiError, unauthorized } from '../http/api-error';
import { DomainError } from '../../domain/shared/errors';
import type { PartnerService } from '../../application/partner/partner-service';
import { currentUser } from '../http/auth';
import { RegisterDto, TokenRequestDto } from '../dto/auth.dto';
import { rejectRawCardData } from '../http/card-data-guard';
import { guardJsonBody } from '../http/middleware';
import { commandMetadata, setLogPosition } from '../http/request-context';
import { RegisterResponse, TokenInfo, TokenResponse as TokenResponseSchema } from '../schemas/auth.schemas';

/** The partner side of the token endpoint and of token info (PartnerService). */
export type PartnerGrants = Pick<
  PartnerService,
  'tokenByClientCredentials' | 'tokenByRefreshToken' | 'ownsRefreshToken' | 'info'
>;

export interface AuthRouteDeps {
  accounts: AccountService;
  /** Partner clients: client_credentials, their refresh tokens and token info. Without it, those are refused. */
  partners?: PartnerGrants;
  /** Rate limit for registration and token requests (password guessing). */
  authLimit: RequestHandler;
  /** Idempotency-Key on registration (a retried sign-up answers its 201 again, not EMAIL_TAKEN). */
  idempotent?: RequestHandler;
}

/** Accounts and tokens; mounted at /v1/auth and /oauth. */
export function authRoutes({
  accounts,
  partners,
  authLimit,
  idempotent = passThrough,
}: AuthRouteDeps): ApiRouter {
  const router = apiRouter({ tag: 'auth', noStore: true, limiters: { auth: authLimit }, idempotent });
  // OAuth clients send token requests form-encoded (RFC 6749 section 4.1.3). The app parses and guards those bodies
  // with the JSON ones; the router parses (a no-op once the body is read) and guards again, so it is safe mounted
  // on its own too.
  const formBody = [express.urlencoded({ extended: false, limit: '10kb' }), guardJsonBody, rejectRawCardData];

  op(
    router,
    {
      method: 'post',
      path: '/register',
      operationId: 'register',
      summary: 'Create a customer account',
      idempotent: true,
      rateLimit: 'auth',
      body: RegisterDto,
      responses: {
        201: { description: 'The account was created (role `customer`)', schema: RegisterResponse },
      },
      errors: { 409: ['The email already has an account', ['EMAIL_TAKEN']] },
    },
    async (req, res, { body: dto }) => {
      const user = await accounts.register(
        { email: dto.email, password: dto.password, name: dto.name },
        commandMetadata(req),
      );
      setLogPosition(res, user.position);
      res.status(201).json({ user_id: user.user_id, email: user.email, name: user.name });
    },
  );

  op(
    router,
    {
      method: 'post',
      path: '/token',
      operationId: 'token',
      summary: 'Get an access token',
      description:
        'OAuth 2.0 token endpoint. `grant_type=password` needs `email` and `password`; `grant_type=refresh_token` needs ' +
        '`refresh_token` (rotated on use: the old one stops working; customers and partner clients alike); ' +
        '`client_credentials` is for partner clients: `client_id` and `client_secret` in the body (JSON or form) or ' +
        'as HTTP Basic (`Authorization: Basic base64(client_id:client_secret)`), not both. Partner access tokens ' +
        'last `expires_in` (3600) seconds: then use the refresh token. Responses carry `Cache-Control: no-store`.',
      rateLimit: 'auth',
      middleware: formBody,
      body: TokenRequestDto,
      formBody: true,
      // A token request ignores a bearer token it carries (a partner refreshing its own included).
      accepts: ['access', 'partner'],
      invalid: 'Unknown `grant_type`, or a field the grant needs is missing',
      invalidCodes: ['UNSUPPORTED_GRANT_TYPE'],
      responses: { 200: { description: 'Tokens', schema: TokenResponseSchema } },
      errors: {
        401: [
          'Wrong email or password, an invalid, expired or already used refresh token (presenting a rotated ' +
            'refresh token again revokes every refresh token of its sign-in), or (client_credentials) a wrong ' +
            'client id or secret, or a revoked client',
          ['INVALID_GRANT'],
        ],
      },
    },
    async (req, res, { body: dto }) => {
      switch (dto.grant_type) {
        case 'password': {
          requireFields(dto, ['email', 'password']);
          return sendTokens(
            res,
            await accounts.tokenByPassword(dto.email!, dto.password!, commandMetadata(req)),
          );
        }
        case 'refresh_token': {
          requireFields(dto, ['refresh_token']);
          const token = dto.refresh_token!;
          return sendTokens(
            res,
            partners?.ownsRefreshToken(token)
              ? await partners.tokenByRefreshToken(token, commandMetadata(req))
              : await accounts.tokenByRefreshToken(token, commandMetadata(req)),
          );
        }
        case 'client_credentials': {
          if (!partners)
            throw new ApiError(400, 'UNSUPPORTED_GRANT_TYPE', 'client_credentials is not served here');
          const basic = basicCredentials(req.get('authorization'));
          if (basic && (dto.client_id !== undefined || dto.client_secret !== undefined))
            throw new ApiError(
              400,
              'VALIDATION_ERROR',
              'Send the client credentials either as HTTP Basic or in the body, not both',
              { fields: [{ field: 'client_id', errors: ['also sent as HTTP Basic'] }] },
            );
          if (!basic) requireFields(dto, ['client_id', 'client_secret']);
          const { clientId, clientSecret } = basic ?? {
            clientId: dto.client_id!,
            clientSecret: dto.client_secret!,
          };
          try {
            return sendTokens(
              res,
              await partners.tokenByClientCredentials(clientId, clientSecret, commandMetadata(req)),
            );
          } catch (error) {
            // The contract's one code for a refused grant (DESIGN Part B: 401 INVALID_GRANT), whatever the grant;
            // RFC 6749 5.2: a client that authenticated with HTTP Basic is told the scheme to use.
            if (error instanceof DomainError && error.code === 'INVALID_CLIENT')
              throw new ApiError(
                401,
                'INVALID_GRANT',
                error.message,
                {},
                basic ? { 'WWW-Authenticate': 'Basic realm="partners"' } : {},
              );
            throw error;
          }
        }
      }
    },
  );

  op(
    router,
    {
      method: 'get',
      path: '/info',
      operationId: 'tokenInfo',
      summary: 'Describe the bearer of the access token',
      description:
        "For a partner client's token: its client id, name, scope and seconds left. An expired token, or one of a " +
        'revoked client, is answered 401 with the message `No valid access token found` (get a new one with the ' +
        'refresh token).',
      auth: 'bearer',
      accepts: ['access', 'partner'],
      responses: { 200: { description: 'Who the token belongs to', schema: TokenInfo } },
    },
    async (req, res) => {
      const access = currentUser(req);
      if (access.role !== 'partner') return res.json(accounts.info(access));
      // A partner's token is good only while its client is active, and for its hour (FAQ "Oauth").
      const info = partners ? await partners.info(access) : undefined;
      if (!info) throw unauthorized();
      res.json(info);
    },
  );

  return router;
}

/** `Authorization: Basic base64(client_id:client_secret)`, each part form-urlencoded (RFC 6749 2.3.1). */
function basicCredentials(
  header: string | undefined,
): { clientId: string; clientSecret: string } | undefined {
  const match = header ? /^Basic\s+([A-Za-z0-9+/=]{1,1024})$/i.exec(header) : null;
  if (!header || !/^Basic\s/i.test(header)) return undefined;
  const decoded = match ? Buffer.from(match[1], 'base64').toString('utf8') : '';
  const colon = decoded.indexOf(':');
  const part = (text: string) => {
    try {
      return decodeURIComponent(text.replace(/\+/g, ' '));
    } catch {
      return undefined;
    }
  };
  const clientId = colon > 0 ? part(decoded.slice(0, colon)) : undefined;
  const clientSecret = colon > 0 ? part(decoded.slice(colon + 1)) : undefined;
  if (!clientId || !clientSecret || clientId.length > 200 || clientSecret.length > 500)
    throw new ApiError(400, 'VALIDATION_ERROR', 'The HTTP Basic credentials are malformed', {
      fields: [{ field: 'authorization', errors: ['must be Basic base64(client_id:client_secret)'] }],
    });
  return { clientId, clientSecret };
}

function requireFields(dto: TokenRequestDto, names: Array<keyof TokenRequestDto>): void {
  const missing = names.filter((name) => dto[name] === undefined || dto[name] === '');
  if (missing.length === 0) return;
  throw new ApiError(400, 'VALIDATION_ERROR', `grant_type ${dto.grant_type} needs ${missing.join(' and ')}`, {
    fields: missing.map((field) => ({
      field,
      errors: [`${field} is required for grant_type ${dto.grant_type}`],
    })),
  });
}

/** Token answers are not cached (RFC 6749 section 5.1): the router sets `no-store` for every auth answer. */
function sendTokens(res: Response, tokens: TokenResponse): void {
  const { position, ...body } = tokens;
  setLogPosition(res, position);
  res.status(200).json(body);
}
