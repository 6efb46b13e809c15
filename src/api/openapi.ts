import { OpenApiBuilder, type OpenAPIObject, type PathItemObject } from 'openapi3-ts/oas30';
import type { MountedOperation } from './contract/api-router';
import { HEADERS, PARAMETERS } from './contract/common';
import { dtoComponents, dtoSchemas } from './contract/dto-schemas';
import { documentPath, operationObject } from './contract/operation-object';
import { collectComponents } from './contract/schema';

/**
 * The OpenAPI 3.0.3 document served at /openapi.json and rendered at /docs, assembled from the operations the app
 * mounts (each declared beside its route in src/api/routes): request schemas come from the DTOs, response schemas
 * from src/api/schemas, the shared parts from src/api/contract/common.ts.
 */

const DESCRIPTION =
  'Event-sourced ticketing API. Every error is `{"error":{"code","message","details","request_id","timestamp"}}` ' +
  '(schema `Error`); an unknown path or method is 404 `ROUTE_NOT_FOUND`. Command responses carry `X-Log-Position`; ' +
  'send it back as `X-Min-Log-Position` on a query to read your own writes. Request bodies are JSON objects ' +
  '(at most 100kb, nested at most 32 levels); unknown fields are refused with 400 `VALIDATION_ERROR`, whatever ' +
  'their name, and so is a body or query parameter sent to an operation that takes none; `null` is not accepted ' +
  'for an optional field (leave it out). Date-times are ISO 8601 with a time zone, dates `YYYY-MM-DD`, money a ' +
  'number with at most two decimals. Client values echoed in `error.details` are cut to 64 characters. Card ' +
  'numbers are refused (400 `RAW_CARD_DATA_REJECTED`) in bodies, query strings, paths and headers alike. ' +
  'Rate-limited answers carry `X-RateLimit-Limit`, `X-RateLimit-Remaining` and `X-RateLimit-Reset`; when several ' +
  "budgets count a request (an API key's own, the hourly one, the endpoint's), they describe the one with the least " +
  'remaining; 429 `RATE_LIMIT_EXCEEDED` adds `Retry-After`.';

const TAGS = [
  { name: 'auth', description: 'Accounts and tokens (also at /oauth)' },
  { name: 'admin', description: 'Catalog administration (role admin)' },
  { name: 'events', description: 'Public catalog: search, details, seat maps' },
  { name: 'reservations', description: 'Seat holds' },
  { name: 'payment-methods', description: "The caller's saved cards (payment tokens only)" },
  { name: 'orders', description: 'Buying held seats, order status and cancellation with refund' },
  { name: 'tickets', description: "The caller's tickets, their QR codes, and transfers out" },
  { name: 'transfers', description: 'Accepting or taking back a ticket transfer' },
  {
    name: 'queue',
    description:
      'The waiting room of queue-protected events: a proof-of-work challenge, joining, status (with the access token ' +
      'when your turn comes) and leaving. Queue tokens are taken only by the status and leave calls; queue access ' +
      'tokens only by POST /v1/seats/reserve at their event (anywhere else 403 FORBIDDEN).',
  },
  {
    name: 'realtime',
    description:
      'WebSocket updates: seat availability per section, expiring holds, queue position (messages in x-websocket-messages)',
  },
  {
    name: 'partner',
    description:
      'The Partner API (/partners/v1): a partner client (POST /v1/admin/partners) gets a token with ' +
      '`grant_type=client_credentials` at /oauth/token (3600 s; then the refresh token), and every answer to a valid ' +
      'client (not the 401 and 403 of a request without one) carries its hourly quota in `Ratelimit-Quota-Allowed`, ' +
      '`Ratelimit-Quota-Used` and `Ratelimit-Expiry` (429 `QUOTA_EXCEEDED` past it, with `Retry-After`). Events are those published and internet enabled; a revoked client or an expired token gets 401 ' +
      '`No valid access token found`.',
  },
  { name: 'audit', description: 'The log as the record, for auditors (roles auditor and admin)' },
  {
    name: 'analytics',
    description: 'Sales figures from the read models, for analysts (roles auditor and admin)',
  },
  { name: 'operations', description: 'Health, readiness, metrics, documentation' },
];

export function buildOpenApiDocument(operations: MountedOperation[]): OpenAPIObject {
  const dtos = dtoSchemas();
  const builder = OpenApiBuilder.create()
    .addOpenApiVersion('3.0.3')
    .addTitle('Ticketing backend')
    .addVersion('0.1.0')
    .addDescription(DESCRIPTION)
    .addServer({ url: '/', description: 'This server' })
    .addSecurityScheme('bearerAuth', {
      type: 'http',
      scheme: 'bearer',
      bearerFormat: 'JWT',
      description:
        'Access token from POST /v1/auth/token. An invalid token is refused (401) even on public routes.',
    })
    .addSecurityScheme('apiKey', {
      type: 'apiKey',
      in: 'header',
      name: 'X-API-Key',
      description:
        'The calling application (POST /v1/admin/api-keys). Read on /v1 only: an unknown or revoked key is 401 ' +
        '`INVALID_API_KEY` (a revocation holds in every API process within its projection lag); with ' +
        'REQUIRE_API_KEY=true a /v1 request without one is 401 `API_KEY_REQUIRED`. A key may carry its own ' +
        '`rate_limit_per_hour`. Never needed on /healthz, /readyz, /metrics, /openapi.json, /docs.',
    });
  TAGS.forEach((tag) => builder.addTag(tag));

  const paths = new Map<string, PathItemObject>();
  for (const mounted of operations) {
    const path = documentPath(mounted);
    const item = paths.get(path) ?? {};
    if (item[mounted.spec.method]) throw new Error(`${mounted.spec.method} ${path} is declared twice`);
    item[mounted.spec.method] = operationObject(mounted, dtos);
    paths.set(path, item);
  }
  paths.forEach((item, path) => builder.addPath(path, item));

  const bodies = operations.flatMap(({ spec }) => (spec.body ? [spec.body.name] : []));
  const named = collectComponents([...paths.values()]);
  const schemas = { ...Object.fromEntries(named), ...dtoComponents(bodies) };
  for (const name of Object.keys(schemas).sort()) builder.addSchema(name, schemas[name]);
  for (const [name, parameter] of Object.entries(PARAMETERS)) builder.addParameter(name, parameter);
  for (const [name, header] of Object.entries(HEADERS)) builder.addHeader(name, header);
  // Plain JSON: the component references carry their schemas in a symbol the document must not keep.
  return JSON.parse(JSON.stringify(builder.getSpec())) as OpenAPIObject;
}
