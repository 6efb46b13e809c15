import type { PartnerAccess } from '../../application/partner/partner-directory';
import type { PartnerService } from '../../application/partner/partner-service';
import type { RequestHandler } from 'express';
import { apiRouter, op, passThrough, type ApiRouter } from '../contract/api-router';
import type { ErrorSpec } from '../contract/common';
import { CreatePartnerDto } from '../dto/partner.dto';
import { answerCommand, commandMetadata, pathParam } from '../http/request-context';
import { PartnerClient, PartnerClientWithSecret } from '../schemas/partner.schemas';

export interface PartnerAdminRouteDeps {
  partners: PartnerService;
  /** Idempotency-Key on the site key's rotation (the client secret's is answered once, never kept). */
  idempotent?: RequestHandler;
}

/** A partner client as admins see it: everything but the secret (which is kept only as a hash). */
export function partnerView(partner: PartnerAccess) {
  return {
    partner_id: partner.partnerId,
    client_id: partner.partnerId,
    name: partner.name,
    redirect_uris: [...partner.redirectUris],
    logo_urls: [...partner.logoUrls],
    captcha_domains: [...partner.captchaDomains],
    required_payment_fields: [...partner.requiredPaymentFields],
    quota_per_hour: partner.quotaPerHour,
    site_key: partner.siteKey,
    status: partner.status,
    created_at: partner.registeredAt,
    secret_rotated_at: partner.secretRotatedAt,
    site_key_rotated_at: partner.siteKeyRotatedAt,
    revoked_at: partner.revokedAt,
  };
}

const noPartner: ErrorSpec = { 404: ['No such partner client', ['PARTNER_NOT_FOUND']] };
const revoked: ErrorSpec = { 409: ['The client was revoked (for good)', ['PARTNER_REVOKED']] };

/** Admin: partner clients of the Partner API (mounted at /v1/admin). */
export function adminPartnerRoutes({ partners, idempotent = passThrough }: PartnerAdminRouteDeps): ApiRouter {
  // Answers carry client secrets: never cached.
  const router = apiRouter({ tag: 'admin', auth: 'admin', noStore: true, idempotent });

  op(
    router,
    {
      method: 'post',
      path: '/partners',
      operationId: 'createPartner',
      summary: 'Register a partner client; its secret is shown in this answer only',
      description:
        'The client gets `client_credentials` tokens at /oauth/token with `client_id` and `client_secret`. ' +
        '`redirect_uris` and `logo_urls` must be https (http only for localhost) and are compared exactly; ' +
        '`captcha_domains` are host names. `required_payment_fields` defaults to the holder name and the full ' +
        'billing address; `quota_per_hour` to 5000.',
      body: CreatePartnerDto,
      invalid:
        'Missing name, a URI that is not https (or http://localhost), has a user or password or (redirect URIs) a ' +
        'fragment, a captcha domain that is not a host name, an entry listed twice, an unknown payment field, a ' +
        'quota out of range',
      responses: { 201: { description: 'The client, with its secret', schema: PartnerClientWithSecret } },
    },
    async (req, res, { body }) => {
      const { partner, clientSecret, position } = await partners.register(
        {
          name: body.name,
          redirectUris: body.redirect_uris,
          logoUrls: body.logo_urls,
          captchaDomains: body.captcha_domains,
          requiredPaymentFields: body.required_payment_fields,
          quotaPerHour: body.quota_per_hour,
        },
        commandMetadata(req),
      );
      answerCommand(res, 201, { position }, { ...partnerView(partner), client_secret: clientSecret });
    },
  );

  op(
    router,
    {
      method: 'get',
      path: '/partners/:id',
      operationId: 'getPartner',
      summary: 'A partner client (never its secret)',
      params: { id: 'PartnerId' },
      responses: { 200: { description: 'The client', schema: PartnerClient } },
      errors: noPartner,
    },
    async (req, res) => {
      res.json(partnerView(await partners.get(pathParam(req, 'id'))));
    },
  );

  op(
    router,
    {
      method: 'post',
      path: '/partners/:id/rotate-secret',
      operationId: 'rotatePartnerSecret',
      summary: 'A new client secret (shown once): the old one, and refresh tokens got with it, stop working',
      description:
        'Access tokens already issued live out their hour (at most 3600 s); revoke the client to stop them at once.',
      params: { id: 'PartnerId' },
      responses: { 200: { description: 'The client, with its new secret', schema: PartnerClientWithSecret } },
      errors: { ...noPartner, ...revoked },
    },
    async (req, res) => {
      const { partner, clientSecret, position } = await partners.rotateSecret(
        pathParam(req, 'id'),
        commandMetadata(req),
      );
      answerCommand(res, 200, { position }, { ...partnerView(partner), client_secret: clientSecret });
    },
  );

  op(
    router,
    {
      method: 'post',
      path: '/partners/:id/rotate-site-key',
      operationId: 'rotatePartnerSiteKey',
      idempotent: true,
      summary: 'A new captcha site key: challenges made under the old one no longer verify',
      params: { id: 'PartnerId' },
      responses: { 200: { description: 'The client, with its new site key', schema: PartnerClient } },
      errors: { ...noPartner, ...revoked },
    },
    async (req, res) => {
      const { partner, position } = await partners.rotateSiteKey(pathParam(req, 'id'), commandMetadata(req));
      answerCommand(res, 200, { position }, partnerView(partner));
    },
  );

  op(
    router,
    {
      method: 'delete',
      path: '/partners/:id',
      operationId: 'revokePartner',
      summary: 'Revoke a partner client for good: no more tokens, and the ones it holds stop working',
      description:
        'Effective at once in this API process and in the others within their projection lag. Revoking twice is ' +
        'the same as once.',
      params: { id: 'PartnerId' },
      responses: { 204: { description: 'Revoked' } },
      errors: noPartner,
    },
    async (req, res) => {
      const { position } = await partners.revoke(pathParam(req, 'id'), commandMetadata(req));
      answerCommand(res, 204, { position });
    },
  );

  return router;
}
