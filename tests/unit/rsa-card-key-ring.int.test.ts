import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { CiphertextError, EncryptionKeyError } from '../../src/application/ports/card-encryption';
import { ManualClock } from '../../src/infrastructure/clock/system-clock';
import { RsaCardKeyRing } from '../../src/infrastructure/crypto/rsa-card-key-ring';

/** What a partner does with the certificate: RSA-OAEP with SHA-256 over the salted value, base64. */
function encrypt(publicKeyPem: string, plaintext: string): string {
  return crypto
    .publicEncrypt(
      { key: publicKeyPem, padding: crypto.constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha256' },
      Buffer.from(plaintext),
    )
    .toString('base64');
}

const SECRET = 'k'.repeat(16) + 'abcdefghijklmnopqrstuvwxyz0123456789';
const DAY = 24 * 60 * 60 * 1000;

describe('RsaCardKeyRing (the daily card-encryption key ring in DATA_DIR)', () => {
  let dir: string;
  beforeEach(() => {
    dir = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'card-keys-')), 'card-keys');
  });
  afterEach(() => fs.rmSync(path.dirname(dir), { recursive: true, force: true }));

  const ring = (clock: ManualClock, secret = SECRET) => new RsaCardKeyRing({ dir, secret, clock });

  it('decrypts what a partner encrypted with the certificate (OAEP SHA-256), and nothing else', async () => {
    const keys = ring(new ManualClock('2030-03-10T15:00:00Z'));
    const certificate = await keys.current();
    expect(certificate.encryptionKey).toMatch(/^ck-20300310-[a-z]{16}$/);
    expect(certificate.publicKeyPem).toMatch(/^-----BEGIN PUBLIC KEY-----/);
    // Handed out on its day, accepted for one more: at least 24 h left whenever it is fetched.
    expect(certificate.expiresAt.toISOString()).toBe('2030-03-12T00:00:00.000Z');
    const key = crypto.createPublicKey(certificate.publicKeyPem);
    expect(key.asymmetricKeyDetails?.modulusLength).toBe(2048);

    const plaintext = await keys.decrypt(
      certificate.encryptionKey,
      encrypt(certificate.publicKeyPem, 'Ab3dEf6hIj9lMn0p4242424242424242'),
    );
    expect(plaintext.toString()).toBe('Ab3dEf6hIj9lMn0p4242424242424242');

    // PKCS#1 v1.5 or SHA-1 OAEP ciphertexts do not decrypt: only the documented scheme is accepted.
    const sha1 = crypto
      .publicEncrypt(
        { key: certificate.publicKeyPem, padding: crypto.constants.RSA_PKCS1_OAEP_PADDING },
        Buffer.from('x'),
      )
      .toString('base64');
    await expect(keys.decrypt(certificate.encryptionKey, sha1)).rejects.toEqual(
      new CiphertextError('undecryptable'),
    );
    // Plain digits, short base64, or not base64 at all: not an RSA block.
    for (const plain of ['123', '4242424242424242', Buffer.from('hello').toString('base64'), '!!!!'])
      await expect(keys.decrypt(certificate.encryptionKey, plain)).rejects.toEqual(
        new CiphertextError('not_encrypted'),
      );
    await expect(keys.decrypt('ck-20300310-aaaaaaaaaaaaaaaa', sha1)).rejects.toEqual(
      new EncryptionKeyError('unknown'),
    );
    await expect(keys.decrypt('not-a-key', sha1)).rejects.toEqual(new EncryptionKeyError('unknown'));
  });

  it('keeps the private key only encrypted, in owner-only files, and survives a restart', async () => {
    const clock = new ManualClock('2030-03-10T15:00:00Z');
    const first = await ring(clock).current();
    const files = fs.readdirSync(dir);
    expect(files).toHaveLength(1);
    const text = fs.readFileSync(path.join(dir, files[0]), 'utf8');
    expect(text).toContain('BEGIN ENCRYPTED PRIVATE KEY');
    expect(text).not.toContain('BEGIN PRIVATE KEY');
    expect(text).not.toContain(SECRET);
    expect(fs.statSync(dir).mode & 0o777).toBe(0o700);
    expect(fs.statSync(path.join(dir, files[0])).mode & 0o777).toBe(0o600);

    // A new process on the same data directory: the same key, and it decrypts what the first one handed out.
    const restarted = ring(clock);
    expect(await restarted.current()).toEqual(first);
    const ciphertext = encrypt(first.publicKeyPem, 'Ab3dEf6hIj9lMn0p123');
    expect((await restarted.decrypt(first.encryptionKey, ciphertext)).toString()).toBe('Ab3dEf6hIj9lMn0p123');

    // Another JWT secret cannot open the stored key: it starts its own ring, and the old key is unknown to it.
    const other = ring(clock, 'z'.repeat(20) + 'ABCDEFGHIJKLMNOPQRSTUVWXYZ');
    const fresh = await other.current();
    expect(fresh.encryptionKey).not.toBe(first.encryptionKey);
    await expect(other.decrypt(first.encryptionKey, ciphertext)).rejects.toEqual(
      new EncryptionKeyError('unknown'),
    );
  });

  it('processes racing to create the day key agree on one (create-if-absent)', async () => {
    const clock = new ManualClock('2030-03-10T15:00:00Z');
    const rings = Array.from({ length: 4 }, () => ring(clock));
    const certificates = await Promise.all(rings.map((r) => r.current()));
    expect(new Set(certificates.map((c) => c.encryptionKey)).size).toBe(1);
    expect(fs.readdirSync(dir).filter((f) => f.endsWith('.json'))).toHaveLength(1);
    expect(fs.readdirSync(dir).filter((f) => f.endsWith('.tmp'))).toHaveLength(0);
    // Whichever process wrote it, every one decrypts with it.
    const ciphertext = encrypt(certificates[0].publicKeyPem, 'Ab3dEf6hIj9lMn0p999');
    for (const r of rings)
      expect((await r.decrypt(certificates[0].encryptionKey, ciphertext)).toString()).toBe(
        'Ab3dEf6hIj9lMn0p999',
      );
  });

  it('rotates daily: the old key stays valid until it expires, then is refused as expired', async () => {
    const clock = new ManualClock('2030-03-10T23:30:00Z');
    const keys = ring(clock);
    const monday = await keys.current();
    const mondayCiphertext = encrypt(monday.publicKeyPem, 'Ab3dEf6hIj9lMn0p4242424242424242');

    clock.advance(DAY); // Tuesday 23:30: a new key is handed out, Monday's still works
    const tuesday = await keys.current();
    expect(tuesday.encryptionKey).not.toBe(monday.encryptionKey);
    expect(tuesday.encryptionKey).toMatch(/^ck-20300311-/);
    expect((await keys.decrypt(monday.encryptionKey, mondayCiphertext)).toString()).toMatch(/4242$/);

    clock.set('2030-03-11T23:59:59.999Z'); // the last moment of Monday's key
    expect((await keys.decrypt(monday.encryptionKey, mondayCiphertext)).length).toBeGreaterThan(0);
    clock.set(monday.expiresAt);
    await expect(keys.decrypt(monday.encryptionKey, mondayCiphertext)).rejects.toEqual(
      new EncryptionKeyError('expired'),
    );
    // Tuesday's key is the current one and works.
    const tuesdayCiphertext = encrypt(tuesday.publicKeyPem, 'Ab3dEf6hIj9lMn0p1234');
    expect((await keys.decrypt(tuesday.encryptionKey, tuesdayCiphertext)).toString()).toMatch(/1234$/);
    // A key id from the future is no key at all.
    await expect(keys.decrypt('ck-20300320-aaaaaaaaaaaaaaaa', tuesdayCiphertext)).rejects.toEqual(
      new EncryptionKeyError('unknown'),
    );
  });

  it('deletes key files once their validity has passed', async () => {
    const clock = new ManualClock('2030-03-10T12:00:00Z');
    const keys = ring(clock);
    await keys.current();
    clock.advance(DAY);
    await keys.current();
    expect(fs.readdirSync(dir)).toHaveLength(2);
    clock.advance(3 * DAY);
    await keys.current();
    const days = fs.readdirSync(dir).map((f) => f.slice(0, 8));
    expect(days).toEqual(['20300314']);
  });
});
