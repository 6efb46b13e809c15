import type { PartnerService } from '../../application/partner/partner-service';
import { apiRouter, op, type ApiRouter } from '../contract/api-router';
import { AuthorizeQueryDto } from '../dto/partner.dto';
import { ApiError } from '../http/api-error';
import { redirect } from '../http/redirect';

export interface OAuthRouteDeps {
  partners: Pick<PartnerService, 'find'>;
}

/** The FAQ's message for a redirect URI that is not registered with the client ("Oauth"). */
export const REDIRECT_URI_NOT_ALLOWED = 'redirect_uri not allowed';
export const LOGO_URL_NOT_ALLOWED = 'logo_url not allowed';

/**
 * GET /oauth/authorize: where a partner would send a Ticketmaster member to sign in (RFC 6749 4.1). This server
 * signs in no members for partners (partners act as themselves, with client_credentials), so it does what the FAQ
 * relies on and no more: a `redirect_uri` not registered with the client is refused here, with 400 and no redirect
 * (RFC 6749 4.1.2.1: never send a user to an unverified address), and so is a `logo_url` that is not on the
 * client's list. A request that passes is sent back to its redirect URI with `error=unsupported_response_type`
 * (a response_type other than `code`) or `error=unauthorized_client` (member sign-in is not offered here), and its
 * `state`.
 */
export function oauthRoutes({ partners }: OAuthRouteDeps): ApiRouter {
  const router = apiRouter({ tag: 'auth', noStore: true });

  op(
    router,
    {
      method: 'get',
      path: '/authorize',
      operationId: 'oauthAuthorize',
      summary:
        'OAuth authorization endpoint: checks the redirect URI and logo against the client, then redirects',
      description:
        'Member sign-in is not offered by this server (partners use `client_credentials`): a request whose ' +
        '`redirect_uri` (and `logo_url`, when given) are registered with the client is redirected (302) to it with ' +
        '`error=unauthorized_client` (or `error=unsupported_response_type` when `response_type` is not `code`), ' +
        'and `state`. An unregistered `redirect_uri` or `logo_url`, or an unknown client, is answered 400 here ' +
        'without a redirect.',
      query: AuthorizeQueryDto,
      invalid: 'Missing `client_id`, `redirect_uri` or `response_type`, or unknown parameters',
      responses: {
        302: {
          description:
            'Back to the redirect URI (`Location`) with `error` (and `state`) in the query; no body',
          location: true,
        },
      },
      errors: {
        400: [
          'The `redirect_uri` is not registered with the client (message `redirect_uri not allowed`), the ' +
            '`logo_url` is not on its list (message `logo_url not allowed`), or the client is unknown or revoked',
          ['REDIRECT_URI_NOT_ALLOWED', 'LOGO_URL_NOT_ALLOWED', 'UNKNOWN_CLIENT'],
        ],
      },
    },
    async (_req, res, { query }) => {
      const partner = await partners.find(query.client_id);
      if (!partner || partner.status !== 'ACTIVE')
        throw new ApiError(400, 'UNKNOWN_CLIENT', 'Unknown or revoked client_id');
      if (!partner.redirectUris.includes(query.redirect_uri))
        throw new ApiError(400, 'REDIRECT_URI_NOT_ALLOWED', REDIRECT_URI_NOT_ALLOWED, {
          hint: 'Ask partner support to register this redirect URI with the client',
        });
      if (query.logo_url !== undefined && !partner.logoUrls.includes(query.logo_url))
        throw new ApiError(400, 'LOGO_URL_NOT_ALLOWED', LOGO_URL_NOT_ALLOWED, {
          hint: 'Ask partner support to whitelist this logo URL for the client',
        });
      const target = new URL(query.redirect_uri);
      const supported = query.response_type === 'code';
      target.searchParams.set('error', supported ? 'unauthorized_client' : 'unsupported_response_type');
      target.searchParams.set(
        'error_description',
        supported
          ? 'Member sign-in is not offered by this server; partner clients use client_credentials'
          : 'Only response_type=code is defined',
      );
      if (query.state !== undefined) target.searchParams.set('state', query.state);
      redirect(res, 302, target.toString());
    },
  );

  return router;
}
