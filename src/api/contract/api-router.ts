import { Router, type Request, type RequestHandler, type Response } from 'express';
import { NO_LIMIT, type RateLimitName } from '../http/rate-limits';
import { ApiError, forbidden } from '../http/api-error';
import { refusedToken, requireAuth, requireRole, type TokenAudience } from '../http/auth';
import { labelRoute } from '../http/metrics';
import { toApiError } from '../http/middleware';
import { bodyRefusal } from '../http/request-body';
import { compileValidator, refuseRepeatedParameters, validateInput } from '../http/validation';
import type { DtoClass } from './dto-schemas';
import { PATH_PARAMETERS, type ErrorSpec, type HeaderParameterName, type PathParameterName } from './common';
import { correlationHeader, pathParam } from '../http/request-context';
import type { Schema } from './schema';

/**
 * One declaration per operation, beside its handler: `op()` registers the express route (with the middleware the
 * declaration names: auth, rate limit, read-your-writes, idempotency, DTO validation) and records the declaration,
 * so the document is assembled from what is actually mounted and a route cannot validate one DTO and document
 * another.
 */

declare module 'express-serve-static-core' {
  interface Request {
    /** What the rate limiters count this request by, when an operation names it (see OperationSpec.rateLimitKey). */
    rateLimitKey?: string;
  }
}

export type HttpMethod = 'get' | 'post' | 'put' | 'patch' | 'delete';
/**
 * `public`: no token needed, but a token that is sent must be valid (checked app-wide before /v1). `none`: served
 * before authentication (operations endpoints), so a token is not even read.
 */
export type Auth = 'none' | 'public' | 'bearer' | 'admin';

export interface SuccessSpec {
  description: string;
  /** A JSON body. */
  schema?: Schema;
  /** Another media type (`image/png`, `text/plain`, `text/html`) and its schema. */
  media?: { type: string; schema: Schema };
  /** Adds the Location header. */
  location?: boolean;
  /** Adds the Retry-After header (a 202 says when to poll). */
  retryAfter?: boolean;
  /**
   * Answered by the WebSocket server outside the route's middleware (the 101 of `/v1/realtime`): none of the headers
   * the route adds (request id, rate limits).
   */
  upgrade?: boolean;
}

export interface OperationSpec<B extends object = object, Q extends object = object> {
  method: HttpMethod;
  /** Express path inside the router: `/`, `/:id/cancel`. */
  path: string;
  operationId: string;
  summary: string;
  description?: string;
  /** Defaults to the router's tag. */
  tags?: string[];
  /** Defaults to the router's (which applies it to every path under it), else `public`. */
  auth?: Auth;
  /**
   * The kinds of bearer token the operation takes (default: the router's `accepts`, else member tokens only); any
   * other kind is 403 FORBIDDEN. Waiting-room and partner client tokens are taken only where an operation (or its
   * router) says so.
   */
  accepts?: TokenAudience[];
  /** Each express parameter of the path, by the component parameter documenting it (`{ id: 'EventId' }`). */
  params?: Record<string, PathParameterName>;
  /** Request headers the operation reads, by the component parameter documenting each (`ForcePolling`). */
  headerParameters?: HeaderParameterName[];
  /** The request body's DTO: validated here (400 VALIDATION_ERROR) and documented from its decorators. */
  body?: DtoClass<B>;
  /** A body is optional (an absent body is validated as `{}`). */
  optionalBody?: boolean;
  /** Token requests may also be form-encoded. */
  formBody?: boolean;
  /** The query string's DTO; without one, any query parameter is refused with 400. */
  query?: DtoClass<Q>;
  /**
   * How the operation answers a request it cannot read: a body that is not valid JSON or in a media type it does
   * not take, or a body or query its DTOs refuse (400 VALIDATION_ERROR). Default: those errors as they are. The
   * partner cart path answers them all with the FAQ's message (cart.routes.ts).
   */
  malformed?: (error: ApiError) => ApiError;
  /** What a 400 VALIDATION_ERROR of the body or query means here. */
  invalid?: string;
  /** More codes the 400 can carry. */
  invalidCodes?: string[];
  rateLimit?: RateLimitName;
  /**
   * What the rate limit counts by (set as `req.rateLimitKey` before the limiter runs), when not the user or the
   * client address: e.g. the queue entry of a token sent in the query string. May throw an ApiError to refuse the
   * request before it is counted.
   */
  rateLimitKey?: (req: Request) => string | undefined;
  readYourWrites?: boolean;
  idempotent?: boolean;
  /**
   * Answers with what commands run elsewhere answered (the partner poll): their X-Log-Position on its answers,
   * although it writes nothing itself.
   */
  answersCommands?: boolean;
  /** The command appends to a contended stream: 503 SERVICE_UNAVAILABLE with Retry-After. */
  contended?: boolean;
  responses: Record<number, SuccessSpec>;
  /** The operation's own errors. */
  errors?: ErrorSpec;
  /** Documented as needing a bearer token although the route checks it itself (`/metrics`). */
  bearerDocumented?: boolean;
  /**
   * Registered with `router.use(path, ...middleware)` instead of one method (a UI with its assets below the path):
   * the middleware answers, the handler is not used.
   */
  mountAll?: boolean;
  /**
   * A conditional read (the handler calls answeredNotModified, src/api/http/conditional-get.ts): documented with the
   * If-None-Match parameter, the ETag, Cache-Control and Vary headers and the 304 answer; `caching` says who may keep
   * the answer and for how long.
   */
  conditional?: { caching: string };
  /** More middleware, run after the declared ones and before validation. */
  middleware?: RequestHandler[];
  /** `x-` fields of the operation object, for what OpenAPI 3.0 cannot say (the WebSocket messages of /v1/realtime). */
  extensions?: Record<`x-${string}`, unknown>;
}

/**
 * An operation that writes events: every method but GET, save the ones documented as always refused. Its answers
 * say where they wrote (X-Log-Position) and under which correlation (X-Correlation-Id), and it reads the headers
 * kept in the events' metadata (request-context.ts commandMetadata).
 */
export function writesEvents(spec: Pick<OperationSpec, 'method' | 'extensions'>): boolean {
  return spec.method !== 'get' && !(spec.extensions && 'x-always-refused' in spec.extensions);
}

export interface RouterOptions {
  tag: string;
  /**
   * Applied to every operation under the router (routers mounted under it included), in each operation's own
   * chain, and documented on each: a request for no operation is 404 ROUTE_NOT_FOUND whoever sends it.
   */
  auth?: Auth;
  /** The token kinds the operations under the router take, routers mounted under it included (see OperationSpec). */
  accepts?: TokenAudience[];
  /** Answers must not be cached by browsers or proxies (tokens, cards, barcodes). */
  noStore?: boolean;
  /** A rate limiter applied to every request under the router. */
  limit?: { name: RateLimitName; handler: RequestHandler };
  /**
   * The X-API-Key check (and the per-key rate limit) for every request under the router, run first; documented on
   * each operation (security, 401 INVALID_API_KEY, and API_KEY_REQUIRED when keys are required).
   */
  apiKey?: ApiKeyCheck;
  /**
   * Middleware in the chain of every operation under the router, routers mounted under it included, after the
   * router's auth (the partner API's client check and quota). Part of each operation's own chain, so it runs exactly
   * when express routes a request to one of them: no second reading of the path decides whether it applies.
   */
  gate?: RouterGate;
  /** The limiters operations may name. */
  limiters?: Partial<Record<RateLimitName, RequestHandler>>;
  readYourWrites?: RequestHandler;
  idempotent?: RequestHandler;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- the declarations of one router differ in DTO types
type AnySpec = OperationSpec<any, any>;

interface Mount {
  prefix: string;
  child: ApiRouter;
  /** The same operations under another prefix (`/oauth`): ids get this prefix, summaries the note. */
  alias?: { operationIdPrefix: string; note: string };
}

interface Contract {
  options: RouterOptions;
  operations: AnySpec[];
  mounts: Mount[];
  /** The routers this one is mounted under (see mount()): where its operations inherit gates and token kinds from. */
  parents: ApiRouter[];
  /** Resolved on the first request, once every router is mounted. */
  policy?: InheritedPolicy;
}

/** What an operation inherits from the routers above it (and its own): token kinds, and the routers' checks. */
interface InheritedPolicy {
  accepts?: TokenAudience[];
  /** The auth and gate of every router above (and of its own), outermost first. */
  chain: RequestHandler[];
}

export type ApiRouter = Router & { readonly contract: Contract };

/** An operation as mounted: its full express path, and what it inherits from the routers above it. */
export interface MountedOperation {
  spec: AnySpec;
  /** Full express path (`/v1/orders/:id`). */
  path: string;
  auth: Auth;
  /** The token kinds it takes (OperationSpec.accepts, else its routers', else a member's). */
  accepts: readonly TokenAudience[];
  tags: string[];
  /** Router-wide limiters above it, outermost first. */
  limits: RateLimitName[];
  /** The API-key check a router above it applies, if any. */
  apiKey?: { required: boolean };
  /** The gates of the routers above it (RouterOptions.gate), outermost first. */
  gates?: Array<Omit<RouterGate, 'handler'>>;
}

/**
 * Router-wide middleware with what it can answer, documented on every operation under the router (nested routers
 * included): its errors, and the response headers it adds to every answer.
 */
export interface RouterGate {
  handler: RequestHandler;
  /** What the gate refuses. */
  errors: ErrorSpec;
  /**
   * Response headers by name (`#/components/headers/...` references), on every answer of a request the gate let
   * through (the operation's own, errors included), and on the gate's refusals listed in `refusalsWithHeaders`.
   */
  headers?: Record<string, { $ref: string }>;
  /** The statuses of the gate's own refusals that carry `headers` (the partner quota's 429); the others do not. */
  refusalsWithHeaders?: number[];
}

export interface ApiKeyCheck {
  handler: RequestHandler;
  /** REQUIRE_API_KEY: a request without a key is refused. */
  required: boolean;
}

const noStoreHeaders: RequestHandler = (_req, res, next) => {
  res.set({ 'Cache-Control': 'no-store', Pragma: 'no-cache' });
  next();
};

const AUTH: Record<Auth, RequestHandler | undefined> = {
  none: undefined,
  public: undefined,
  bearer: requireAuth,
  admin: requireRole('admin'),
};

/** A router's middleware left out (a router mounted on its own, e.g. without the app's idempotency store). */
export const passThrough: RequestHandler = (_req, _res, next) => next();

export function apiRouter(options: RouterOptions): ApiRouter {
  // Paths are matched exactly as declared: `/partners/v1/Events` and `/partners/v1/events/` are no operation (404),
  // never a second way in.
  const router = Router({ caseSensitive: true, strict: true }) as ApiRouter;
  Object.defineProperty(router, 'contract', { value: { options, operations: [], mounts: [], parents: [] } });
  if (options.noStore) router.use(noStoreHeaders);
  if (options.apiKey) router.use(options.apiKey.handler);
  // Limits turned off: no step at all.
  if (options.limit && options.limit.handler !== NO_LIMIT) router.use(options.limit.handler);
  // The router's auth and gate run in each operation's chain (see policyOf), never for a path that is none.
  return router;
}

const MEMBER_TOKENS: TokenAudience[] = ['access'];

const AUDITORS_READ =
  "An auditor's account only reads (audit and analytics): it does not reserve, buy or transfer";

/**
 * What the operations of `router` inherit, from its own options and the routers it is mounted under. A router
 * mounted in several places may inherit nothing there (which parent's gate would apply is not knowable).
 */
function policyOf(router: ApiRouter): InheritedPolicy {
  const { options, parents } = router.contract;
  const above = parents.map(policyOf);
  const inherits = (p: InheritedPolicy) => p.chain.length > 0 || p.accepts !== undefined;
  if (above.length > 1 && above.some(inherits))
    throw new Error(
      `router '${options.tag}' is mounted under ${above.length} routers with gates or token kinds`,
    );
  const inherited = above[0] ?? { chain: [] };
  const auth = options.auth && AUTH[options.auth];
  const own = [...(auth ? [auth] : []), ...(options.gate ? [options.gate.handler] : [])];
  return { accepts: options.accepts ?? inherited.accepts, chain: [...inherited.chain, ...own] };
}

/** Runs `handlers` one after the other, as express would; the first error (or thrown one) goes to `done`. */
function runInOrder(
  handlers: RequestHandler[],
  req: Request,
  res: Response,
  done: (error?: unknown) => void,
) {
  let index = 0;
  const step = (error?: unknown): void => {
    if (error) return done(error);
    const handler = handlers[index++];
    if (!handler) return done();
    try {
      const result: unknown = handler(req, res, step);
      if (result instanceof Promise) result.catch(done);
    } catch (thrown) {
      done(thrown);
    }
  };
  step();
}

/** The path parameters whose component declares a pattern (PartnerId): checked before the handler. */
function shapedPathParameters(params: Record<string, PathParameterName> | undefined) {
  return Object.entries(params ?? {}).flatMap(([name, component]) => {
    const { name: field, schema } = PATH_PARAMETERS[component];
    const pattern = (schema as { pattern?: string }).pattern;
    return pattern ? [{ name, field, pattern: new RegExp(pattern, 'u') }] : [];
  });
}

/** No declared fields: anything sent is an unknown field (400 VALIDATION_ERROR). */
class NoFields {}

function isEmptyBody(body: unknown): boolean {
  return (
    body === undefined ||
    (typeof body === 'object' && body !== null && !Array.isArray(body) && Object.keys(body).length === 0)
  );
}

/** Registers the route for `spec` on `router` and records the declaration. */
export function op<B extends object, Q extends object>(
  router: ApiRouter,
  spec: OperationSpec<B, Q>,
  handler: (req: Request, res: Response, input: { body: B; query: Q }) => unknown,
): void {
  const { options } = router.contract;
  // The route's metrics label first: whatever answers the request, it is counted under this route.
  const middleware: RequestHandler[] = [labelRoute()];
  // Then the correlation of what it writes, on each of its answers (refusals included).
  if (writesEvents(spec)) middleware.push(correlationHeader);
  const declared = (what: string, handler: RequestHandler | undefined): RequestHandler => {
    if (!handler) throw new Error(`${spec.operationId}: the router was given no ${what} middleware`);
    return handler;
  };
  // The token kinds it takes, then the auth and gates of the routers above it (the partner API's client check and
  // quota): resolved on the first request, when every router is mounted.
  // An auditor's account reads (the log, the analytics): it never reserves, buys or transfers, so what it audits
  // holds none of its own doing. Commands open to anyone (register, token) stay open.
  const signedInCommand =
    spec.method !== 'get' && ['bearer', 'admin'].includes(spec.auth ?? options.auth ?? '');
  middleware.push((req, res, next) => {
    const policy = (router.contract.policy ??= policyOf(router));
    const refused = refusedToken(req.auth, spec.accepts ?? policy.accepts ?? MEMBER_TOKENS);
    if (refused) return next(refused);
    if (signedInCommand && req.auth?.role === 'auditor') return next(forbidden(AUDITORS_READ));
    if (policy.chain.length === 0) return next();
    runInOrder(policy.chain, req, res, next);
  });
  if (spec.auth && spec.auth !== options.auth && AUTH[spec.auth]) middleware.push(AUTH[spec.auth]!);
  // What the body middleware refused (not JSON, a media type the operation does not take), answered here: the
  // operation words it (spec.malformed).
  const malformed = (error: unknown) => (spec.malformed ? spec.malformed(toApiError(error)) : error);
  middleware.push((req, _res, next) => {
    const refused = bodyRefusal(req, spec.formBody ?? false);
    next(refused === undefined ? undefined : malformed(refused));
  });
  const shaped = shapedPathParameters(spec.params);
  if (shaped.length > 0)
    middleware.push((req, _res, next) => {
      const bad = shaped.find(({ name, pattern }) => !pattern.test(pathParam(req, name)));
      if (!bad) return next();
      // The value is not echoed: it is what failed the check.
      next(
        new ApiError(400, 'VALIDATION_ERROR', `Invalid path parameter ${bad.field}`, {
          fields: [{ field: `path.${bad.field}`, errors: [`must match ${bad.pattern.source}`] }],
        }),
      );
    });
  const { rateLimitKey } = spec;
  if (rateLimitKey)
    middleware.push((req, _res, next) => {
      const key = rateLimitKey(req);
      if (key !== undefined) req.rateLimitKey = key;
      next();
    });
  if (spec.rateLimit) {
    const limiter = declared(`${spec.rateLimit} limiter`, options.limiters?.[spec.rateLimit]);
    if (limiter !== NO_LIMIT) middleware.push(limiter);
  }
  if (spec.readYourWrites) middleware.push(declared('readYourWrites', options.readYourWrites));
  if (spec.idempotent) middleware.push(declared('idempotent', options.idempotent));
  middleware.push(...(spec.middleware ?? []));

  // Prepared once per route, not per request (see compileValidator).
  const validateBody = spec.body && compileValidator(spec.body, spec.formBody ? 'form' : 'body');
  const validateQuery = spec.query && compileValidator(spec.query, 'query');
  const validated: RequestHandler = async (req, res) => {
    const query = { ...(req.query as object) };
    let input: { body: B; query: Q };
    try {
      // A query parameter or form field given twice arrives as a list: said so before any validator reads it.
      refuseRepeatedParameters(query as Record<string, unknown>, 'query');
      if (req.formEncoded) refuseRepeatedParameters(req.body as Record<string, unknown>, 'body');
      input = {
        body: validateBody
          ? validateBody(spec.optionalBody ? (req.body ?? {}) : req.body)
          : ((isEmptyBody(req.body) ? {} : validateInput(NoFields, req.body)) as B),
        query: validateQuery
          ? validateQuery(query)
          : ((Object.keys(query).length === 0 ? {} : validateInput(NoFields, query, 'query')) as Q),
      };
    } catch (error) {
      throw malformed(error);
    }
    await handler(req, res, input);
  };
  if (spec.mountAll) router.use(spec.path, ...middleware);
  else router[spec.method](spec.path, ...middleware, validated);
  router.contract.operations.push(spec);
}

/** Mounts `child` under `prefix` and records it, so its operations are documented with their full paths. */
export function mount(parent: ApiRouter, prefix: string, child: ApiRouter, alias?: Mount['alias']): void {
  parent.use(prefix, child);
  parent.contract.mounts.push({ prefix, child, alias });
  if (!child.contract.parents.includes(parent)) child.contract.parents.push(parent);
}

/** Every operation under `router`, with its full path: the document's list of operations. */
export function mountedOperations(
  router: ApiRouter,
  prefix = '',
  inherited: {
    auth?: Auth;
    accepts?: readonly TokenAudience[];
    limits: RateLimitName[];
    apiKey?: { required: boolean };
    gates?: MountedOperation['gates'];
  } = { limits: [] },
): MountedOperation[] {
  const { options, operations, mounts } = router.contract;
  const limits = [...inherited.limits, ...(options.limit ? [options.limit.name] : [])];
  const auth = options.auth ?? inherited.auth;
  const accepts = options.accepts ?? inherited.accepts;
  const apiKey = options.apiKey ? { required: options.apiKey.required } : inherited.apiKey;
  const gates = options.gate
    ? [...(inherited.gates ?? []), (({ handler: _handler, ...documented }) => documented)(options.gate)]
    : inherited.gates;
  const own = operations.map((spec): MountedOperation => ({
    spec,
    path: spec.path === '/' ? prefix || '/' : prefix + spec.path,
    auth: spec.auth ?? auth ?? 'public',
    accepts: spec.accepts ?? accepts ?? MEMBER_TOKENS,
    tags: spec.tags ?? [options.tag],
    limits,
    ...(apiKey ? { apiKey } : {}),
    ...(gates ? { gates } : {}),
  }));
  const aliased = (mounted: MountedOperation, alias: NonNullable<Mount['alias']>): MountedOperation => {
    const id = mounted.spec.operationId;
    const operationId = `${alias.operationIdPrefix}${id[0].toUpperCase()}${id.slice(1)}`;
    return { ...mounted, spec: { ...mounted.spec, operationId, summary: mounted.spec.summary + alias.note } };
  };
  const nested = mounts.flatMap(({ prefix: sub, child, alias }) =>
    mountedOperations(child, prefix + sub, { auth, accepts, limits, apiKey, gates }).map((m) =>
      alias ? aliased(m, alias) : m,
    ),
  );
  return [...own, ...nested];
}
