/**
 * The payment gateway port (Stripe-like). Every call takes an idempotency key: the same key always yields the
 * same result, so sagas can retry after a crash without charging twice.
 */
export interface CardDetails {
  brand: string;
  last4: string;
  expMonth: number;
  expYear: number;
}

export interface Authorization {
  authorizationId: string;
  amountCents: number;
}

export interface Capture {
  captureId: string;
  amountCents: number;
}

export interface Refund {
  refundId: string;
  amountCents: number;
}

/** The issuer said no (card declined, insufficient funds...): final for this payment method. */
export class PaymentDeclinedError extends Error {
  constructor(
    readonly reason:
      | 'card_declined'
      | 'insufficient_funds'
      | 'expired_card'
      | 'processing_error'
      | 'authorization_expired'
      /** The gateway does not know the token (no card behind it): not a decline of a card. */
      | 'unknown_card_token',
    message: string,
  ) {
    super(message);
    this.name = 'PaymentDeclinedError';
  }
}

/** The gateway could not be reached or failed: retry later with the same idempotency key. */
export class PaymentGatewayUnavailableError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PaymentGatewayUnavailableError';
  }
}

/** A card as the partner API decrypts it: handed straight to the gateway's vault, never kept or logged by us. */
export interface RawCard {
  number: string;
  cvv: string;
  expMonth: number;
  expYear: number;
}

export interface PaymentGateway {
  /** Card facts for a client-side token (never a card number): throws PaymentDeclinedError for unusable tokens. */
  describeToken(cardToken: string): Promise<CardDetails>;
  /**
   * Vaults a card and answers a token for it (what a processor's tokenization endpoint does), with the facts we may
   * keep: brand, last four digits, expiry. Throws PaymentDeclinedError when the processor refuses the card, and
   * PaymentGatewayUnavailableError when it cannot be reached. Neither error may quote the number or the code.
   */
  tokenizeCard(card: RawCard): Promise<CardDetails & { cardToken: string }>;
  authorize(request: {
    cardToken: string;
    amountCents: number;
    currency: string;
    idempotencyKey: string;
  }): Promise<Authorization>;
  capture(request: {
    authorizationId: string;
    amountCents: number;
    idempotencyKey: string;
  }): Promise<Capture>;
  /** Releases an authorization that will not be captured. Voiding twice is fine. */
  voidAuthorization(request: { authorizationId: string; idempotencyKey: string }): Promise<void>;
  refund(request: { captureId: string; amountCents: number; idempotencyKey: string }): Promise<Refund>;
}

export const PAYMENT_GATEWAY = Symbol.for('PaymentGateway');
