import express, { type RequestHandler, type Response } from 'express';
import type { AccountService, TokenResponse } from '../../application/auth/account-service';
import { apiRouter, op, type ApiRouter } from '../contract/api-router';
import { ApiError } from '../http/api-error';
import { currentUser } from '../http/auth';
import { RegisterDto, TokenRequestDto } from '../dto/auth.dto';
import { rejectRawCardData } from '../http/card-data-guard';
import { guardJsonBody } from '../http/middleware';
import { commandMetadata, setLogPosition } from '../http/request-context';
import { RegisterResponse, TokenInfo, TokenResponse as TokenResponseSchema } from '../schemas/auth.schemas';

export interface AuthRouteDeps {
  accounts: AccountService;
  /** Rate limit for registration and token requests (password guessing). */
  authLimit: RequestHandler;
}

/** Accounts and tokens; mounted at /v1/auth and /oauth. */
export function authRoutes({ accounts, authLimit }: AuthRouteDeps): ApiRouter {
  const router = apiRouter({ tag: 'auth', noStore: true, limiters: { auth: authLimit } });
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
        '`refresh_token` (rotated on use: the old one stops working); `client_credentials` is for partner clients. ' +
        'Responses carry `Cache-Control: no-store`.',
      rateLimit: 'auth',
      middleware: formBody,
      body: TokenRequestDto,
      formBody: true,
      invalid: 'Unknown `grant_type`, or a field the grant needs is missing',
      invalidCodes: ['UNSUPPORTED_GRANT_TYPE'],
      responses: { 200: { description: 'Tokens', schema: TokenResponseSchema } },
      errors: {
        401: [
          'Wrong email or password, or an invalid, expired or already used refresh token (presenting a ' +
            'rotated refresh token again revokes every refresh token of its sign-in)',
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
          return sendTokens(
            res,
            await accounts.tokenByRefreshToken(dto.refresh_token!, commandMetadata(req)),
          );
        }
        case 'client_credentials':
          throw new ApiError(
            400,
            'UNSUPPORTED_GRANT_TYPE',
            'client_credentials is for partner clients, which are not set up yet',
          );
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
      auth: 'bearer',
      responses: { 200: { description: 'Who the token belongs to', schema: TokenInfo } },
    },
    (req, res) => {
      res.json(accounts.info(currentUser(req)));
    },
  );

  return router;
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
