import crypto from 'node:crypto';
import type { ApiCall } from './http';

/** A salt from the FAQ's characters ([A-Za-z0-9]), 16 of them. */
export function randomSalt(): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
  let salt = '';
  for (let i = 0; i < 16; i += 1) salt += alphabet[crypto.randomInt(alphabet.length)];
  return salt;
}

/** What a partner does with the certificate: base64 of RSA-OAEP (SHA-256) over the salt followed by the value. */
export function encryptCardField(publicKeyPem: string, value: string, salt = randomSalt()): string {
  return crypto
    .publicEncrypt(
      { key: publicKeyPem, padding: crypto.constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha256' },
      Buffer.from(salt + value),
    )
    .toString('base64');
}

export interface Certificate {
  encryption_key: string;
  public_key: string;
  expires_at: string;
}

export async function fetchCertificate(call: ApiCall, token: string): Promise<Certificate> {
  const res = await call('GET', '/partners/v1/certificate', { token });
  if (res.status !== 200) throw new Error(`certificate: ${res.status} ${res.text}`);
  return res.body as Certificate;
}

/** The body of PUT /partners/v1/events/{id}/cart/payment for a test card, encrypted as a partner would. */
export function encryptedPayment(
  certificate: Certificate,
  cartId: string,
  card: { number?: string; cvv?: string; salt?: string } = {},
): Record<string, unknown> {
  return {
    cart_id: cartId,
    encryption_key: certificate.encryption_key,
    card: {
      encrypted_number: encryptCardField(
        certificate.public_key,
        card.number ?? '4242424242424242',
        card.salt,
      ),
      encrypted_cvv: encryptCardField(certificate.public_key, card.cvv ?? '123', card.salt),
      exp_month: 12,
      exp_year: 2035,
      holder_name: 'Pat Partner',
    },
    billing_address: { line1: '1 Main St', city: 'Springfield', postal_code: '62701', country: 'US' },
  };
}
