import type { IdempotencyStore, StoredResponse } from '../../src/application/ports/idempotency-store';

/**
 * What a test needs from an idempotency-store adapter: two stores on the same data (`other`: a second process's
 * connection, or the same store where the adapter has only one), closed by `cleanup`.
 */
export interface IdempotencyStoreFixture {
  store: IdempotencyStore;
  other: IdempotencyStore;
  cleanup: () => Promise<void>;
}

const LEASE_MS = 60_000;
const answer = (status: number, fingerprint = 'f1'): StoredResponse => ({
  status,
  body: { n: status },
  headers: { 'x-log-position': '7' },
  fingerprint,
});

/** The IdempotencyStore port's behaviour, for every adapter (SQLite, memory, MongoDB). */
export function idempotencyStoreContract(name: string, open: () => Promise<IdempotencyStoreFixture>): void {
  describe(`IdempotencyStore contract: ${name}`, () => {
    let f: IdempotencyStoreFixture;
    let n = 0;
    let key: string;
    beforeEach(async () => {
      f = await open();
      key = `key-${Date.now()}-${(n += 1)}`;
    });
    afterEach(() => f.cleanup());

    test('a key is claimed once: a second claim, from another process too, finds it running', async () => {
      const first = await f.store.claim(key, 'f1', LEASE_MS);
      expect(first.outcome).toBe('claimed');
      expect(await f.other.claim(key, 'f2', LEASE_MS)).toEqual({ outcome: 'running', fingerprint: 'f1' });
      expect(await f.store.claim(key, 'f1', LEASE_MS)).toEqual({ outcome: 'running', fingerprint: 'f1' });
      expect(await f.other.get(key)).toBeUndefined(); // no answer yet
    });

    test("the claim's answer is what every later claim and get finds; the first answer stays", async () => {
      await f.store.claim(key, 'f1', LEASE_MS);
      await f.store.put(key, answer(201));
      expect(await f.other.claim(key, 'f1', LEASE_MS)).toEqual({
        outcome: 'answered',
        response: answer(201),
      });
      expect(await f.other.get(key)).toEqual(answer(201));
      await f.other.put(key, answer(409));
      expect(await f.store.get(key)).toEqual(answer(201));
    });

    test('a key put without a claim is stored (answers kept by other means than the middleware)', async () => {
      await f.store.put(key, answer(200));
      expect(await f.other.get(key)).toEqual(answer(200));
      expect((await f.other.claim(key, 'f1', LEASE_MS)).outcome).toBe('answered');
    });

    test('a released claim frees the key; a release with another token does not', async () => {
      const first = await f.store.claim(key, 'f1', LEASE_MS);
      if (first.outcome !== 'claimed') throw new Error('not claimed');
      await f.other.release(key, 'someone-else');
      expect((await f.other.claim(key, 'f1', LEASE_MS)).outcome).toBe('running');
      await f.store.release(key, first.token);
      const again = await f.other.claim(key, 'f2', LEASE_MS);
      expect(again.outcome).toBe('claimed');
      expect(await f.store.claim(key, 'f1', LEASE_MS)).toEqual({ outcome: 'running', fingerprint: 'f2' });
    });

    test('a claim older than the lease is taken over, and its old token no longer frees the key', async () => {
      const first = await f.store.claim(key, 'f1', LEASE_MS);
      if (first.outcome !== 'claimed') throw new Error('not claimed');
      await new Promise((resolve) => setTimeout(resolve, 20));
      const taken = await f.other.claim(key, 'f2', 10);
      expect(taken.outcome).toBe('claimed');
      await f.store.release(key, first.token); // the dead request's late release
      expect(await f.store.claim(key, 'f1', LEASE_MS)).toEqual({ outcome: 'running', fingerprint: 'f2' });
      await f.other.put(key, answer(201, 'f2'));
      expect(await f.store.get(key)).toEqual(answer(201, 'f2'));
    });

    test('an answered key is never taken over, however old', async () => {
      await f.store.claim(key, 'f1', LEASE_MS);
      await f.store.put(key, answer(201));
      await new Promise((resolve) => setTimeout(resolve, 20));
      expect((await f.other.claim(key, 'f1', 10)).outcome).toBe('answered');
    });
  });
}
