import { Router, type Request, type RequestHandler, type Response } from 'express';
import type { RateLimitName } from '../http/rate-limits';
import type { TokenKind } from '../../application/ports/access-tokens';
import { acceptTokenKinds, requireAuth, requireRole } from '../http/auth';
import { validateInput } from '../http/validation';
import type { DtoClass } from './dto-schemas';
import type { ErrorSpec, PathParameterName } from './common';
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
   * The kinds of bearer token the operation takes (default: member tokens only); any other kind is 403 FORBIDDEN.
   * Waiting-room tokens are taken only where an operation says so.
   */
  accepts?: TokenKind[];
  /** Each express parameter of the path, by the component parameter documenting it (`{ id: 'EventId' }`). */
  params?: Record<string, PathParameterName>;
  /** The request body's DTO: validated here (400 VALIDATION_ERROR) and documented from its decorators. */
  body?: DtoClass<B>;
  /** A body is optional (an absent body is validated as `{}`). */
  optionalBody?: boolean;
  /** Token requests may also be form-encoded. */
  formBody?: boolean;
  /** The query string's DTO; without one, any query parameter is refused with 400. */
  query?: DtoClass<Q>;
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
  /** More middleware, run after the declared ones and before validation. */
  middleware?: RequestHandler[];
  /** `x-` fields of the operation object, for what OpenAPI 3.0 cannot say (the WebSocket messages of /v1/realtime). */
  extensions?: Record<`x-${string}`, unknown>;
}

export interface RouterOptions {
  tag: string;
  /** Applied to every path under the router (unknown ones included), and documented on each operation. */
  auth?: Auth;
  /** Answers must not be cached by browsers or proxies (tokens, cards, barcodes). */
  noStore?: boolean;
  /** A rate limiter applied to every request under the router. */
  limit?: { name: RateLimitName; handler: RequestHandler };
  /**
   * The X-API-Key check (and the per-key rate limit) for every request under the router, run first; documented on
   * each operation (security, 401 INVALID_API_KEY, and API_KEY_REQUIRED when keys are required).
   */
  apiKey?: ApiKeyCheck;
  /** Middleware every request under the router passes after its auth (the partner API's client check and quota). */
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
}

export type ApiRouter = Router & { readonly contract: Contract };

/** An operation as mounted: its full express path, and what it inherits from the routers above it. */
export interface MountedOperation {
  spec: AnySpec;
  /** Full express path (`/v1/orders/:id`). */
  path: string;
  auth: Auth;
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
  errors: ErrorSpec;
  /** Response headers by name (`#/components/headers/...` references). */
  headers?: Record<string, { $ref: string }>;
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

export function apiRouter(options: RouterOptions): ApiRouter {
  const router = Router() as ApiRouter;
  Object.defineProperty(router, 'contract', { value: { options, operations: [], mounts: [] } });
  if (options.noStore) router.use(noStoreHeaders);
  if (options.apiKey) router.use(options.apiKey.handler);
  if (options.limit) router.use(options.limit.handler);
  const auth = options.auth && AUTH[options.auth];
  if (auth) router.use(auth);
  if (options.gate) router.use(options.gate.handler);
  return router;
}

const MEMBER_TOKENS: TokenKind[] = ['access'];

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
  const middleware: RequestHandler[] = [];
  const declared = (what: string, handler: RequestHandler | undefined): RequestHandler => {
    if (!handler) throw new Error(`${spec.operationId}: the router was given no ${what} middleware`);
    return handler;
  };
  middleware.push(acceptTokenKinds(spec.accepts ?? MEMBER_TOKENS));
  if (spec.auth && spec.auth !== options.auth && AUTH[spec.auth]) middleware.push(AUTH[spec.auth]!);
  const { rateLimitKey } = spec;
  if (rateLimitKey)
    middleware.push((req, _res, next) => {
      const key = rateLimitKey(req);
      if (key !== undefined) req.rateLimitKey = key;
      next();
    });
  if (spec.rateLimit)
    middleware.push(declared(`${spec.rateLimit} limiter`, options.limiters?.[spec.rateLimit]));
  if (spec.readYourWrites) middleware.push(declared('readYourWrites', options.readYourWrites));
  if (spec.idempotent) middleware.push(declared('idempotent', options.idempotent));
  middleware.push(...(spec.middleware ?? []));

  const validated: RequestHandler = async (req, res) => {
    const query = { ...(req.query as object) };
    const input = {
      body: spec.body
        ? validateInput(spec.body, spec.optionalBody ? (req.body ?? {}) : req.body)
        : ((isEmptyBody(req.body) ? {} : validateInput(NoFields, req.body)) as B),
      query: spec.query
        ? validateInput(spec.query, query, 'query')
        : ((Object.keys(query).length === 0 ? {} : validateInput(NoFields, query, 'query')) as Q),
    };
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
}

/** Every operation under `router`, with its full path: the document's list of operations. */
export function mountedOperations(
  router: ApiRouter,
  prefix = '',
  inherited: {
    auth?: Auth;
    limits: RateLimitName[];
    apiKey?: { required: boolean };
    gates?: MountedOperation['gates'];
  } = { limits: [] },
): MountedOperation[] {
  const { options, operations, mounts } = router.contract;
  const limits = [...inherited.limits, ...(options.limit ? [options.limit.name] : [])];
  const auth = options.auth ?? inherited.auth;
  const apiKey = options.apiKey ? { required: options.apiKey.required } : inherited.apiKey;
  const gates = options.gate
    ? [...(inherited.gates ?? []), { errors: options.gate.errors, headers: options.gate.headers }]
    : inherited.gates;
  const own = operations.map((spec): MountedOperation => ({
    spec,
    path: spec.path === '/' ? prefix || '/' : prefix + spec.path,
    auth: spec.auth ?? auth ?? 'public',
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
    mountedOperations(child, prefix + sub, { auth, limits, apiKey, gates }).map((m) =>
      alias ? aliased(m, alias) : m,
    ),
  );
  return [...own, ...nested];
}
