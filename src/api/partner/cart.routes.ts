import type { Request, RequestHandler } from 'express';
import { v4 as uuidv4 } from 'uuid';
import type { CartService } from '../../application/partner/cart-service';
import { apiRouter, op, type ApiRouter } from '../contract/api-router';
import type { ErrorSpec } from '../contract/common';
import { CartIdQueryDto, CommitCartDto, CreateCartDto } from '../dto/partner-cart.dto';
import { ApiError } from '../http/api-error';
import { currentUser } from '../http/auth';
import { validateInput } from '../http/validation';
import { answerCommand, commandMetadata, pathParam } from '../http/request-context';
import { Cart, CommittedCart, PartnerOrder } from '../schemas/partner-cart.schemas';
import type { PartnerPolling } from './polling';
import { CART_ROUTE } from './partner-access';

export interface CartRouteDeps {
  carts: CartService;
  /** P3's 202 polling: cart commands declared through it may answer 202 under load. */
  polling?: PartnerPolling;
  /** Idempotency-Key on cart creation (the idempotency store, scoped per partner). */
  idempotent?: RequestHandler;
}

/** The FAQ's message for a commit sent with the wrong method or body ("Commit Cart"). */
export const INVALID_RESERVE_REQUEST = 'Invalid reserve request data structure';

function invalidReserve(reason: string, details: Record<string, unknown> = {}): ApiError {
  return new ApiError(400, 'INVALID_RESERVE_REQUEST', INVALID_RESERVE_REQUEST, { reason, ...details });
}

/**
 * FAQ: "Invalid reserve request data structure is returned if the request body is not valid or the method
 * specified is not correct". Every request on the cart path the API cannot read (a body that is not valid JSON,
 * repeats a key or is not JSON at all, fields its DTO refuses, a query where none is taken) is answered 400 with
 * that message; its own code (INVALID_JSON, UNSUPPORTED_MEDIA_TYPE, VALIDATION_ERROR) and details stay, and
 * `details.reason` says what was wrong. Card data stays RAW_CARD_DATA_REJECTED (refused before any operation).
 */
export function asInvalidReserve(error: ApiError): ApiError {
  if ((error.status !== 400 && error.status !== 415) || error.code === 'RAW_CARD_DATA_REJECTED') return error;
  if (error.message === INVALID_RESERVE_REQUEST) return error;
  return new ApiError(400, error.code, INVALID_RESERVE_REQUEST, { ...error.details, reason: error.message });
}

/** The codes a malformed request on the cart path keeps (asInvalidReserve), besides INVALID_RESERVE_REQUEST. */
const MALFORMED_CODES = ['INVALID_RESERVE_REQUEST', 'INVALID_JSON', 'UNSUPPORTED_MEDIA_TYPE'];
const MALFORMED_NOTE =
  'Every malformed request on this path (a body that is not JSON or not valid JSON, a repeated key, fields ' +
  'refused here) is 400 with the message `Invalid reserve request data structure`, its own code and ' +
  '`details.reason`';

const hasCartId = (body: unknown) =>
  typeof body === 'object' && body !== null && !Array.isArray(body) && 'cart_id' in body;

/**
 * A commit is `PUT` with exactly `{cart_id}` (a cart id this API gave out) and nothing in the query. Anything else
 * on that path is answered with the FAQ's error, before the generic body validation could answer it otherwise.
 */
const commitStructure: RequestHandler = (req, _res, next) => {
  if (Object.keys(req.query).length > 0)
    return next(invalidReserve('The commit takes its cart_id in the body, not the query string'));
  try {
    validateInput(CommitCartDto, req.body ?? {});
  } catch (error) {
    if (error instanceof ApiError)
      return next(invalidReserve('The body must be exactly {"cart_id": "<cart id>"}', error.details));
    return next(error);
  }
  next();
};

/** A POST that names a cart is a commit sent with the wrong method (POST creates a cart; PUT commits one). */
const notACommit: RequestHandler = (req, _res, next) =>
  next(
    hasCartId(req.body)
      ? invalidReserve('Commit a cart with PUT; POST creates a new cart and takes no cart_id')
      : undefined,
  );

/** PATCH and GET have no meaning on a cart path: a commit (or a reserve) sent with the wrong method. */
const wrongMethod: RequestHandler = (req, _res, next) =>
  next(
    invalidReserve(
      `${req.method} is not a cart operation: POST reserves, PUT {"cart_id"} commits, DELETE ?cart_id= deletes`,
    ),
  );

const partnerOf = (req: Request) => currentUser(req).sub;

/**
 * The id of the cart a creation makes, named before the command runs (CartService.create takes it): an answer
 * lost in a crash can still tell the partner which cart it was, to delete it.
 */
const newCartIds = new WeakMap<Request, string>();
const nameTheCart: RequestHandler = (req, _res, next) => {
  newCartIds.set(req, uuidv4());
  next();
};
const newCartIdOf = (req: Request) => newCartIds.get(req)!;

const cartGone: ErrorSpec = {
  404: ["No such cart at this event, or another partner's", ['CART_NOT_FOUND']],
};

/**
 * Partner carts, scoped by event as in Ticketmaster's Partner API: POST creates (best available seats), PUT
 * commits, DELETE deletes; GET and PATCH, and a POST that carries a `cart_id`, are requests with the wrong method
 * (400 `Invalid reserve request data structure`, the FAQ's answer, where the rest of the API answers an unknown
 * method with 404 ROUTE_NOT_FOUND), and so is every malformed request on the path (asInvalidReserve).
 * Payment and shipping are P3's routes (payment.routes.ts). Mounted under /partners/v1.
 */
export function cartRoutes({ carts, polling, idempotent }: CartRouteDeps): ApiRouter {
  // No router-wide auth here: the partner router (partner-router.ts) checks the client and its quota for each
  // declared operation, and `currentUser(req).sub` is the partner's id.
  const router = apiRouter({ tag: 'partner carts', noStore: true, idempotent });
  // Cart commands may be answered by polling under load (P3); without it they answer directly.
  const command = <B extends object, Q extends object>(
    r: ApiRouter,
    spec: Parameters<typeof op<B, Q>>[1],
    handler: Parameters<typeof op<B, Q>>[2],
    options?: Parameters<PartnerPolling['op']>[3],
  ) => (polling ? polling.op(r, spec, handler, options) : op(r, spec, handler));

  command(
    router,
    {
      method: 'post',
      path: CART_ROUTE,
      operationId: 'createPartnerCart',
      summary: 'Reserve the best available seats for a quantity in a price level or section',
      description:
        'Give `tier_id` or `section_id` (not both) and `quantity`. The seats are chosen and held in one decision on ' +
        "the event's stream, so a cart and a fan's reservation never share a seat: together in one row when possible " +
        '(lowest section, front rows first, lowest seat numbers), otherwise split in as few pieces as possible. With ' +
        "the event's restrict-single-seat rule no empty seat is left alone. The cart lasts `hold_time` seconds " +
        '(PARTNER_HOLD_SECONDS, default HOLD_SECONDS); after that it can no longer be committed and its seats are ' +
        'free again. Events that require a captcha take the solved challenge in `altcha`.',
      idempotent: idempotent !== undefined,
      contended: true,
      params: { id: 'EventId' },
      body: CreateCartDto,
      middleware: [notACommit, nameTheCart],
      malformed: asInvalidReserve,
      invalid:
        'Missing or unknown fields, both or neither of `tier_id` and `section_id`, a quantity outside 1-100; or a ' +
        '`cart_id` in the body (`INVALID_RESERVE_REQUEST`: commit with PUT); or the event requires a captcha and ' +
        `\`altcha\` is missing, wrong, expired or used before (\`CAPTCHA_FAILED\`). ${MALFORMED_NOTE}`,
      invalidCodes: [...MALFORMED_CODES, 'CAPTCHA_FAILED'],
      responses: { 201: { description: 'The cart with its seats and totals', schema: Cart } },
      errors: {
        403: [
          'The event has a waiting room: it sells only through /v1/queue, never through partner carts',
          ['QUEUE_REQUIRED'],
        ],
        404: [
          'No such event for partners (unpublished or not internet-enabled), no such price level or section, or ' +
            'nothing left in it (`NO_INVENTORY`, message "No inventory found")',
          ['EVENT_NOT_FOUND', 'TIER_NOT_FOUND', 'SECTION_NOT_FOUND', 'NO_INVENTORY'],
        ],
        409: [
          'Fewer seats available than requested (`details.available`, `details.requested`); nothing is held',
          ['NOT_ENOUGH_INVENTORY'],
        ],
        410: [
          'The event was cancelled; or the cart was deleted, or its creation failed, while its seats were being held',
          ['SEATS_GONE', 'CART_DELETED', 'CART_CREATION_FAILED'],
        ],
        422: [
          'More than the event allows per order, the sale not open yet (or over: `details.opens_at`), or no choice ' +
            'of that many seats that leaves no single seat alone (restrict single seat)',
          ['PURCHASE_LIMIT_EXCEEDED', 'SALE_NOT_OPEN', 'SINGLE_SEAT_GAP'],
        ],
      },
    },
    async (req, res, { body }) => {
      if ((body.tier_id === undefined) === (body.section_id === undefined))
        throw asInvalidReserve(
          new ApiError(400, 'VALIDATION_ERROR', 'Give tier_id or section_id (one of them)', {
            fields: [{ field: 'tier_id', errors: ['give tier_id or section_id, not both and not neither'] }],
          }),
        );
      const scope = body.tier_id !== undefined ? { tierId: body.tier_id } : { sectionId: body.section_id! };
      const { cart, position } = await carts.create(
        pathParam(req, 'id'),
        partnerOf(req),
        { scope, quantity: body.quantity, altcha: body.altcha, cartId: newCartIdOf(req) },
        commandMetadata(req),
      );
      answerCommand(res, 201, { position }, cart);
    },
    {
      lost: (req, eventId) => ({
        // At most 200 characters: error messages are cut there.
        message:
          'The server restarted while this cart was being created: its answer is lost. DELETE ' +
          '.../cart?cart_id= (details.cart_id) releases any seats it holds; then create another cart',
        details: { cart_id: newCartIdOf(req), event_id: eventId },
      }),
    },
  );

  command(
    router,
    {
      method: 'put',
      path: CART_ROUTE,
      operationId: 'commitPartnerCart',
      summary: 'Commit a cart: its order is placed and paid with the cart’s card',
      description:
        'Body: exactly `{"cart_id"}`. The order goes through the same path and sagas as a fan’s: the card set with ' +
        'PUT .../cart/payment is authorized now (402 when declined: the seats are released), captured, and the ' +
        'tickets issued; poll GET /partners/v1/orders/{order_id} until `CONFIRMED`. Needs the payment, and a ' +
        'shipping choice when the event offers more than one option or a paid one (otherwise its free option ' +
        'applies). From the moment the commit starts the cart no longer changes. Committing again answers the same ' +
        'order (201, same body). A body other than `{cart_id}`, or a query string, is 400 `Invalid reserve request ' +
        'data structure`, as are PATCH and a POST with a cart_id.',
      contended: true,
      params: { id: 'EventId' },
      body: CommitCartDto,
      middleware: [commitStructure],
      malformed: asInvalidReserve,
      invalid: `A body that is not exactly \`{cart_id}\` is \`INVALID_RESERVE_REQUEST\`. ${MALFORMED_NOTE}`,
      invalidCodes: MALFORMED_CODES,
      responses: { 201: { description: 'The order', schema: CommittedCart } },
      errors: {
        402: [
          'The card was declined (`details.reason`); the cart is closed and its seats released',
          ['PAYMENT_DECLINED'],
        ],
        404: [
          "No such cart at this event, or another partner's; or the event is gone",
          ['CART_NOT_FOUND', 'EVENT_NOT_FOUND'],
        ],
        409: [
          'The cart lacks its payment or shipping choice (`details.missing`), was settled otherwise meanwhile, or ' +
            'its creation never finished (delete it)',
          ['CART_INCOMPLETE', 'CART_NOT_CHECKING_OUT', 'CART_NOT_CREATED'],
        ],
        410: [
          'The cart expired (its hold time ran out), was deleted, or an earlier commit (or its creation) failed ' +
            '(its seats were released); or the event was cancelled (`SEATS_GONE`: the cart is closed)',
          ['CART_EXPIRED', 'CART_DELETED', 'CART_CHECKOUT_FAILED', 'CART_CREATION_FAILED', 'SEATS_GONE'],
        ],
        422: [
          'The event has started: the sale is closed (`details.event_date`), and so is the cart',
          ['SALE_NOT_OPEN'],
        ],
        503: [
          'The payment provider is unavailable; commit again shortly (the same order)',
          ['PAYMENT_UNAVAILABLE'],
        ],
      },
    },
    async (req, res, { body }) => {
      const { order, position } = await carts.commit(
        pathParam(req, 'id'),
        body.cart_id,
        partnerOf(req),
        commandMetadata(req),
      );
      answerCommand(res, 201, { position }, order);
    },
  );

  op(
    router,
    {
      method: 'patch',
      path: CART_ROUTE,
      operationId: 'patchPartnerCart',
      summary: 'Not an operation: a cart is committed with PUT',
      description:
        'Always 400 `Invalid reserve request data structure` (FAQ "Commit Cart"), whatever the body.',
      extensions: { 'x-always-refused': 'a commit sent with the wrong method (use PUT)' },
      params: { id: 'EventId' },
      middleware: [wrongMethod],
      malformed: asInvalidReserve,
      invalid: 'Always: the method is wrong (`INVALID_RESERVE_REQUEST`)',
      invalidCodes: MALFORMED_CODES,
      responses: {},
    },
    () => {
      throw invalidReserve('Commit a cart with PUT');
    },
  );

  op(
    router,
    {
      method: 'get',
      path: CART_ROUTE,
      operationId: 'getPartnerCartPath',
      summary: 'Not an operation: there is no cart to read here (POST reserves, PUT commits, DELETE deletes)',
      description:
        'Always 400 `Invalid reserve request data structure` (FAQ: the method specified is not correct). The ' +
        'rest of the API answers an undeclared method with 404 `ROUTE_NOT_FOUND`; the cart path follows the FAQ.',
      extensions: { 'x-always-refused': 'a cart request sent with the wrong method' },
      params: { id: 'EventId' },
      middleware: [wrongMethod],
      malformed: asInvalidReserve,
      invalid: 'Always: the method is wrong (`INVALID_RESERVE_REQUEST`)',
      invalidCodes: MALFORMED_CODES,
      responses: {},
    },
    () => {
      throw invalidReserve('There is no GET on a cart');
    },
  );

  command(
    router,
    {
      method: 'delete',
      path: CART_ROUTE,
      operationId: 'deletePartnerCart',
      summary: 'Delete a cart: its seats are released at once',
      description:
        'Deleting a cart that is already closed (deleted, expired, failed) answers 204 again. Delete carts the user ' +
        'abandons: carts left to expire count against the partner (they are polled longer under load).',
      contended: true,
      params: { id: 'EventId' },
      query: CartIdQueryDto,
      malformed: asInvalidReserve,
      invalid: `\`cart_id\` missing from the query or not a cart id, or a body. ${MALFORMED_NOTE}`,
      invalidCodes: MALFORMED_CODES,
      responses: { 204: { description: 'Deleted; the seats are available again' } },
      errors: {
        ...cartGone,
        409: [
          'The cart is being committed or was committed (`details.order_id`)',
          ['CART_CHECKOUT_IN_PROGRESS', 'CART_COMMITTED'],
        ],
      },
    },
    async (req, res, { query }) => {
      const outcome = await carts.delete(
        pathParam(req, 'id'),
        query.cart_id,
        partnerOf(req),
        commandMetadata(req),
      );
      answerCommand(res, 204, outcome);
    },
  );

  op(
    router,
    {
      method: 'get',
      path: '/orders/:id',
      operationId: 'getPartnerOrder',
      summary: "One of the partner's orders, with its tickets",
      description:
        '`status` moves from `PENDING` to `CONFIRMED` (paid, tickets issued) or `FAILED`. Each ticket carries ' +
        '`barcode_id` when the event emits barcodes, and has no such key when it does not.',
      params: { id: 'OrderId' },
      responses: { 200: { description: 'The order', schema: PartnerOrder } },
      errors: {
        404: ["No such order, or not one of this partner's carts", ['ORDER_NOT_FOUND']],
      },
    },
    async (req, res) => {
      res.json(await carts.order(partnerOf(req), pathParam(req, 'id')));
    },
  );

  return router;
}
