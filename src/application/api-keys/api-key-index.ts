import { createHash } from 'node:crypto';
import type { ApiKeyCreated, ApiKeyRevoked } from '../../domain/api-key/api-key';
import type { EventStore, RecordedEvent } from '../ports/event-store';
import type { ReadStore } from '../ports/read-store';
import { apiKeyStream } from './api-key-processor';

/** Who is calling, as a valid X-API-Key says: recorded in event metadata (the id, never the key). */
export interface ApiKeyIdentity {
  keyId: string;
  /** The key's own budget across /v1, when it has one. */
  rateLimitPerHour?: number;
}

/** The read model of API keys (admin listing): no hash of the key, only what the admin may see. */
export const API_KEYS_COLLECTION = 'api_keys';

export interface ApiKeyDoc {
  _id: string;
  _position?: number;
  key_id: string;
  name: string;
  rate_limit_per_hour: number | null;
  created_at: string;
  revoked_at: string | null;
}

/** Keys are looked up by the SHA-256 of what the client sent: the log holds the same hash, never the key. */
export const hashApiKey = (key: string) => createHash('sha256').update(key, 'utf8').digest('hex');

/**
 * Every API key this process knows, by hash: checking a key on a request is one hash and one map lookup.
 *
 * Fed from the log by the projection runner (every process runs its own, so a revocation reaches every process
 * within its projection lag). Creations and revocations are kept as two sets, so applying them is idempotent
 * and order-independent: the start-up load (below) and the live feed may deliver the same events in either order,
 * and a revoked key never comes back.
 */
export class ApiKeyIndex {
  private readonly byHash = new Map<string, { keyId: string; rateLimitPerHour: number | null }>();
  private readonly revoked = new Set<string>();

  apply(event: RecordedEvent): void {
    switch (event.type) {
      case 'ApiKeyCreated':
        return this.created(event.data as ApiKeyCreated['data']);
      case 'ApiKeyRevoked':
        return this.revokedKey((event.data as ApiKeyRevoked['data']).keyId);
    }
  }

  /** Also called by the service once its append is durable: the creating process need not wait for the feed. */
  created({
    keyId,
    keyHash,
    rateLimitPerHour,
  }: Pick<ApiKeyCreated['data'], 'keyId' | 'keyHash' | 'rateLimitPerHour'>): void {
    this.byHash.set(keyHash, { keyId, rateLimitPerHour });
  }

  /** Also called by the service once the revocation is durable, so it holds in this process at once. */
  revokedKey(keyId: string): void {
    this.revoked.add(keyId);
  }

  /** The key's identity, or undefined for a key that is unknown or revoked. */
  identify(key: string): ApiKeyIdentity | undefined {
    const entry = this.byHash.get(hashApiKey(key));
    if (!entry || this.revoked.has(entry.keyId)) return undefined;
    return entry.rateLimitPerHour === null
      ? { keyId: entry.keyId }
      : { keyId: entry.keyId, rateLimitPerHour: entry.rateLimitPerHour };
  }

  /**
   * A durable read store (MongoDB) resumes the projections from a checkpoint, so this process's runner will not
   * replay the keys created before it: they are read from their own streams, named by the read model's list.
   * Call it after the runner has started (the checkpoint is read), so the list includes every key before it.
   * An in-memory read store is rebuilt from the start of the log, which feeds this index too.
   */
  async load(store: EventStore, readStore: ReadStore): Promise<void> {
    if (!readStore.durable) return;
    const docs = await readStore.collection<ApiKeyDoc>(API_KEYS_COLLECTION).all();
    for (const doc of docs) {
      for (const event of await store.readStream(apiKeyStream(doc.key_id))) this.apply(event);
    }
  }
}
