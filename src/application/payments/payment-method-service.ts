import type { BillingAddress, CustomerState, PaymentMethodState } from '../../domain/customer/customer';
import { DomainError } from '../../domain/shared/errors';
import type { CustomerProcessor } from '../customer/customer-processors';
import type { IdGenerator } from '../ports/id-generator';
import {
  PaymentDeclinedError,
  PaymentGatewayUnavailableError,
  type CardDetails,
  type PaymentGateway,
} from '../ports/payment-gateway';
import type { CommandMetadata } from '../shared/command-metadata';

/** What a client sends to save a card (the API's field names). */
export interface NewPaymentMethod {
  type: 'CARD';
  card_token: string;
  billing_address?: {
    street?: string;
    city?: string;
    state?: string;
    postal_code?: string;
    country?: string;
  };
  make_default?: boolean;
}

/** A payment method as the API shows it: never the token. */
export interface PaymentMethodView {
  payment_method_id: string;
  type: 'CARD';
  card_last_four: string;
  card_brand: string;
  /** MM/YYYY */
  expiry: string;
  is_default: boolean;
}

/** A payment method as other services use it (orders charge its token). */
export type PaymentMethod = PaymentMethodState;

/**
 * Saved payment methods, kept on the customer aggregate (`customer-{userId}`). Cards arrive as gateway tokens only;
 * the gateway describes the token (brand, last four, expiry) before anything is recorded.
 *
 * Reads come from the aggregate, not a read model, so a method can be used the moment it is added. Writes go
 * through the one customer processor (shared with AccountService); reads ask it for the stream's current state,
 * since another process may have appended since it was cached.
 */
export class PaymentMethodService {
  constructor(
    private readonly customers: CustomerProcessor,
    private readonly gateway: PaymentGateway,
    private readonly ids: IdGenerator,
  ) {}

  /**
   * Saves a card. INVALID_PAYMENT_METHOD (400) when the gateway does not know the token, PAYMENT_UNAVAILABLE (503)
   * when it cannot be reached, NOT_FOUND when the account does not exist.
   */
  async add(
    userId: string,
    input: NewPaymentMethod,
    metadata: CommandMetadata,
  ): Promise<PaymentMethodView & { position: number }> {
    if (input.type !== 'CARD')
      throw new DomainError('INVALID_PAYMENT_METHOD', 'Only CARD payment methods are supported');
    const card = await this.describe(input.card_token);
    const paymentMethodId = this.ids.uuid();
    const outcome = await this.customers.execute(
      userId,
      {
        type: 'AddPaymentMethod',
        paymentMethodId,
        cardToken: input.card_token,
        brand: card.brand,
        last4: card.last4,
        expMonth: card.expMonth,
        expYear: card.expYear,
        billingAddress: toBillingAddress(input.billing_address),
        makeDefault: input.make_default === true,
      },
      metadata,
    );
    const added = outcome.events.find((e) => e.type === 'PaymentMethodAdded');
    if (added?.type !== 'PaymentMethodAdded')
      throw new Error('AddPaymentMethod recorded no PaymentMethodAdded');
    return { ...toView(added.data), position: outcome.position };
  }

  /** The account's payment methods, oldest first (empty for an unknown account). */
  async list(userId: string): Promise<PaymentMethodView[]> {
    const state = await this.current(userId);
    return state.exists ? [...state.paymentMethods.values()].map(toView) : [];
  }

  /** One of the account's payment methods (undefined when it is not theirs or does not exist). */
  async find(userId: string, paymentMethodId: string): Promise<PaymentMethod | undefined> {
    const state = await this.current(userId);
    const method = state.exists ? state.paymentMethods.get(paymentMethodId) : undefined;
    return method
      ? { ...method, ...(method.billingAddress ? { billingAddress: { ...method.billingAddress } } : {}) }
      : undefined;
  }

  /** Removes one of the account's payment methods; PAYMENT_METHOD_NOT_FOUND (404) when it is not theirs. */
  async remove(
    userId: string,
    paymentMethodId: string,
    metadata: CommandMetadata,
  ): Promise<{ position: number }> {
    const outcome = await this.customers.execute(
      userId,
      { type: 'RemovePaymentMethod', paymentMethodId },
      metadata,
    );
    return { position: outcome.position };
  }

  private async describe(cardToken: string): Promise<CardDetails> {
    try {
      return await this.gateway.describeToken(cardToken);
    } catch (error) {
      if (error instanceof PaymentDeclinedError) {
        throw new DomainError('INVALID_PAYMENT_METHOD', `Invalid payment method: ${error.message}`, {
          reason: error.reason,
        });
      }
      if (error instanceof PaymentGatewayUnavailableError) {
        throw new DomainError(
          'PAYMENT_UNAVAILABLE',
          'The payment provider is unavailable; try again shortly',
        );
      }
      throw error;
    }
  }

  private async current(userId: string): Promise<CustomerState> {
    return (await this.customers.readFresh(userId)).state;
  }
}

function toView(method: PaymentMethodState): PaymentMethodView {
  return {
    payment_method_id: method.paymentMethodId,
    type: method.type,
    card_last_four: method.last4,
    card_brand: method.brand,
    expiry: `${String(method.expMonth).padStart(2, '0')}/${method.expYear}`,
    is_default: method.isDefault,
  };
}

function toBillingAddress(input: NewPaymentMethod['billing_address']): BillingAddress | undefined {
  if (!input) return undefined;
  const address: BillingAddress = {};
  if (input.street !== undefined) address.street = input.street;
  if (input.city !== undefined) address.city = input.city;
  if (input.state !== undefined) address.state = input.state;
  if (input.postal_code !== undefined) address.postalCode = input.postal_code;
  if (input.country !== undefined) address.country = input.country;
  return address;
}
