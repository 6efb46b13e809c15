import type {
  OperationObject,
  ParameterObject,
  ReferenceObject,
  ResponseObject,
  SchemaObject,
  SecurityRequirementObject,
} from 'openapi3-ts/oas30';
import { writesEvents, type MountedOperation } from './api-router';
import {
  BAD_TOKEN,
  BODY_TYPE,
  COMMAND_READS,
  CONDITIONAL,
  CORRELATION,
  CONTENTION,
  EVERY_OPERATION_READS,
  EVERY_REQUEST,
  IDEMPOTENCY,
  INTERNAL,
  LOCATION,
  LOG_POSITION,
  MALFORMED_PATH,
  NEEDS_ADMIN,
  NEEDS_TOKEN,
  PATH_PARAMETERS,
  paramRef,
  RATE_LIMITED,
  rateLimit,
  READ_POSITION,
  READ_YOUR_WRITES,
  REPLAYED,
  REQUEST_ID,
  RETRY_AFTER,
  apiKeyErrors,
  errorResponses,
  errorSpec,
  validation,
  type ErrorSpec,
} from './common';

/** Every operation that reads the bearer token refuses the kinds it does not take (see OperationSpec.accepts). */
const WRONG_TOKEN_KIND = errorSpec(
  403,
  'The bearer token is of a kind this operation does not take: a waiting-room token (`queue`, `queue_access`) ' +
    'anywhere but where it is taken, or a member token where a waiting-room token is needed',
  'FORBIDDEN',
);

/** A signed-in command (see op in api-router.ts): an auditor's account only reads. */
const AUDITORS_ONLY_READ = errorSpec(
  403,
  "The token is an auditor's: an auditor's account only reads (audit and analytics)",
  'FORBIDDEN',
);

const BEARER: SecurityRequirementObject[] = [{ bearerAuth: [] }];
const OPTIONAL_BEARER: SecurityRequirementObject[] = [{}, { bearerAuth: [] }];

/** The bearer alternatives, each also with the API key; with REQUIRE_API_KEY, only those with it. */
function withApiKey(
  security: SecurityRequirementObject[],
  apiKey: MountedOperation['apiKey'],
): SecurityRequirementObject[] {
  if (!apiKey) return security;
  const keyed = security.map((requirement) => ({ ...requirement, apiKey: [] }));
  return apiKey.required ? keyed : [...security, ...keyed];
}

/** `/v1/orders/:id` with `{ id: 'OrderId' }` -> `/v1/orders/{order_id}`. */
export function documentPath({ path, spec }: MountedOperation): string {
  return path.replace(/:([A-Za-z_]\w*)/g, (_m, name: string) => {
    const param = spec.params?.[name];
    if (!param) throw new Error(`${spec.operationId}: path parameter :${name} is not declared`);
    return `{${PATH_PARAMETERS[param].name}}`;
  });
}

/** The query DTO's properties as query parameters (the DTO's schema is the single source). */
function queryParameters(dto: SchemaObject): ParameterObject[] {
  return Object.entries(dto.properties ?? {}).map(([name, schema]) => {
    const { description, ...rest } = schema as SchemaObject;
    return {
      name,
      in: 'query',
      required: (dto.required ?? []).includes(name),
      ...(description ? { description } : {}),
      schema: rest,
    };
  });
}

/** The OpenAPI operation for a mounted declaration; `dtos` are the generated request schemas by class name. */
export function operationObject(
  mounted: MountedOperation,
  dtos: Record<string, SchemaObject>,
): OperationObject {
  const { spec, auth, limits } = mounted;
  const allLimits = [...limits, ...(spec.rateLimit ? [spec.rateLimit] : [])];
  // X-RateLimit-* are promised where a limiter counts every request that reaches the operation: its class, or the
  // hourly budget of an operation that needs a token (that budget skips anonymous requests, and an API key's own
  // budget counts only keys that have one).
  const countsEveryCall = allLimits.some(
    (name) => name !== 'authenticated' || auth === 'bearer' || auth === 'admin',
  );
  const writes = writesEvents(spec);
  const bodyRef = spec.body && { $ref: `#/components/schemas/${spec.body.name}` };
  const queryDto = spec.query && dtos[spec.query.name];
  if (spec.query && !queryDto) throw new Error(`${spec.operationId}: no schema for ${spec.query.name}`);

  const parameters: Array<ParameterObject | ReferenceObject> = [
    ...Object.values(spec.params ?? {}).map((name) => paramRef(name)),
    ...(queryDto ? queryParameters(queryDto) : []),
    ...(spec.idempotent ? [paramRef('IdempotencyKey')] : []),
    ...(spec.readYourWrites ? [paramRef('MinLogPosition')] : []),
    ...(spec.conditional ? [paramRef('IfNoneMatch')] : []),
    ...(spec.headerParameters ?? []).map((name) => paramRef(name)),
    ...EVERY_OPERATION_READS.map((name) => paramRef(name)),
    ...(writes ? COMMAND_READS.map((name) => paramRef(name)) : []),
  ];

  const inputErrors: ErrorSpec =
    spec.body || spec.query
      ? validation(spec.invalid ?? 'Missing, malformed or unknown fields', spec.invalidCodes)
      : validation('A body or query parameter where the operation takes none', spec.invalidCodes);
  // What is refused before the routers' gates run (the request's headers and token, the router-wide limits) ...
  const beforeGates: ErrorSpec[] = [
    EVERY_REQUEST,
    auth === 'admin' ? NEEDS_ADMIN : auth === 'bearer' ? NEEDS_TOKEN : auth === 'public' ? BAD_TOKEN : {},
    auth === 'none' ? {} : WRONG_TOKEN_KIND,
    auth === 'bearer' && spec.method !== 'get' && mounted.accepts.includes('access')
      ? AUDITORS_ONLY_READ
      : {},
    rateLimit(limits),
    ...(mounted.apiKey ? [apiKeyErrors(mounted.apiKey.required)] : []),
  ];
  // ... and what the operation's own chain refuses after them (bodies are parsed before routing, but what the
  // parsers refuse is answered here: request-body.ts).
  const afterGates: ErrorSpec[] = [
    inputErrors,
    ...(spec.params ? [MALFORMED_PATH] : []),
    ...(spec.readYourWrites ? [READ_YOUR_WRITES] : []),
    spec.errors ?? {},
    // An operation that words its own refusals (`malformed`: the partner cart path's 400) lists their codes among
    // its 400s instead of the 415.
    ...(spec.malformed ? [] : [BODY_TYPE]),
    { 413: EVERY_REQUEST[413] },
    ...(spec.idempotent ? [IDEMPOTENCY] : []),
    rateLimit(spec.rateLimit ? [spec.rateLimit] : []),
    ...(spec.contended ? [CONTENTION] : []),
    INTERNAL,
  ];
  const gates = mounted.gates ?? [];
  const errors = errorResponses([...beforeGates, ...afterGates, ...gates.map((gate) => gate.errors)]);
  // A router's gate adds its headers to the answers of the requests it let through (the partner API's quota
  // headers), and to those of its own refusals that it says carry them.
  const passedGates = new Set(afterGates.flatMap((spec) => Object.keys(spec)));
  const gateHeaders = (status?: string) =>
    Object.assign(
      {},
      ...gates
        .filter(
          (gate) =>
            status === undefined ||
            passedGates.has(status) ||
            (gate.refusalsWithHeaders ?? []).includes(Number(status)),
        )
        .map((gate) => gate.headers ?? {}),
    ) as Record<string, ReferenceObject>;
  // An operation that writes events names their correlation on each of its answers, refusals included.
  const correlation = writes ? CORRELATION : {};
  // What the operation's steps add before a refusal reaches the answer: the limiter's count, the read models'
  // position, the replay mark of a stored refusal, and where a command that wrote and then refused wrote (a
  // declined payment releases its hold).
  const refusalHeaders = {
    ...correlation,
    ...(writes || spec.answersCommands ? LOG_POSITION : {}),
    ...(spec.readYourWrites ? READ_POSITION : {}),
    ...(countsEveryCall ? RATE_LIMITED : {}),
    ...(spec.idempotent ? REPLAYED : {}),
  };
  for (const [status, response] of Object.entries(errors))
    response.headers = { ...response.headers, ...refusalHeaders, ...gateHeaders(status) };

  const successHeaders = (location?: boolean, upgrade?: boolean, retryAfter?: boolean) => ({
    ...(upgrade ? {} : REQUEST_ID),
    ...(upgrade ? {} : correlation),
    ...(writes || spec.answersCommands ? LOG_POSITION : {}),
    ...(spec.readYourWrites ? READ_POSITION : {}),
    ...(countsEveryCall && !upgrade ? RATE_LIMITED : {}),
    ...(location ? LOCATION : {}),
    ...(retryAfter ? RETRY_AFTER : {}),
    ...(spec.idempotent ? REPLAYED : {}),
    ...(spec.conditional ? CONDITIONAL : {}),
    ...gateHeaders(),
  });
  const successes: Record<string, ResponseObject> = Object.fromEntries(
    Object.entries(spec.responses).map(([status, s]) => [
      status,
      {
        description: s.description,
        headers: successHeaders(s.location, s.upgrade, s.retryAfter),
        ...(s.schema ? { content: { 'application/json': { schema: s.schema } } } : {}),
        ...(s.media ? { content: { [s.media.type]: { schema: s.media.schema } } } : {}),
      },
    ]),
  );
  if (spec.conditional)
    successes['304'] = {
      description: `Not Modified: \`If-None-Match\` names the current \`ETag\`; no body. ${spec.conditional.caching}`,
      headers: successHeaders(),
    };

  const bearer =
    auth === 'none' && !spec.bearerDocumented ? undefined : auth === 'public' ? OPTIONAL_BEARER : BEARER;
  const security = mounted.apiKey ? withApiKey(bearer ?? [{}], mounted.apiKey) : bearer;
  const operation: OperationObject = {
    operationId: spec.operationId,
    tags: mounted.tags,
    summary: spec.summary,
    ...(spec.description ? { description: spec.description } : {}),
    ...(security ? { security } : {}),
    ...(parameters.length > 0 ? { parameters } : {}),
    responses: { ...successes, ...errors },
    ...(spec.extensions ?? {}),
  };
  if (bodyRef) {
    operation.requestBody = {
      required: !spec.optionalBody,
      content: {
        'application/json': { schema: bodyRef },
        ...(spec.formBody ? { 'application/x-www-form-urlencoded': { schema: bodyRef } } : {}),
      },
    };
  }
  return operation;
}
