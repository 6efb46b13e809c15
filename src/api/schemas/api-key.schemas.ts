import { array, component, dateTime, int, ISO, object, str } from '../contract/schema';

const keyId = str('API key id (not the key)');
const name = str('What the key is for (the calling application)');
const rateLimit = int("The key's own budget: requests per hour across /v1 (absent: none)", { minimum: 1 });
const createdAt = dateTime(`When the key was created (${ISO})`);

export const CreatedApiKey = component(
  'CreatedApiKey',
  object(
    {
      key_id: keyId,
      name,
      api_key: str(
        'The key, to send as `X-API-Key`. Shown this once: only its SHA-256 hash is recorded, so it cannot be ' +
          'shown again (revoke it and create another if it is lost)',
        { pattern: '^tk_[A-Za-z]{45}$' },
      ),
      rate_limit_per_hour: rateLimit,
      created_at: createdAt,
    },
    ['key_id', 'name', 'api_key', 'created_at'],
  ),
);

export const ApiKey = component(
  'ApiKey',
  object(
    {
      key_id: keyId,
      name,
      status: str('`REVOKED` once revoked (refused with 401 `INVALID_API_KEY`)', {
        enum: ['ACTIVE', 'REVOKED'],
      }),
      rate_limit_per_hour: rateLimit,
      created_at: createdAt,
      revoked_at: dateTime(`When the key was revoked (${ISO}); null while active`, true),
    },
    ['key_id', 'name', 'status', 'created_at', 'revoked_at'],
  ),
);

export const ApiKeyList = component(
  'ApiKeyList',
  object({ api_keys: array(ApiKey, { description: 'Every key, oldest first; never the key itself' }) }),
);
