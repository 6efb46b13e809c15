import type { Collection, Db } from 'mongodb';
import type { IdempotencyStore, StoredResponse } from '../../application/ports/idempotency-store';

interface KeyDoc {
  _id: string;
  /** JSON text: response bodies may hold keys MongoDB does not accept as field names. */
  response: string;
  created_at: Date;
}

/** How long a first answer is kept for retries (as Stripe does: 24 hours). */
export const IDEMPOTENCY_TTL_SECONDS = 24 * 60 * 60;

/**
 * Idempotency keys on the production profile, in MongoDB: shared by every API process (a retry that lands on
 * another process still gets the first answer), first writer wins ($setOnInsert), and a TTL index expires them.
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
    return doc ? (JSON.parse(doc.response) as StoredResponse) : undefined;
  }

  async put(key: string, response: StoredResponse): Promise<void> {
    await this.collection.updateOne(
      { _id: key },
      { $setOnInsert: { response: JSON.stringify(response), created_at: new Date() } },
      { upsert: true },
    );
  }
}
