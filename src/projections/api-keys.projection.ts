import { API_KEYS_COLLECTION, type ApiKeyDoc, type ApiKeyIndex } from '../application/api-keys/api-key-index';
import type { ApiKeyCreated, ApiKeyRevoked } from '../domain/api-key/api-key';
import { docs, fieldSetter, type Data, type Projection } from './projection';

const setKey = fieldSetter<ApiKeyDoc>(API_KEYS_COLLECTION);

/** The admin's list of API keys: names, budgets, dates; never the key nor its hash. */
export const apiKeysProjection: Projection = {
  name: 'api-keys',
  // It sees none of an on-sale's events: next to nothing to fold when replaying one.
  replayWeight: 0.02,
  handlers: {
    ApiKeyCreated(event: Data<ApiKeyCreated>, store) {
      const k = event.data;
      return docs.put(store.collection<ApiKeyDoc>(API_KEYS_COLLECTION), {
        _id: k.keyId,
        _position: event.position,
        key_id: k.keyId,
        name: k.name,
        rate_limit_per_hour: k.rateLimitPerHour,
        created_at: k.createdAt,
        revoked_at: null,
      });
    },
    ApiKeyRevoked(event: Data<ApiKeyRevoked>, store) {
      return setKey(store, event, event.data.keyId, { revoked_at: event.data.revokedAt });
    },
  },
};

/** Feeds this process's in-memory key lookup from the log (not a read model: nothing is stored). */
export function apiKeyIndexProjection(index: ApiKeyIndex): Projection {
  return {
    name: 'api-key-index',
    handlers: {
      ApiKeyCreated: async (event) => index.apply(event),
      ApiKeyRevoked: async (event) => index.apply(event),
    },
  };
}
