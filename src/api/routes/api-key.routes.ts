import type { RequestHandler } from 'express';
import type { ApiKeyService } from '../../application/api-keys/api-key-service';
import { apiRouter, op, type ApiRouter } from '../contract/api-router';
import { CreateApiKeyDto } from '../dto/api-key.dto';
import { answerCommand, commandMetadata, pathParam, setLogPosition } from '../http/request-context';
import { ApiKeyList, CreatedApiKey } from '../schemas/api-key.schemas';

export interface ApiKeyRouteDeps {
  apiKeys: ApiKeyService;
  readYourWrites: RequestHandler;
}

/** `/v1/admin/api-keys`: admins create, list and revoke the keys applications send as X-API-Key. */
export function adminApiKeyRoutes({ apiKeys, readYourWrites }: ApiKeyRouteDeps): ApiRouter {
  // no-store: the creation answer holds the key itself.
  const router = apiRouter({ tag: 'admin', auth: 'admin', noStore: true, readYourWrites });

  op(
    router,
    {
      method: 'post',
      path: '/api-keys',
      operationId: 'createApiKey',
      summary: 'Create an API key for an application (the key is shown in this answer only)',
      description:
        'The key is 256 random bits; only its SHA-256 hash is recorded. With `rate_limit_per_hour`, requests that ' +
        'carry the key count against that budget across /v1 (429 `RATE_LIMIT_EXCEEDED` past it), besides the ' +
        'per-user and per-endpoint limits.',
      body: CreateApiKeyDto,
      responses: { 201: { description: 'The key, shown once', schema: CreatedApiKey } },
    },
    async (req, res, { body }) => {
      const created = await apiKeys.create(
        { name: body.name, rateLimitPerHour: body.rate_limit_per_hour },
        commandMetadata(req),
      );
      setLogPosition(res, created.position);
      res.status(201).json({
        key_id: created.keyId,
        name: created.name,
        api_key: created.apiKey,
        ...(created.rateLimitPerHour === null ? {} : { rate_limit_per_hour: created.rateLimitPerHour }),
        created_at: created.createdAt,
      });
    },
  );

  op(
    router,
    {
      method: 'get',
      path: '/api-keys',
      operationId: 'listApiKeys',
      summary: 'List the API keys (never the keys themselves)',
      readYourWrites: true,
      responses: { 200: { description: 'Every key, revoked ones included', schema: ApiKeyList } },
    },
    async (_req, res) => {
      const keys = await apiKeys.list();
      res.json({
        api_keys: keys.map((k) => ({
          key_id: k.key_id,
          name: k.name,
          status: k.revoked_at === null ? 'ACTIVE' : 'REVOKED',
          ...(k.rate_limit_per_hour === null ? {} : { rate_limit_per_hour: k.rate_limit_per_hour }),
          created_at: k.created_at,
          revoked_at: k.revoked_at,
        })),
      });
    },
  );

  op(
    router,
    {
      method: 'delete',
      path: '/api-keys/:id',
      operationId: 'revokeApiKey',
      summary: 'Revoke an API key (idempotent)',
      description:
        'Requests with the key are refused with 401 `INVALID_API_KEY` from then on: at once by this process, and by ' +
        'every other API process as soon as its projections reach this log position (its projection lag).',
      params: { id: 'ApiKeyId' },
      responses: { 204: { description: 'Revoked (or already revoked)' } },
      errors: { 404: ['No such API key', ['API_KEY_NOT_FOUND']] },
    },
    async (req, res) => {
      answerCommand(res, 204, await apiKeys.revoke(pathParam(req, 'id'), commandMetadata(req)));
    },
  );
  return router;
}
