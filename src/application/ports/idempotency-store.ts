export interface StoredResponse {
  status: number;
  body: unknown;
  headers: Record<string, string>;
  /** Fingerprint of the request that produced it: the same key with another request is refused. */
  fingerprint: string;
}

/** First answers to requests sent with an Idempotency-Key, kept so a retry gets the same answer. */
export interface IdempotencyStore {
  get(key: string): Promise<StoredResponse | undefined>;
  put(key: string, response: StoredResponse): Promise<void>;
}

export const IDEMPOTENCY_STORE = Symbol.for('IdempotencyStore');
