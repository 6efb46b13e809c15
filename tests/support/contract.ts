/* eslint-disable @typescript-eslint/no-explicit-any -- documents and bodies are whatever was served */
import Ajv, { type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import type { OpenAPIObject, OperationObject, ResponseObject } from 'openapi3-ts/oas30';

/**
 * Checks answers against the OpenAPI document the server serves: the status must be documented for the matched
 * operation, an error's code listed for that status, every header the document knows (components.headers) that
 * the answer carries listed on it, and a JSON body valid against the schema (ajv; fields a schema does not declare
 * count as problems, so the document cannot fall behind the code).
 */

const METHODS = ['get', 'post', 'put', 'patch', 'delete'] as const;

export interface MatchedOperation {
  method: string;
  template: string;
  operation: OperationObject;
}

export interface ContractChecker {
  /** The documented operation for a request, if any. */
  match(method: string, url: string): MatchedOperation | undefined;
  /** Problems of one answer (empty when the document says exactly this can happen). */
  problems(
    method: string,
    url: string,
    res: { status: number; body: unknown; headers: Headers; text?: string },
  ): string[];
}

/** Every object with declared properties refuses undeclared ones (test-side strictness; the document stays open). */
export function closeObjects(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(closeObjects);
  if (!node || typeof node !== 'object') return node;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(node))
    out[k] = k === 'properties' ? mapValues(v, closeObjects) : closeObjects(v);
  if (out.properties && out.additionalProperties === undefined) out.additionalProperties = false;
  return out;
}
const mapValues = (o: unknown, f: (v: unknown) => unknown) =>
  Object.fromEntries(Object.entries(o as Record<string, unknown>).map(([k, v]) => [k, f(v)]));

/** `#/components/...` -> `openapi.json#/components/...`, so schemas compile against the registered document. */
export function rebase(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(rebase);
  if (!node || typeof node !== 'object') return node;
  return Object.fromEntries(
    Object.entries(node).map(([k, v]) => [
      k,
      k === '$ref' && typeof v === 'string' ? `openapi.json${v}` : rebase(v),
    ]),
  );
}

function resolve<T>(doc: OpenAPIObject, value: any): T {
  let current = value;
  for (let hops = 0; current && typeof current === 'object' && '$ref' in current; hops++) {
    if (hops > 10) throw new Error('reference loop');
    current = (current.$ref as string)
      .replace(/^#\//, '')
      .split('/')
      .reduce((node: any, key: string) => node?.[key], doc);
  }
  return current as T;
}

/** An ajv that knows every format the document uses. */
export function documentAjv(options: { allErrors?: boolean } = {}): Ajv {
  const ajv = new Ajv({ strict: false, ...options });
  addFormats(ajv);
  // What the service accepts and documents for emails (RFC 6531: `josé@example.com`); ajv-formats' `email` is ASCII.
  ajv.addFormat('idn-email', /^[^\s@]+@[^\s@]+\.[^\s@]+$/u);
  return ajv;
}

export function contractChecker(doc: OpenAPIObject): ContractChecker {
  const ajv = documentAjv({ allErrors: true });
  ajv.addSchema({ $id: 'openapi.json', components: closeObjects(doc.components) } as object);
  const compiled = new Map<unknown, ValidateFunction>();
  const validatorFor = (schema: unknown) => {
    let validate = compiled.get(schema);
    if (!validate) compiled.set(schema, (validate = ajv.compile(rebase(closeObjects(schema)) as object)));
    return validate;
  };

  const routes = Object.entries(doc.paths).flatMap(([template, item]) =>
    METHODS.filter((m) => (item as any)[m]).map((method) => ({
      method,
      template,
      pattern: new RegExp(`^${template.replace(/\{[^}]+\}/g, '[^/]+')}$`),
      operation: (item as any)[method] as OperationObject,
    })),
  );
  /**
   * The response headers the document describes (lower case): where one is sent, it must be listed (an ETag only on
   * the conditional reads). Not yet Cache-Control and Vary, which the document lists on conditional reads only:
   * routers that keep answers out of caches send `Cache-Control: no-store` on all of theirs.
   */
  const UNCHECKED = new Set(['cache-control', 'vary']);
  const known = Object.keys(doc.components?.headers ?? {})
    .map((name) => name.toLowerCase())
    .filter((name) => !UNCHECKED.has(name));
  const pathOf = (url: string) => url.split('?')[0].replace(/^https?:\/\/[^/]+/, '');

  const match = (method: string, url: string) => {
    const path = pathOf(url);
    const hit = routes.find((r) => r.method === method.toLowerCase() && r.pattern.test(path));
    return hit && { method: hit.method, template: hit.template, operation: hit.operation };
  };

  const envelope = (body: any): string[] => {
    const validate = validatorFor({ $ref: '#/components/schemas/Error' });
    return validate(body) ? [] : [`not the error envelope: ${ajv.errorsText(validate.errors)}`];
  };

  return {
    match,
    problems(method, url, res) {
      // HEAD is GET without a body.
      const head = method.toUpperCase() === 'HEAD';
      const found = match(head ? 'get' : method, url);
      const what = `${method.toUpperCase()} ${pathOf(url).slice(0, 100)} -> ${res.status}`;
      const code = (res.body as any)?.error?.code;
      if (!found) {
        // Not an operation: refused before routing, or 404 ROUTE_NOT_FOUND; the docs UI serves its assets.
        if (/^\/docs\//.test(pathOf(url)) && res.status < 400) return [];
        if (res.status < 400) return [`${what}: an undocumented operation answered`];
        return envelope(res.body).map((p) => `${what}: ${p}`);
      }
      const label = `${found.method.toUpperCase()} ${found.template} -> ${res.status}`;
      const documented = found.operation.responses[String(res.status)];
      if (!documented)
        return [`${label}: status not documented (${code ?? JSON.stringify(res.body)?.slice(0, 200)})`];
      const response = resolve<ResponseObject & { 'x-error-codes'?: string[] }>(doc, documented);
      const problems: string[] = [];
      // Error answers list their codes (x-error-codes); /readyz's 503 is its own status body, not an error.
      if (res.status >= 400 && response['x-error-codes'] && !response['x-error-codes'].includes(code))
        problems.push(`${label}: error code ${code} not listed (${response['x-error-codes']?.join(', ')})`);
      // A header the document knows (components.headers) is listed on every answer that carries it.
      const listed = new Set(Object.keys(response.headers ?? {}).map((name) => name.toLowerCase()));
      for (const name of known)
        if (res.headers.has(name) && !listed.has(name))
          problems.push(`${label}: header ${name} is sent but not listed on this answer`);
      const media = Object.keys(response.content ?? {});
      if (media.length === 0 && (res as { text?: string }).text)
        problems.push(`${label}: a body is sent where the document describes none`);
      const type = res.headers.get('content-type') ?? '';
      if (media.length > 0 && !media.some((m) => type.startsWith(m)))
        problems.push(`${label}: content-type ${type} not in ${media.join(', ')}`);
      const schema = response.content?.['application/json']?.schema;
      if (schema && !head && type.startsWith('application/json')) {
        const validate = validatorFor(schema);
        if (!validate(res.body))
          problems.push(`${label}: body does not match the document: ${ajv.errorsText(validate.errors)}`);
      }
      return problems;
    },
  };
}
