import type { PartnerPaymentService } from '../../application/partner/partner-payment-service';
import type { ShippingOption } from '../../domain/ticketed-event/shipping';
import { apiRouter, op, type ApiRouter } from '../contract/api-router';
import type { ErrorSpec } from '../contract/common';
import {
  PartnerPaymentDto,
  PartnerShippingChoiceDto,
  PartnerShippingQueryDto,
} from '../dto/partner-payment.dto';
import { currentUser } from '../http/auth';
import { answerCommand, commandMetadata, pathParam } from '../http/request-context';
import { Cart } from '../schemas/partner-cart.schemas';
import { EncryptionCertificate, ShippingOptionList } from '../schemas/partner-payment.schemas';
import type { PartnerPolling } from './polling';

/** The cart as the cart calls answer it (CartService's view). */
interface CartAnswer {
  cart: object;
  position: number;
}

export interface PartnerPaymentRouteDeps {
  payments: Pick<PartnerPaymentService<CartAnswer>, 'certificate' | 'setPayment'>;
  carts: {
    /** The cart, if it is this partner's and this event's (CART_NOT_FOUND otherwise). */
    get(eventId: string, cartId: string, partnerId: string): Promise<unknown>;
    setShipping(
      eventId: string,
      cartId: string,
      partnerId: string,
      shippingId: string,
      metadata: ReturnType<typeof commandMetadata>,
    ): Promise<CartAnswer>;
  };
  /** The event's shipping options (EVENT_NOT_FOUND for an unknown event). */
  shippingOptions(eventId: string): Promise<readonly ShippingOption[]>;
  polling: PartnerPolling;
}

const CART_NOT_FOUND: ErrorSpec = {
  404: ["No such cart for this event, or another client's", ['CART_NOT_FOUND', 'EVENT_NOT_FOUND']],
};
/** What a change of an open cart can meet (the cart's own rules). */
const CART_CLOSED: ErrorSpec = {
  409: [
    'The cart is being committed or was committed, or its creation never finished (delete it)',
    ['CART_CHECKOUT_IN_PROGRESS', 'CART_COMMITTED', 'CART_NOT_CREATED'],
  ],
  410: [
    'The cart expired, was deleted, or its commit or its creation failed',
    ['CART_EXPIRED', 'CART_DELETED', 'CART_CHECKOUT_FAILED', 'CART_CREATION_FAILED'],
  ],
};
/** A cart whose creation was cut short has no seats: nothing to ship (see the cart's REQUESTED state). */
const CART_NOT_CREATED: ErrorSpec = {
  409: ['The creation of the cart never finished (delete it)', ['CART_NOT_CREATED']],
  410: ['The cart was deleted, or its creation failed', ['CART_DELETED', 'CART_CREATION_FAILED']],
};

/**
 * `/partners/v1`: the card-encryption certificate, encrypted card payment and shipping of a cart. Paths are full
 * (`/certificate`, `/events/:id/cart/...`): mount the router at the partner API's root.
 */
export function partnerPaymentRoutes(deps: PartnerPaymentRouteDeps): ApiRouter {
  const { payments, carts, polling } = deps;
  // No router-wide auth: the partner router's gate authenticates each operation (a router-wide one would answer
  // 401 for every path under /partners/v1, unknown ones included).
  const router = apiRouter({ tag: 'partner-payment', noStore: true });

  op(
    router,
    {
      method: 'get',
      path: '/certificate',
      operationId: 'partnerCertificate',
      summary: 'The public key to encrypt card fields with, and its id (`encryption_key`)',
      description:
        'Keys rotate daily; a key handed out stays valid until its `expires_at` (at least 24 hours after it was ' +
        'handed out). Encrypt each card field as base64 of RSA-OAEP with SHA-256 over a 16-character salt of ' +
        '`[A-Za-z0-9]` followed by the value.',
      responses: { 200: { description: 'The current certificate', schema: EncryptionCertificate } },
    },
    async (_req, res) => {
      const certificate = await payments.certificate();
      res.json({
        encryption_key: certificate.encryptionKey,
        public_key: certificate.publicKeyPem,
        expires_at: certificate.expiresAt.toISOString(),
      });
    },
  );

  polling.op(
    router,
    {
      method: 'put',
      path: '/events/:id/cart/payment',
      operationId: 'partnerSetCartPayment',
      summary: 'Pay for a cart with an encrypted card (the card is vaulted at once: only its token is kept)',
      description:
        '`card.encrypted_number` and `card.encrypted_cvv` are base64 of RSA-OAEP (SHA-256) with the public key of ' +
        '`GET /partners/v1/certificate`, over a 16-character salt of `[A-Za-z0-9]` followed by the digits; ' +
        '`encryption_key` names that key. Unencrypted card data is refused (400). Which of `card.holder_name`, ' +
        '`card.exp_month`, `card.exp_year` and the `billing_address` fields are required is configured per client ' +
        '(`required_payment_fields`); the number, security code and expiry always are. Test cards: ' +
        '4242424242424242 (approved), 4000000000000002 (declined at commit).',
      params: { id: 'EventId' },
      body: PartnerPaymentDto,
      invalid: 'Fields of the wrong type or size, unknown fields, or no `cart_id`',
      invalidCodes: [
        'MISSING_PAYMENT_FIELDS',
        'ENCRYPTION_KEY_UNKNOWN',
        'ENCRYPTION_KEY_EXPIRED',
        'CARD_DATA_NOT_ENCRYPTED',
        'CARD_DECRYPTION_FAILED',
        'INVALID_CARD_SALT',
        'INVALID_CARD_NUMBER',
        'INVALID_CARD_CVV',
        'CARD_EXPIRED',
      ],
      contended: true,
      responses: {
        200: { description: 'The cart with its payment (brand, last four, expiry)', schema: Cart },
      },
      errors: {
        ...CART_NOT_FOUND,
        ...CART_CLOSED,
        402: ['The payment processor refused the card', ['PAYMENT_DECLINED']],
        503: ['The payment processor cannot be reached; retry', ['PAYMENT_UNAVAILABLE']],
      },
    },
    async (req, res, { body }) => {
      const { position, cart } = await payments.setPayment(
        pathParam(req, 'id'),
        currentUser(req).sub,
        {
          cartId: body.cart_id,
          encryptionKey: body.encryption_key,
          card: body.card,
          billingAddress: body.billing_address,
        },
        commandMetadata(req),
      );
      answerCommand(res, 200, { position }, cart);
    },
  );

  op(
    router,
    {
      method: 'get',
      path: '/events/:id/cart/shipping',
      operationId: 'partnerCartShippingOptions',
      summary: "The shipping options of a cart's event (FAQ: they vary per event)",
      params: { id: 'EventId' },
      query: PartnerShippingQueryDto,
      invalid: '`cart_id` missing or malformed, or unknown query parameters',
      responses: { 200: { description: 'The options', schema: ShippingOptionList } },
      errors: { ...CART_NOT_FOUND, ...CART_NOT_CREATED },
    },
    async (req, res, { query }) => {
      const eventId = pathParam(req, 'id');
      await carts.get(eventId, query.cart_id, currentUser(req).sub);
      const options = await deps.shippingOptions(eventId);
      res.json({
        shipping_options: options.map((o) => ({
          shipping_id: o.shippingId,
          name: o.name,
          price: o.priceCents / 100,
        })),
      });
    },
  );

  polling.op(
    router,
    {
      method: 'put',
      path: '/events/:id/cart/shipping',
      operationId: 'partnerSetCartShipping',
      summary: "Choose one of the event's shipping options for a cart (its price joins the totals)",
      params: { id: 'EventId' },
      query: PartnerShippingQueryDto,
      body: PartnerShippingChoiceDto,
      invalid: '`cart_id` or `shipping_id` missing or malformed, or unknown fields',
      invalidCodes: ['UNKNOWN_SHIPPING_OPTION'],
      contended: true,
      responses: { 200: { description: 'The cart with its shipping and totals', schema: Cart } },
      errors: { ...CART_NOT_FOUND, ...CART_CLOSED },
    },
    async (req, res, { query, body }) => {
      const { position, cart } = await carts.setShipping(
        pathParam(req, 'id'),
        query.cart_id,
        currentUser(req).sub,
        body.shipping_id,
        commandMetadata(req),
      );
      answerCommand(res, 200, { position }, cart);
    },
  );
  return router;
}
