/**
 * 202 polling for partner cart calls (DESIGN.md Part B "Polling", FAQ "Polling").
 *
 * HOW TO USE (cart routes): declare a cart operation with `polling.op` instead of `op`; the spec and handler are
 * exactly what you would give `op`:
 *
 *     export function cartRoutes({ carts, polling }: { carts: CartService; polling: PartnerPolling }): ApiRouter {
 *       const router = apiRouter({ tag: 'partner-carts', noStore: true });
 *       polling.op(router, { method: 'post', path: '/events/:id/cart', ..., responses: { 201: {...} } },
 *         async (req, res, { body }) => {
 *           const { position, ...cart } = await carts.create(pathParam(req, 'id'), currentUser(req).sub, body, commandMetadata(req));
 *           answerCommand(res, 201, { position }, cart);
 *         });
 *       return router;
 *     }
 *
 * `polling.op` registers the operation with `op()`, adds the 202 answer to its documentation, and wraps the
 * handler: when the event (the path's `:id`; pass `{ eventId: (req) => ... }` as the 4th argument otherwise) has
 * more pending commands than the threshold (queued on `event-{id}`, or cart calls in progress for it in this
 * process: PolledCommands.shouldPoll), or the request says `X-Force-Polling: true`,
 * the call answers 202 `{polling_url, wait}` (with `Location` and `Retry-After`) at once and the handler runs once
 * in the background; `GET polling_url` (polling.routes.ts) answers 202 until it is done, then its status and body.
 * Everything before the handler (auth, quotas, validation, idempotency) has run already, in the request.
 *
 * In the background the handler gets a stand-in response that records what it answers: use `res.status()`,
 * `res.json()`, `res.end()`, `res.sendStatus()`, `res.setHeader()`/`res.set()` (or `answerCommand`); errors it
 * throws become the standard envelope (as the error middleware makes it, request id included). `X-Log-Position`
 * and `Location` are kept with the answer.
 *
 * One PartnerPolling per application: the polling route documents every status and error code of the operations
 * declared through it (the answer of a poll is theirs), so build it before the routers and pass it to all of them.
 */
import type { Request, Response } from 'express';
import type { Logger } from 'pino';
import type { LostAnswer, PolledAnswer, PolledCommands } from '../../application/partner/polled-commands';
import { op, type ApiRouter, type OperationSpec, type SuccessSpec } from '../contract/api-router';
import type { ErrorSpec } from '../contract/common';
import type { Schema } from '../contract/schema';
import { PollingAccepted } from '../schemas/partner-payment.schemas';
import { currentUser } from '../http/auth';
import { errorHandler } from '../http/middleware';
import { ApiError } from '../http/api-error';
import { pathParam } from '../http/request-context';

export const FORCE_POLLING_HEADER = 'x-force-polling';
/** `X-Force-Polling`: `true` or `false` (any case), or absent; anything else is a client's mistake, said as one. */
function forcePolling(value: string | undefined): boolean {
  if (value === undefined) return false;
  const word = value.trim().toLowerCase();
  if (word !== 'true' && word !== 'false')
    throw new ApiError(400, 'INVALID_HEADER', 'X-Force-Polling must be true or false', {
      field: `headers.${FORCE_POLLING_HEADER}`,
    });
  return word === 'true';
}

/** The operation's errors, with X-Force-Polling's refusal among its 400s. */
function withForcePollingRefusal(errors: ErrorSpec = {}): ErrorSpec {
  const [description, codes] = errors[400] ?? ['Bad request', []];
  return {
    ...errors,
    400: [`${description}; or X-Force-Polling is neither true nor false`, [...codes, 'INVALID_HEADER']],
  };
}

/** Headers of a command's answer that are kept and replayed with it. */
const KEPT_HEADERS = ['x-log-position', 'location'];

type Handler<B extends object, Q extends object> = (
  req: Request,
  res: Response,
  input: { body: B; query: Q },
) => unknown;

export interface PolledOptions {
  /** The event the call is about (default: the path's `:id`). */
  eventId?: (req: Request) => string;
  /**
   * What the poll answers if the call's answer is lost in a crash (410 POLLED_RESULT_LOST); default: the cart the
   * call names (`cart_id` in its body or query), to send the call again or delete it.
   */
  lost?: (req: Request, eventId: string) => LostAnswer;
}

export interface PartnerPolling {
  /** `op()` for a cart call that may be polled (see the top of this file). */
  op<B extends object, Q extends object>(
    router: ApiRouter,
    spec: OperationSpec<B, Q>,
    handler: Handler<B, Q>,
    options?: PolledOptions,
  ): void;
  /** The polled answer for the caller, or 202 while it runs (polling.routes.ts). */
  answer(req: Request, res: Response, pollId: string): Promise<void>;
  /** What the polling route documents: the union of the polled operations' answers (filled as they register). */
  readonly documented: { responses: Record<number, SuccessSpec>; errors: ErrorSpec; contended: boolean };
  readonly basePath: string;
}

export const POLLED_DESCRIPTION =
  'Under load (more commands pending on the event than the threshold, lower for clients who leave carts to expire) ' +
  'or with `X-Force-Polling: true`, answers 202 `{polling_url, wait}` at once and runs the command exactly once in ' +
  'the background: GET `polling_url` after `wait` seconds for its answer.';

export function createPartnerPolling(deps: {
  polled: PolledCommands;
  logger: Logger;
  /** Where polling.routes.ts is mounted. */
  basePath?: string;
}): PartnerPolling {
  const basePath = deps.basePath ?? '/partners/v1/polling';
  const toEnvelope = errorHandler(deps.logger);
  const documented: PartnerPolling['documented'] = {
    responses: {
      202: {
        description: 'Not done yet: poll again after `wait` seconds',
        schema: PollingAccepted,
        retryAfter: true,
      },
    },
    errors: {
      404: ['No such polling id for this client, or its answer is no longer kept', ['POLL_NOT_FOUND']],
      410: [
        'The server restarted while the command ran: its answer is lost. `details.cart_id` (and `event_id`) name ' +
          'the cart when the call named one (a cart creation too): send the call again, or delete the cart ' +
          '(`DELETE .../cart?cart_id=`), which releases its seats even if its creation never finished',
        ['POLLED_RESULT_LOST'],
      ],
    },
    contended: false,
  };

  /** Runs the handler against a recording response; every outcome becomes an answer. */
  async function runRecorded<B extends object, Q extends object>(
    req: Request,
    handler: Handler<B, Q>,
    input: { body: B; query: Q },
  ): Promise<PolledAnswer> {
    const recorder = new RecordingResponse(req);
    const res = recorder as unknown as Response;
    let failure: unknown;
    try {
      await handler(req, res, input);
      if (!recorder.headersSent) failure = new Error('The polled handler gave no answer');
    } catch (error) {
      if (recorder.headersSent)
        deps.logger.error({ requestId: req.requestId }, 'polled command failed after answering');
      else failure = error;
    }
    // The error middleware's own mapping (envelope, request id, logging of 5xx with card numbers masked).
    if (failure !== undefined) toEnvelope(failure, req, res, () => undefined);
    return recorder.answer();
  }

  return {
    basePath,
    documented,
    op<B extends object, Q extends object>(
      router: ApiRouter,
      spec: OperationSpec<B, Q>,
      handler: Handler<B, Q>,
      options: PolledOptions = {},
    ) {
      merge(documented, spec as OperationSpec<object, object>);
      const eventIdOf = options.eventId ?? ((req: Request) => pathParam(req, 'id'));
      const lostOf = options.lost ?? lostCartCall;
      const wrapped: Handler<object, object> = async (req, res, input) => {
        const partnerId = currentUser(req).sub;
        const forced = forcePolling(req.get(FORCE_POLLING_HEADER));
        const eventId = eventIdOf(req);
        const polled = await deps.polled.shouldPoll(partnerId, eventId, forced);
        if (!polled) {
          const end = deps.polled.begin(eventId);
          try {
            return await handler(req, res, input as { body: B; query: Q });
          } finally {
            end();
          }
        }
        const { pollId } = await deps.polled.submit(
          partnerId,
          polled.wait,
          () => runRecorded(req, handler, input as { body: B; query: Q }),
          eventId,
          lostOf(req, eventId),
        );
        const url = `${basePath}/${pollId}`;
        res.setHeader('Location', url);
        res.setHeader('Retry-After', String(polled.wait));
        res.status(202).json({ polling_url: url, wait: polled.wait });
      };
      op(
        router,
        {
          ...spec,
          description: spec.description ? `${spec.description}\n\n${POLLED_DESCRIPTION}` : POLLED_DESCRIPTION,
          headerParameters: [...(spec.headerParameters ?? []), 'ForcePolling'],
          errors: withForcePollingRefusal(spec.errors),
          responses: {
            ...spec.responses,
            202: {
              description: 'Accepted for polling',
              schema: PollingAccepted,
              location: true,
              retryAfter: true,
            },
          },
        },
        wrapped as unknown as Handler<B, Q>,
      );
    },
    async answer(req, res, pollId) {
      const state = await deps.polled.state(currentUser(req).sub, pollId);
      if (!state.ready) {
        res.setHeader('Retry-After', String(state.wait));
        res.status(202).json({ polling_url: `${basePath}/${pollId}`, wait: state.wait });
        return;
      }
      const { status, body, headers } = state.answer;
      for (const [name, value] of Object.entries(headers)) res.setHeader(name, value);
      if (body === undefined) res.status(status).end();
      else res.status(status).json(body);
    },
  };
}

/** A lost answer of a call on an existing cart: the call can be sent again, or the cart deleted. */
function lostCartCall(req: Request, eventId: string): LostAnswer {
  const named = (req.body as { cart_id?: unknown } | undefined)?.cart_id ?? req.query.cart_id;
  if (typeof named !== 'string')
    return { message: 'The server restarted while this command ran and its answer was lost', details: {} };
  return {
    // At most 200 characters: error messages are cut there.
    message:
      'The server restarted while this cart call ran: its answer is lost. Send it again to see where the cart ' +
      'stands, or DELETE .../cart?cart_id= to release its seats',
    details: { cart_id: named, event_id: eventId },
  };
}

/** Adds an operation's answers to what the polling route documents (schemas of one status are alternatives). */
function merge(documented: PartnerPolling['documented'], spec: OperationSpec<object, object>): void {
  for (const [code, success] of Object.entries(spec.responses)) {
    const status = Number(code);
    const known = documented.responses[status];
    if (!known) {
      documented.responses[status] = {
        description: `${spec.operationId}: ${success.description}`,
        ...schemaOf(success),
        // Location is kept with the answer (KEPT_HEADERS).
        ...(success.location ? { location: true } : {}),
      };
      continue;
    }
    const description = `${known.description}; ${spec.operationId}: ${success.description}`;
    const schemas = [...alternatives(known.schema), ...alternatives(success.schema)];
    documented.responses[status] = {
      description,
      ...(schemas.length === 0 ? {} : { schema: schemas.length === 1 ? schemas[0] : { anyOf: schemas } }),
      ...(known.location || success.location ? { location: true } : {}),
      ...(known.retryAfter ? { retryAfter: true } : {}),
    };
  }
  const addErrors = (status: number, description: string, codes: string[]) => {
    const known = documented.errors[status];
    documented.errors[status] = known
      ? [
          known[0].includes(description) ? known[0] : `${known[0]}; or: ${description}`,
          [...known[1], ...codes.filter((c) => !known[1].includes(c))],
        ]
      : [description, [...codes]];
  };
  for (const [status, entry] of Object.entries(spec.errors ?? {}))
    if (entry) addErrors(Number(status), entry[0], entry[1]);
  // Refusals the handler raises with 400 (checks beyond the DTO's) come back through the poll too.
  if (spec.invalidCodes?.length) addErrors(400, `${spec.operationId}: refused`, spec.invalidCodes);
  if (spec.contended) documented.contended = true;
}

function schemaOf(success: SuccessSpec): { schema?: Schema } {
  return success.schema ? { schema: success.schema } : {};
}

function alternatives(schema: Schema | undefined): Schema[] {
  if (!schema) return [];
  const anyOf = (schema as { anyOf?: Schema[] }).anyOf;
  return anyOf && Object.keys(schema).length === 1 ? anyOf : [schema];
}

/**
 * Records what a handler answers, for a command run in the background: the few response methods handlers use.
 * Anything else throws (a TypeError: answered 500 and logged), so a handler that needs more is noticed.
 */
class RecordingResponse {
  statusCode = 200;
  headersSent = false;
  private readonly headers = new Map<string, string>();
  private body: unknown;

  /** The request answered, as express's `res.req` (the error answer reads its method). */
  constructor(readonly req: Request) {}

  status(code: number): this {
    this.statusCode = code;
    return this;
  }
  setHeader(name: string, value: unknown): this {
    this.headers.set(name.toLowerCase(), String(value));
    return this;
  }
  set(field: string | Record<string, unknown>, value?: unknown): this {
    if (typeof field === 'string') return this.setHeader(field, value);
    for (const [name, v] of Object.entries(field)) this.setHeader(name, v);
    return this;
  }
  header(field: string | Record<string, unknown>, value?: unknown): this {
    return this.set(field, value);
  }
  getHeader(name: string): string | undefined {
    return this.headers.get(name.toLowerCase());
  }
  hasHeader(name: string): boolean {
    return this.headers.has(name.toLowerCase());
  }
  json(body: unknown): this {
    this.body = body;
    this.headersSent = true;
    return this;
  }
  send(body?: unknown): this {
    return body === undefined ? this.end() : this.json(body);
  }
  end(): this {
    this.headersSent = true;
    return this;
  }
  sendStatus(code: number): this {
    return this.status(code).end();
  }
  answer(): PolledAnswer {
    const headers: Record<string, string> = {};
    for (const name of KEPT_HEADERS) {
      const value = this.headers.get(name);
      if (value !== undefined) headers[name] = value;
    }
    // JSON round trip: what the client would have received, and nothing live kept in memory.
    return {
      status: this.statusCode,
      body: this.body === undefined ? undefined : JSON.parse(JSON.stringify(this.body)),
      headers,
    };
  }
}
