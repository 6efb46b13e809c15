import { randomUUID } from 'node:crypto';
import { MongoServerError, type Collection, type Db } from 'mongodb';
import type {
  IdempotencyClaim,
  IdempotencyStore,
  StoredResponse,
} from '../../application/ports/idempotency-store';

interface KeyDoc {
  _id: string;
  /** JSON text: response bodies may hold keys MongoDB does not accept as field names. Absent while claimed. */
  response?: string;
  /** Set while the key's request runs (see IdempotencyStore.claim). */
  claim?: { token: string; fingerprint: string };
  /** When answered, or when claimed while claimed. */
  created_at: Date;
}

const DUPLICATE_KEY = 11000;
const isDuplicateKey = (error: unknown) => error instanceof MongoServerError && error.code === DUPLICATE_KEY;

/** How long a first answer is kept for retries (as Stripe does: 24 hours). */
export const IDEMPOTENCY_TTL_SECONDS = 24 * 60 * 60;

/**
 * Idempotency keys on the production profile, in MongoDB: shared by every API process (a retry that lands on
 * another process still gets the first answer), a key is claimed by inserting its document (the unique _id decides
 * between processes), the first answer stays, and a TTL index expires them.
 */
export class MongoIdempotencyStore implements IdempotencyStore {
  private readonly collection: Collection<KeyDoc>;

  constructor(db: Db, name = '_idempotency_keys') {
    this.collection = db.collection<KeyDoc>(name);
  }

  /** The TTL index; created at start with the read models' indexes. */
  async ensureIndexes(ttlSeconds = IDEMPOTENCY_TTL_SECONDS): Promise<void> {
    await this.collection.createIndex({ created_at: 1 }, { name: 'ttl', expireAfterSeconds: ttlSeconds });
  }

  async get(key: string): Promise<StoredResponse | undefined> {
    const doc = await this.collection.findOne({ _id: key });
    return doc?.response ? (JSON.parse(doc.response) as StoredResponse) : undefined;
  }

  async put(key: string, response: StoredResponse): Promise<void> {
    try {
      // Completes the claim, or inserts; a document that has its answer already does not match, and the upsert's
      // insert then fails on the _id: the first answer stays.
      await this.collection.updateOne(
        { _id: key, response: { $exists: false } },
        { $set: { response: JSON.stringify(response), created_at: new Date() }, $unset: { claim: '' } },
        { upsert: true },
      );
    } catch (error) {
      if (!isDuplicateKey(error)) throw error;
    }
  }

  async claim(key: string, fingerprint: string, leaseMs: number): Promise<IdempotencyClaim> {
    const token = randomUUID();
    try {
      await this.collection.insertOne({ _id: key, claim: { token, fingerprint }, created_at: new Date() });
      return { outcome: 'claimed', token };
    } catch (error) {
      if (!isDuplicateKey(error)) throw error;
    }
    const found = await this.collection.findOne({ _id: key });
    if (!found) return this.claim(key, fingerprint, leaseMs); // released meanwhile
    if (found.response)
      return { outcome: 'answered', response: JSON.parse(found.response) as StoredResponse };
    if (!found.claim || Date.now() - found.created_at.getTime() < leaseMs)
      return { outcome: 'running', fingerprint: found.claim?.fingerprint ?? fingerprint };
    // A stale claim: taken over only if nobody else took it or answered it since it was read.
    const taken = await this.collection.updateOne(
      { _id: key, 'claim.token': found.claim.token, response: { $exists: false } },
      { $set: { claim: { token, fingerprint }, created_at: new Date() } },
    );
    return taken.modifiedCount === 1 ? { outcome: 'claimed', token } : this.claim(key, fingerprint, leaseMs);
  }

  async release(key: string, token: string): Promise<void> {
    await this.collection.deleteOne({ _id: key, 'claim.token': token, response: { $exists: false } });
  }
}
