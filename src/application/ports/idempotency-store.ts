export interface StoredResponse {
  status: number;
  body: unknown;
  headers: Record<string, string>;
  /** Fingerprint of the request that produced it: the same key with another request is refused. */
  fingerprint: string;
}

/** What claiming a key found (see IdempotencyStore.claim). */
export type IdempotencyClaim =
  /** The key is the caller's: run the request, then `put` its answer, or `release` the key if there is none. */
  | { outcome: 'claimed'; token: string }
  /** A request with this key was answered: the stored answer. */
  | { outcome: 'answered'; response: StoredResponse }
  /** A request with this key is running (here or in another process), with this fingerprint: wait, claim again. */
  | { outcome: 'running'; fingerprint: string };

/**
 * First answers to requests sent with an Idempotency-Key, kept so a retry gets the same answer. Shared by every API
 * process on the same data: a key is claimed before its request runs, so two processes never both run it.
 */
export interface IdempotencyStore {
  /** The stored answer; a key claimed by a running request has none yet. */
  get(key: string): Promise<StoredResponse | undefined>;
  /** Stores an answer (completing the key's claim, if any); the first answer stored for a key stays. */
  put(key: string, response: StoredResponse): Promise<void>;
  /**
   * Claims the key for a request with `fingerprint`, atomically across processes. A claim older than `leaseMs`
   * (its process died, or its request hung) is taken over.
   */
  claim(key: string, fingerprint: string, leaseMs: number): Promise<IdempotencyClaim>;
  /** Gives up a claim that got no answer to keep (a 5xx, a dropped response): the next retry runs again. */
  release(key: string, token: string): Promise<void>;
}

export const IDEMPOTENCY_STORE = Symbol.for('IdempotencyStore');
