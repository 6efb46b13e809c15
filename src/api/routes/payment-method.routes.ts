import type { RequestHandler } from 'express';
import type { PaymentMethodService } from '../../application/payments/payment-method-service';
import { apiRouter, op, passThrough, type ApiRouter } from '../contract/api-router';
import { AddPaymentMethodDto } from '../dto/payment-method.dto';
import { currentUser } from '../http/auth';
import { answerCommand, commandMetadata, pathParam, setLogPosition } from '../http/request-context';
import { PaymentMethod, PaymentMethodList } from '../schemas/payment-method.schemas';

export interface PaymentMethodRouteDeps {
  paymentMethods: PaymentMethodService;
  /** Idempotency-Key support for POST (optional: without it a retried POST saves the card twice). */
  idempotent?: RequestHandler;
}

/** The caller's saved cards; mounted at /v1/payment-methods. Every route acts on the token's own account only. */
export function paymentMethodRoutes({
  paymentMethods,
  idempotent = passThrough,
}: PaymentMethodRouteDeps): ApiRouter {
  const router = apiRouter({ tag: 'payment-methods', auth: 'bearer', noStore: true, idempotent });

  op(
    router,
    {
      method: 'post',
      path: '/',
      operationId: 'addPaymentMethod',
      summary: "Save a card (as a gateway token) to the caller's account",
      description:
        'Cards are accepted only as payment tokens (`tok_...`); a card number or CVC anywhere in the body is 400 ' +
        '`RAW_CARD_DATA_REJECTED` and is never stored or logged. With an `Idempotency-Key`, retries answer the first result.',
      idempotent: true,
      body: AddPaymentMethodDto,
      invalid: 'Missing or unknown fields, a `card_token` that is not a token, too many saved cards',
      invalidCodes: ['INVALID_PAYMENT_METHOD'],
      responses: { 201: { description: 'The saved payment method', schema: PaymentMethod } },
      errors: {
        404: ['The token belongs to no registered account', ['NOT_FOUND']],
        503: ['The payment provider is unavailable; retry shortly', ['PAYMENT_UNAVAILABLE']],
      },
    },
    async (req, res, { body: dto }) => {
      const { position, ...method } = await paymentMethods.add(
        currentUser(req).sub,
        {
          type: dto.type,
          card_token: dto.card_token,
          billing_address: dto.billing_address && { ...dto.billing_address },
          make_default: dto.make_default,
        },
        commandMetadata(req),
      );
      setLogPosition(res, position);
      res.status(201).json(method);
    },
  );

  op(
    router,
    {
      method: 'get',
      path: '/',
      operationId: 'listPaymentMethods',
      summary: "The caller's saved payment methods, oldest first",
      responses: { 200: { description: 'Saved payment methods', schema: PaymentMethodList } },
    },
    async (req, res) => {
      res.json({ payment_methods: await paymentMethods.list(currentUser(req).sub) });
    },
  );

  op(
    router,
    {
      method: 'delete',
      path: '/:id',
      operationId: 'removePaymentMethod',
      summary: "Remove one of the caller's saved payment methods",
      params: { id: 'PaymentMethodId' },
      responses: { 204: { description: 'Removed' } },
      errors: { 404: ["No such payment method, or someone else's", ['PAYMENT_METHOD_NOT_FOUND']] },
    },
    async (req, res) => {
      const user = currentUser(req).sub;
      answerCommand(res, 204, await paymentMethods.remove(user, pathParam(req, 'id'), commandMetadata(req)));
    },
  );
  return router;
}
