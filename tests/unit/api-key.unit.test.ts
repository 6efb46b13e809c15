import {
  apiKeyDecider,
  MAX_KEY_RATE_LIMIT_PER_HOUR,
  type ApiKeyCreated,
  type ApiKeyRevoked,
} from '../../src/domain/api-key/api-key';
import { ApiKeyIndex, hashApiKey } from '../../src/application/api-keys/api-key-index';
import { generateApiKey } from '../../src/application/api-keys/api-key-service';
import { idHoldsCardNumber } from '../../src/api/http/card-number-scan';
import type { RecordedEvent } from '../../src/application/ports/event-store';
import { spec } from '../support/given-when-then';

const NOW = '2026-06-01T10:00:00.000Z';
const LATER = '2026-06-02T10:00:00.000Z';
const at = (iso = NOW) => ({ now: new Date(iso) });
const KEY_ID = 'k-1';
const HASH = hashApiKey('tk_example');

const created: ApiKeyCreated = {
  type: 'ApiKeyCreated',
  data: { keyId: KEY_ID, name: 'Box office app', keyHash: HASH, rateLimitPerHour: 500, createdAt: NOW },
};
const revoked: ApiKeyRevoked = { type: 'ApiKeyRevoked', data: { keyId: KEY_ID, revokedAt: LATER } };
const create = (overrides: Partial<{ name: string; keyHash: string; rateLimitPerHour: number }> = {}) => ({
  type: 'CreateApiKey' as const,
  keyId: KEY_ID,
  name: 'Box office app',
  keyHash: HASH,
  rateLimitPerHour: 500,
  ...overrides,
});

const apiKey = spec(apiKeyDecider);

describe('api key decider', () => {
  it('records a new key by its hash, its trimmed name and its budget', () => {
    apiKey
      .given([], at())
      .when(create({ name: '  Box office app ' }))
      .then([created]);
  });

  it('records no budget when none is given', () => {
    const [event] = apiKey
      .given([], at())
      .when({ type: 'CreateApiKey', keyId: KEY_ID, name: 'Kiosk', keyHash: HASH })
      .events();
    expect(event).toEqual({
      type: 'ApiKeyCreated',
      data: { keyId: KEY_ID, name: 'Kiosk', keyHash: HASH, rateLimitPerHour: null, createdAt: NOW },
    });
  });

  it('refuses anything but a SHA-256 hex digest as the key hash (never the key itself)', () => {
    apiKey
      .given([], at())
      .when(create({ keyHash: 'tk_the_raw_key' }))
      .thenThrows('VALIDATION_ERROR');
    apiKey
      .given([], at())
      .when(create({ keyHash: HASH.toUpperCase() }))
      .thenThrows('VALIDATION_ERROR');
  });

  it('refuses an empty or over-long name, and a budget that is not a positive integer within bounds', () => {
    apiKey
      .given([], at())
      .when(create({ name: '   ' }))
      .thenThrows('VALIDATION_ERROR');
    apiKey
      .given([], at())
      .when(create({ name: 'x'.repeat(101) }))
      .thenThrows('VALIDATION_ERROR');
    for (const bad of [0, -1, 1.5, MAX_KEY_RATE_LIMIT_PER_HOUR + 1])
      apiKey
        .given([], at())
        .when(create({ rateLimitPerHour: bad }))
        .thenThrows('VALIDATION_ERROR');
    apiKey
      .given([], at())
      .when(create({ rateLimitPerHour: MAX_KEY_RATE_LIMIT_PER_HOUR }))
      .events();
  });

  it('refuses to create the same key twice', () => {
    apiKey.given([created], at()).when(create()).thenThrows('API_KEY_EXISTS');
  });

  it('revokes a key once; revoking it again records nothing', () => {
    apiKey.given([created], at(LATER)).when({ type: 'RevokeApiKey', keyId: KEY_ID }).then([revoked]);
    apiKey.given([created, revoked], at()).when({ type: 'RevokeApiKey', keyId: KEY_ID }).thenNothing();
    expect(apiKey.given([created, revoked]).state()).toMatchObject({ exists: true, revokedAt: LATER });
  });

  it('refuses to revoke a key that never existed', () => {
    apiKey.given([], at()).when({ type: 'RevokeApiKey', keyId: KEY_ID }).thenThrows('API_KEY_NOT_FOUND');
  });
});

describe('api key index', () => {
  const recorded = (event: ApiKeyCreated | ApiKeyRevoked, position: number): RecordedEvent => ({
    id: `e${position}`,
    streamName: `api-key-${KEY_ID}`,
    type: event.type,
    data: event.data,
    metadata: { correlationId: 'c', causationId: 'c', userId: 'admin', schemaVersion: 1 },
    revision: position - 1,
    position,
    recordedAt: new Date(NOW),
  });

  it('knows a created key by the key, not by its hash or anything else', () => {
    const index = new ApiKeyIndex();
    index.apply(recorded(created, 1));
    expect(index.identify('tk_example')).toEqual({ keyId: KEY_ID, rateLimitPerHour: 500 });
    expect(index.identify(HASH)).toBeUndefined();
    expect(index.identify('tk_other')).toBeUndefined();
  });

  it('forgets a revoked key whatever order the creation and the revocation arrive in, and for good', () => {
    for (const order of [
      [created, revoked],
      [revoked, created],
      [created, revoked, created],
    ]) {
      const index = new ApiKeyIndex();
      order.forEach((event, i) => index.apply(recorded(event, i + 1)));
      expect(index.identify('tk_example')).toBeUndefined();
    }
  });
});

describe('generated API keys', () => {
  it('are tk_ and 45 letters (256 bits), different every time, and never look like a card number', () => {
    const keys = Array.from({ length: 2000 }, generateApiKey);
    for (const key of keys) {
      expect(key).toMatch(/^tk_[A-Za-z]{45}$/);
      expect(idHoldsCardNumber(key)).toBe(false);
    }
    expect(new Set(keys).size).toBe(keys.length);
    // Every letter turns up: the draw covers the whole alphabet (a bias to a subset would show here).
    expect(new Set(keys.map((key) => key.slice(3)).join('')).size).toBe(52);
  });
});
