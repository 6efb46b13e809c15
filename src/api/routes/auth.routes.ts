import express, { Router, type RequestHandler, type Response } from 'express';
import type { AccountService, TokenResponse } from '../../application/auth/account-service';
import { ApiError, unauthorized } from '../http/api-error';
import { RegisterDto, TokenRequestDto } from '../dto/auth.dto';
import { rejectRawCardData } from '../http/card-data-guard';
import { guardJsonBody } from '../http/middleware';
import { commandMetadata, setLogPosition } from '../http/request-context';
import { validateInput } from '../http/validation';

export interface AuthRouteDeps {
  accounts: AccountService;
  /** Rate limit for registration and token requests (password guessing). */
  authLimit: RequestHandler;
}

/** Accounts and tokens; mounted at /v1/auth and /oauth. */
export function authRoutes({ accounts, authLimit }: AuthRouteDeps): Router {
  const router = Router();
  // OAuth clients send token requests form-encoded (RFC 6749 section 4.1.3). The app parses and guards those bodies
  // with the JSON ones; the router parses (a no-op once the body is read) and guards again, so it is safe mounted
  // on its own too.
  const formBody = [express.urlencoded({ extended: false, limit: '10kb' }), guardJsonBody, rejectRawCardData];

  router.post('/register', authLimit, async (req, res) => {
    const dto = validateInput(RegisterDto, req.body);
    const user = await accounts.register(
      { email: dto.email, password: dto.password, name: dto.name },
      commandMetadata(req),
    );
    setLogPosition(res, user.position);
    res.status(201).json({ user_id: user.user_id, email: user.email, name: user.name });
  });

  router.post('/token', authLimit, ...formBody, async (req, res) => {
    const dto = validateInput(TokenRequestDto, req.body);
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
        return sendTokens(res, await accounts.tokenByRefreshToken(dto.refresh_token!, commandMetadata(req)));
      }
      case 'client_credentials':
        throw new ApiError(
          400,
          'UNSUPPORTED_GRANT_TYPE',
          'client_credentials is for partner clients, which are not set up yet',
        );
    }
  });

  router.get('/info', (req, res) => {
    if (!req.auth) throw unauthorized();
    res.set('Cache-Control', 'no-store');
    res.json(accounts.info(req.auth));
  });

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

/** Token responses must not be cached (RFC 6749 section 5.1). */
function sendTokens(res: Response, tokens: TokenResponse): void {
  const { position, ...body } = tokens;
  setLogPosition(res, position);
  res.set({ 'Cache-Control': 'no-store', Pragma: 'no-cache' });
  res.status(200).json(body);
}
