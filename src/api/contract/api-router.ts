import { Router, type Request, type RequestHandler, type Response } from 'express';
import type { RateLimitName } from '../http/rate-limits';
import { requireAuth, requireRole } from '../http/auth';
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
}

export interface RouterOptions {
  tag: string;
  /** Applied to every path under the router (unknown ones included), and documented on each operation. */
  auth?: Auth;
  /** Answers must not be cached by browsers or proxies (tokens, cards, barcodes). */
  noStore?: boolean;
  /** A rate limiter applied to every request under the router. */
  limit?: { name: RateLimitName; handler: RequestHandler };
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
  if (options.limit) router.use(options.limit.handler);
  const auth = options.auth && AUTH[options.auth];
  if (auth) router.use(auth);
  return router;
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
  const middleware: RequestHandler[] = [];
  const declared = (what: string, handler: RequestHandler | undefined): RequestHandler => {
    if (!handler) throw new Error(`${spec.operationId}: the router was given no ${what} middleware`);
    return handler;
  };
  if (spec.auth && spec.auth !== options.auth && AUTH[spec.auth]) middleware.push(AUTH[spec.auth]!);
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
  inherited: { auth?: Auth; limits: RateLimitName[] } = { limits: [] },
): MountedOperation[] {
  const { options, operations, mounts } = router.contract;
  const limits = [...inherited.limits, ...(options.limit ? [options.limit.name] : [])];
  const auth = options.auth ?? inherited.auth;
  const own = operations.map((spec): MountedOperation => ({
    spec,
    path: spec.path === '/' ? prefix || '/' : prefix + spec.path,
    auth: spec.auth ?? auth ?? 'public',
    tags: spec.tags ?? [options.tag],
    limits,
  }));
  const aliased = (mounted: MountedOperation, alias: NonNullable<Mount['alias']>): MountedOperation => {
    const id = mounted.spec.operationId;
    const operationId = `${alias.operationIdPrefix}${id[0].toUpperCase()}${id.slice(1)}`;
    return { ...mounted, spec: { ...mounted.spec, operationId, summary: mounted.spec.summary + alias.note } };
  };
  const nested = mounts.flatMap(({ prefix: sub, child, alias }) =>
    mountedOperations(child, prefix + sub, { auth, limits }).map((m) => (alias ? aliased(m, alias) : m)),
  );
  return [...own, ...nested];
}
