/**
 * The partner API's card-encryption key ring: partners encrypt card fields with the public key of the current
 * certificate (RSA-OAEP, SHA-256) and name the key they used (`encryption_key`). Keys rotate daily; each stays
 * valid until its `expiresAt`, so a partner holding yesterday's certificate can still pay until it expires.
 */
export interface EncryptionCertificate {
  /** The key's id, sent back with the encrypted fields. Carries no secret. */
  encryptionKey: string;
  /** SPKI PEM. */
  publicKeyPem: string;
  expiresAt: Date;
}

/** The `encryption_key` names no key of the ring (`unknown`) or one past its expiry (`expired`). */
export class EncryptionKeyError extends Error {
  constructor(readonly reason: 'unknown' | 'expired') {
    super(reason === 'unknown' ? 'No such encryption key' : 'The encryption key has expired');
    this.name = 'EncryptionKeyError';
  }
}

/**
 * The ciphertext is not a base64 RSA block of the key's size (`not_encrypted`: plain text, most likely), or it is
 * one but does not decrypt under the key with OAEP SHA-256 (`undecryptable`). Never carries the input.
 */
export class CiphertextError extends Error {
  constructor(readonly reason: 'not_encrypted' | 'undecryptable') {
    super(reason === 'not_encrypted' ? 'Not an RSA ciphertext' : 'Does not decrypt under this key');
    this.name = 'CiphertextError';
  }
}

export interface CardEncryption {
  /** The certificate handed out now (created on first use of its day; every process on the data agrees). */
  current(): Promise<EncryptionCertificate>;
  /**
   * The plaintext of a base64 RSA-OAEP (SHA-256) ciphertext made with `encryptionKey`'s public key. The caller
   * owns the buffer and should wipe it (`fill(0)`) once read. Throws EncryptionKeyError or CiphertextError.
   */
  decrypt(encryptionKey: string, ciphertextBase64: string): Promise<Buffer>;
}

export const CARD_ENCRYPTION = Symbol.for('CardEncryption');
