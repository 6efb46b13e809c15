import { randomBytes } from 'node:crypto';
import type { ApiKeyCreated } from '../../domain/api-key/api-key';
import { DomainError } from '../../domain/shared/errors';
import type { IdGenerator } from '../ports/id-generator';
import type { ReadStore } from '../ports/read-store';
import type { CommandMetadata } from '../shared/command-metadata';
import {
  API_KEYS_COLLECTION,
  hashApiKey,
  type ApiKeyDoc,
  type ApiKeyIdentity,
  type ApiKeyIndex,
} from './api-key-index';
import type { ApiKeyProcessor } from './api-key-processor';

const LETTERS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
/** 45 letters of 52: 256.5 bits. */
const KEY_LETTERS = 45;
/** Bytes below this map evenly onto the 52 letters (4 x 52); the rest are drawn again. */
const UNBIASED_BELOW = 208;

/**
 * A new API key: `tk_` and 45 random letters (256 bits). Letters only, so a key can never look like a card
 * number to the guard that scans the headers the service keeps (a digit run in a random base64 key would now
 * and then be refused as one).
 */
export function generateApiKey(): string {
  let key = 'tk_';
  while (key.length < 3 + KEY_LETTERS) {
    for (const byte of randomBytes(64)) {
      if (byte < UNBIASED_BELOW && key.length < 3 + KEY_LETTERS) key += LETTERS[byte % LETTERS.length];
    }
  }
  return key;
}

/** Key ids are UUIDs; anything else names no key and is answered without touching the store. */
const KEY_ID = /^[A-Za-z0-9_-]{1,64}$/;

export interface CreatedApiKey {
  keyId: string;
  name: string;
  /** Shown once, in the answer to the admin who created it; never stored. */
  apiKey: string;
  rateLimitPerHour: number | null;
  createdAt: string;
  position: number;
}

/** API keys (seed header X-API-Key): created and revoked by admins, checked on every /v1 request. */
export class ApiKeyService {
  constructor(
    private readonly keys: ApiKeyProcessor,
    private readonly index: ApiKeyIndex,
    private readonly readStore: ReadStore,
    private readonly ids: IdGenerator,
  ) {}

  async create(
    input: { name: string; rateLimitPerHour?: number },
    metadata: CommandMetadata,
  ): Promise<CreatedApiKey> {
    const keyId = this.ids.uuid();
    const apiKey = generateApiKey();
    const { events, position } = await this.keys.execute(
      keyId,
      {
        type: 'CreateApiKey',
        keyId,
        name: input.name,
        keyHash: hashApiKey(apiKey),
        rateLimitPerHour: input.rateLimitPerHour,
      },
      metadata,
    );
    const created = events[0] as ApiKeyCreated;
    this.index.created(created.data);
    return {
      keyId,
      name: created.data.name,
      apiKey,
      rateLimitPerHour: created.data.rateLimitPerHour,
      createdAt: created.data.createdAt,
      position,
    };
  }

  /** Idempotent: revoking a revoked key changes nothing. API_KEY_NOT_FOUND for a key that never existed. */
  async revoke(keyId: string, metadata: CommandMetadata): Promise<{ position: number }> {
    if (!KEY_ID.test(keyId)) throw new DomainError('API_KEY_NOT_FOUND', 'API key not found');
    const { position } = await this.keys.execute(keyId, { type: 'RevokeApiKey', keyId }, metadata);
    this.index.revokedKey(keyId);
    return { position };
  }

  /** Every key, oldest first, revoked ones included (never the key or its hash). */
  async list(): Promise<ApiKeyDoc[]> {
    return this.readStore
      .collection<ApiKeyDoc>(API_KEYS_COLLECTION)
      .find({}, { sort: { created_at: 1, _id: 1 } });
  }

  /** The caller's key, or undefined when it is unknown or revoked (as far as this process's projections know). */
  identify(key: string): ApiKeyIdentity | undefined {
    return this.index.identify(key);
  }
}
