import { Router, type RequestHandler } from 'express';
import type { PaymentMethodService } from '../../application/payments/payment-method-service';
import { AddPaymentMethodDto } from '../dto/payment-method.dto';
import { currentUser, requireAuth } from '../http/auth';
import { commandMetadata, pathParam, setLogPosition } from '../http/request-context';
import { validateInput } from '../http/validation';

export interface PaymentMethodRouteDeps {
  paymentMethods: PaymentMethodService;
  /** Idempotency-Key support for POST (optional: without it a retried POST saves the card twice). */
  idempotent?: RequestHandler;
}

/** The caller's saved cards; mounted at /v1/payment-methods. Every route acts on the token's own account only. */
export function paymentMethodRoutes({ paymentMethods, idempotent }: PaymentMethodRouteDeps): Router {
  const router = Router();
  router.use(requireAuth);
  const keyed: RequestHandler[] = idempotent ? [idempotent] : [];

  router.post('/', ...keyed, async (req, res) => {
    const dto = validateInput(AddPaymentMethodDto, req.body);
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
  });

  router.get('/', async (req, res) => {
    res.set('Cache-Control', 'no-store');
    res.json({ payment_methods: await paymentMethods.list(currentUser(req).sub) });
  });

  router.delete('/:id', async (req, res) => {
    const { position } = await paymentMethods.remove(
      currentUser(req).sub,
      pathParam(req, 'id'),
      commandMetadata(req),
    );
    setLogPosition(res, position);
    res.status(204).end();
  });

  return router;
}
