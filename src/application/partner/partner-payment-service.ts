import { DEFAULT_REQUIRED_PAYMENT_FIELDS } from '../../domain/partner/events';
import { checkCardNumber, checkCvv, checkNotExpired, unsalt } from '../../domain/payment/encrypted-card';
import { DomainError, fail } from '../../domain/shared/errors';
import {
  CiphertextError,
  EncryptionKeyError,
  type CardEncryption,
  type EncryptionCertificate,
} from '../ports/card-encryption';
import type { Clock } from '../ports/clock';
import {
  PaymentDeclinedError,
  PaymentGatewayUnavailableError,
  type PaymentGateway,
} from '../ports/payment-gateway';
import type { CommandMetadata } from '../shared/command-metadata';
import type { CartView } from './cart-view';

/**
 * Encrypted card payment for partner carts: decrypts the card fields with the key ring, checks them, turns the card
 * into a gateway token at once and hands the cart only the token, brand, last four digits and expiry.
 *
 * The decrypted number and security code live in this function's locals and the gateway call only: they are not
 * recorded (events, idempotency records), logged or quoted in errors. The plaintext buffers are wiped after use;
 * the value strings cannot be wiped (JavaScript strings are immutable) and go when the garbage collector takes them.
 */

/** What every card payment needs whatever the partner's configuration: the card cannot be charged without it. */
export const ALWAYS_REQUIRED_PAYMENT_FIELDS = [
  'encryption_key',
  'card.encrypted_number',
  'card.encrypted_cvv',
  'card.exp_month',
  'card.exp_year',
] as const;

export interface PartnerBillingAddress {
  line1?: string;
  line2?: string;
  city?: string;
  state?: string;
  postal_code?: string;
  country?: string;
}

/** The request as the API received it (field names of the partner API). */
export interface EncryptedCardPayment {
  cartId: string;
  encryptionKey?: string;
  card?: {
    encrypted_number?: string;
    encrypted_cvv?: string;
    exp_month?: number;
    exp_year?: number;
    holder_name?: string;
  };
  billingAddress?: PartnerBillingAddress;
}

/** What the cart records: card facts only (P2's SetCartPayment). */
export interface TokenizedCardPayment {
  cardToken: string;
  last4: string;
  brand: string;
  expMonth: number;
  expYear: number;
  holderName: string;
  billingAddress: Record<string, string> | null;
}

/** The cart side (CartService.setPayment). */
export type SetCartPayment<Result> = (
  eventId: string,
  cartId: string,
  partnerId: string,
  payment: TokenizedCardPayment,
  metadata: CommandMetadata,
) => Promise<Result>;

/** The partner client's `required_payment_fields`, or undefined for the default. */
export type RequiredPaymentFieldsLookup = (partnerId: string) => Promise<readonly string[] | undefined>;

export class PartnerPaymentService<Result> {
  constructor(
    private readonly deps: {
      encryption: CardEncryption;
      gateway: Pick<PaymentGateway, 'tokenizeCard'>;
      clock: Clock;
      setCartPayment: SetCartPayment<Result>;
      requiredFields?: RequiredPaymentFieldsLookup;
    },
  ) {}

  certificate(): Promise<EncryptionCertificate> {
    return this.deps.encryption.current();
  }

  /**
   * MISSING_PAYMENT_FIELDS (400, details.fields) first, then ENCRYPTION_KEY_UNKNOWN / ENCRYPTION_KEY_EXPIRED,
   * CARD_DATA_NOT_ENCRYPTED / CARD_DECRYPTION_FAILED, INVALID_CARD_SALT, INVALID_CARD_NUMBER, INVALID_CARD_CVV,
   * CARD_EXPIRED; PAYMENT_DECLINED (402) when the gateway refuses the card, PAYMENT_UNAVAILABLE (503); then
   * whatever the cart answers.
   */
  async setPayment(
    eventId: string,
    partnerId: string,
    input: EncryptedCardPayment,
    metadata: CommandMetadata,
  ): Promise<Result> {
    const required = await this.requiredFields(partnerId);
    const missing = required.filter((field) => isMissing(input, field));
    if (missing.length > 0)
      fail('MISSING_PAYMENT_FIELDS', `Required payment fields are missing: ${missing.join(', ')}`, {
        fields: missing,
      });
    const card = input.card!;
    const expMonth = card.exp_month!;
    const expYear = card.exp_year!;
    checkNotExpired(expMonth, expYear, this.deps.clock.now());

    const number = checkCardNumber(
      await this.decryptField(input.encryptionKey!, card.encrypted_number!, 'card.encrypted_number'),
    );
    const cvv = checkCvv(
      await this.decryptField(input.encryptionKey!, card.encrypted_cvv!, 'card.encrypted_cvv'),
      number,
    );
    const token = await this.tokenize({ number, cvv, expMonth, expYear });
    return this.deps.setCartPayment(
      eventId,
      input.cartId,
      partnerId,
      {
        cardToken: token.cardToken,
        last4: token.last4,
        brand: token.brand,
        expMonth,
        expYear,
        holderName: card.holder_name ?? '',
        billingAddress: billingAddress(input.billingAddress),
      },
      metadata,
    );
  }

  private async requiredFields(partnerId: string): Promise<string[]> {
    // The client's own configuration (PAYMENT_FIELDS, domain/partner), else the default set.
    const configured = (await this.deps.requiredFields?.(partnerId)) ?? DEFAULT_REQUIRED_PAYMENT_FIELDS;
    return [...new Set<string>([...ALWAYS_REQUIRED_PAYMENT_FIELDS, ...configured])];
  }

  private async decryptField(encryptionKey: string, ciphertext: string, field: string): Promise<string> {
    let plaintext: Buffer;
    try {
      plaintext = await this.deps.encryption.decrypt(encryptionKey, ciphertext);
    } catch (error) {
      if (error instanceof EncryptionKeyError) {
        if (error.reason === 'expired')
          fail(
            'ENCRYPTION_KEY_EXPIRED',
            'This encryption_key has expired: fetch GET /partners/v1/certificate and encrypt again',
            { field: 'encryption_key' },
          );
        fail('ENCRYPTION_KEY_UNKNOWN', 'encryption_key names no key of GET /partners/v1/certificate', {
          field: 'encryption_key',
        });
      }
      if (error instanceof CiphertextError) {
        if (error.reason === 'not_encrypted')
          fail(
            'CARD_DATA_NOT_ENCRYPTED',
            `${field} must be encrypted: base64 of RSA-OAEP (SHA-256) with the certificate's public key`,
            { field },
          );
        fail(
          'CARD_DECRYPTION_FAILED',
          `${field} does not decrypt with this encryption_key (RSA-OAEP, SHA-256)`,
          {
            field,
          },
        );
      }
      throw error;
    }
    try {
      return unsalt(plaintext, field);
    } finally {
      plaintext.fill(0);
    }
  }

  private async tokenize(card: { number: string; cvv: string; expMonth: number; expYear: number }) {
    try {
      return await this.deps.gateway.tokenizeCard(card);
    } catch (error) {
      // The gateway's own words are not repeated: an adapter's message might quote what it was sent.
      if (error instanceof PaymentDeclinedError)
        throw new DomainError('PAYMENT_DECLINED', 'The card was refused by the payment processor', {
          reason: error.reason,
        });
      if (error instanceof PaymentGatewayUnavailableError)
        throw new DomainError(
          'PAYMENT_UNAVAILABLE',
          'The payment processor cannot be reached; try again shortly',
        );
      // The original error may quote the card: it is neither passed on nor attached as the cause (which a logger
      // would print).
      // eslint-disable-next-line preserve-caught-error
      throw new Error('Card tokenization failed');
    }
  }
}

function isMissing(input: EncryptedCardPayment, field: string): boolean {
  const [group, name] = field.split('.') as [string, string | undefined];
  const holder: unknown =
    group === 'card' ? input.card : group === 'billing_address' ? input.billingAddress : undefined;
  if (name === undefined) {
    if (field === 'encryption_key') return blank(input.encryptionKey);
    return true; // a field this code does not know cannot be sent: say so rather than accept silently
  }
  if (holder === undefined || holder === null) return true;
  return blank((holder as Record<string, unknown>)[name]);
}

function blank(value: unknown): boolean {
  return value === undefined || value === null || (typeof value === 'string' && value.trim() === '');
}

function billingAddress(address: PartnerBillingAddress | undefined): Record<string, string> | null {
  if (!address) return null;
  const kept = Object.entries(address).filter(
    (entry): entry is [string, string] => typeof entry[1] === 'string' && entry[1].trim() !== '',
  );
  return kept.length > 0 ? Object.fromEntries(kept) : null;
}

/** The service as the application wires it: CartService's answer is what a payment answers. */
export type PartnerPayments = PartnerPaymentService<{ cart: CartView; position: number }>;
