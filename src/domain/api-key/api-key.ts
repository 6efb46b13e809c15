import type { Decider, DomainEvent } from '../shared/decider';
import { fail } from '../shared/errors';

/**
 * `api-key-{keyId}`: an API key that names the calling application (seed header `X-API-Key`). The key itself
 * is never recorded: only its SHA-256 hash, which is what a presented key is looked up by. A key is created
 * once and revoked at most once; a revoked key never comes back.
 */

/** The largest per-key budget an admin may set (requests per hour). */
export const MAX_KEY_RATE_LIMIT_PER_HOUR = 1_000_000;
export const MAX_KEY_NAME_LENGTH = 100;

export interface CreateApiKey {
  type: 'CreateApiKey';
  keyId: string;
  name: string;
  /** SHA-256 hex of the key shown once to the admin. */
  keyHash: string;
  /** Requests per hour for this key across /v1; absent: only the per-user and per-endpoint limits apply. */
  rateLimitPerHour?: number;
}

export interface RevokeApiKey {
  type: 'RevokeApiKey';
  keyId: string;
}

export type ApiKeyCommand = CreateApiKey | RevokeApiKey;

export type ApiKeyCreated = DomainEvent<
  'ApiKeyCreated',
  { keyId: string; name: string; keyHash: string; rateLimitPerHour: number | null; createdAt: string }
>;
export type ApiKeyRevoked = DomainEvent<'ApiKeyRevoked', { keyId: string; revokedAt: string }>;
export type ApiKeyEvent = ApiKeyCreated | ApiKeyRevoked;

export type ApiKeyState =
  | { exists: false }
  | {
      exists: true;
      keyId: string;
      name: string;
      keyHash: string;
      rateLimitPerHour: number | null;
      createdAt: string;
      revokedAt: string | null;
    };

export interface ApiKeyContext {
  now: Date;
}

const SHA256_HEX = /^[0-9a-f]{64}$/;

export const apiKeyDecider: Decider<ApiKeyCommand, ApiKeyEvent, ApiKeyState, ApiKeyContext> = {
  initialState: () => ({ exists: false }),

  decide(command, state, { now }) {
    switch (command.type) {
      case 'CreateApiKey': {
        if (state.exists) fail('API_KEY_EXISTS', `API key ${command.keyId} already exists`);
        const name = command.name.trim();
        if (name.length === 0 || name.length > MAX_KEY_NAME_LENGTH)
          fail('VALIDATION_ERROR', `An API key's name must be 1-${MAX_KEY_NAME_LENGTH} characters`);
        // Only a hash may be recorded: anything else here would be the key itself, or a mistake.
        if (!SHA256_HEX.test(command.keyHash))
          fail('VALIDATION_ERROR', 'An API key is recorded by its SHA-256 hash only');
        const limit = command.rateLimitPerHour;
        if (
          limit !== undefined &&
          (!Number.isInteger(limit) || limit < 1 || limit > MAX_KEY_RATE_LIMIT_PER_HOUR)
        )
          fail('VALIDATION_ERROR', `rate_limit_per_hour must be an integer 1-${MAX_KEY_RATE_LIMIT_PER_HOUR}`);
        return [
          {
            type: 'ApiKeyCreated',
            data: {
              keyId: command.keyId,
              name,
              keyHash: command.keyHash,
              rateLimitPerHour: limit ?? null,
              createdAt: now.toISOString(),
            },
          },
        ];
      }
      case 'RevokeApiKey': {
        if (!state.exists) fail('API_KEY_NOT_FOUND', 'API key not found');
        // Revoking twice changes nothing: the DELETE is idempotent.
        if (state.revokedAt !== null) return [];
        return [{ type: 'ApiKeyRevoked', data: { keyId: state.keyId, revokedAt: now.toISOString() } }];
      }
    }
  },

  evolve(state, event) {
    switch (event.type) {
      case 'ApiKeyCreated':
        return { exists: true, ...event.data, revokedAt: null };
      case 'ApiKeyRevoked':
        return state.exists ? { ...state, revokedAt: event.data.revokedAt } : state;
    }
  },
};
