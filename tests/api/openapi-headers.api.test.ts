import type { OpenAPIObject, OperationObject, ParameterObject } from 'openapi3-ts/oas30';
import { isSafeClientId } from '../../src/api/http/card-data-guard';
import { contractChecker, type ContractChecker } from '../support/contract';
import type { ApiResponse, CallOptions } from '../support/http';
import { startTestApp, type TestApp } from '../support/test-app';

/**
 * The headers of the contract against the running app: the request headers the service reads are declared as
 * parameters where it reads them, with the rules it applies; the response headers it sends are listed on the
 * answers that carry them, and only there.
 */

type HttpMethod = 'get' | 'post' | 'put' | 'patch' | 'delete';
const METHODS: HttpMethod[] = ['get', 'post', 'put', 'patch', 'delete'];

describe('OpenAPI document: headers', () => {
  let t: TestApp;
  let doc: OpenAPIObject;
  let checker: ContractChecker;

  const resolve = <T>(value: unknown): T => {
    let current = value as { $ref?: string } | undefined;
    while (current && typeof current === 'object' && current.$ref) {
      const [, kind, name] = /^#\/components\/(\w+)\/(.+)$/.exec(current.$ref) ?? [];
      current = (doc.components as Record<string, Record<string, { $ref?: string }>>)[kind]?.[name];
    }
    return current as T;
  };
  const operations = () =>
    Object.entries(doc.paths).flatMap(([path, item]) =>
      METHODS.filter((m) => item[m]).map((method) => ({ method, path, op: item[method] as OperationObject })),
    );
  const headerParameters = (op: OperationObject) =>
    (op.parameters ?? [])
      .map((p) => resolve<ParameterObject>(p))
      .filter((p) => p.in === 'header')
      .map((p) => p.name);
  /** A call whose answer the document must describe, headers included (the client checks it too). */
  const call = async (method: string, url: string, options: CallOptions = {}): Promise<ApiResponse> => {
    const res = await t.call(method, url, options);
    expect(checker.problems(method, url, res)).toEqual([]);
    return res;
  };

  beforeAll(async () => {
    t = await startTestApp();
    doc = (await t.call('GET', '/openapi.json')).body as OpenAPIObject;
    checker = contractChecker(doc);
  });
  afterAll(() => t.close());

  describe('request headers the service reads are parameters', () => {
    it('X-Request-Id on every operation; X-Correlation-Id and X-Session-ID on every operation that writes events', () => {
      const declared = operations().map(({ method, path, op }) => ({
        where: `${method} ${path}`,
        headers: headerParameters(op),
        writes: method !== 'get' && !('x-always-refused' in op),
      }));
      expect(declared.length).toBeGreaterThan(50);
      for (const { where, headers, writes } of declared) {
        expect([where, headers.includes('X-Request-Id')]).toEqual([where, true]);
        expect([where, headers.includes('X-Correlation-Id'), headers.includes('X-Session-ID')]).toEqual([
          where,
          writes,
          writes,
        ]);
      }
    });

    it('X-Queue-Access-Token only on the reserve, X-Device-ID on the reserve and the queue join', () => {
      const reading = (name: string) =>
        operations()
          .filter(({ op }) => headerParameters(op).includes(name))
          .map(({ op }) => op.operationId)
          .sort();
      expect(reading('X-Queue-Access-Token')).toEqual(['reserveSeats']);
      expect(reading('X-Device-ID')).toEqual(['joinQueue', 'reserveSeats']);
    });

    it('their schemas state the rules the server applies', async () => {
      const parameter = (name: string) =>
        Object.values(doc.components!.parameters!)
          .map((p) => resolve<ParameterObject>(p))
          .find((p) => p.in === 'header' && p.name === name)!;
      const safeIds = ['X-Request-Id', 'X-Correlation-Id', 'X-Session-ID'];
      for (const name of safeIds)
        expect(parameter(name).schema).toEqual({
          type: 'string',
          pattern: '^[A-Za-z0-9._:-]{1,128}$',
          maxLength: 128,
        });
      expect(parameter('X-Device-ID').schema).toEqual({ type: 'string', maxLength: 512 });
      expect(parameter('X-Queue-Access-Token').schema).toEqual({ type: 'string' });

      // The pattern is the server's rule (isSafeClientId), and the server refuses what it refuses.
      const pattern = new RegExp((parameter('X-Request-Id').schema as { pattern: string }).pattern);
      const samples = ['a', 'A.b_c:d-9', 'x'.repeat(128), 'x'.repeat(129), '', 'a b', 'a/b', 'é', 'a,b'];
      for (const sample of samples)
        expect([sample, pattern.test(sample)]).toEqual([sample, isSafeClientId(sample)]);
      const codes = { 'X-Request-Id': 'INVALID_REQUEST_ID', 'X-Correlation-Id': 'INVALID_CORRELATION_ID' };
      for (const name of safeIds) {
        const refused = await call('GET', '/v1/events/search', { headers: { [name]: 'x'.repeat(129) } });
        expect([name, refused.status, refused.body.error.code]).toEqual([
          name,
          400,
          codes[name as keyof typeof codes] ?? 'INVALID_HEADER',
        ]);
        const taken = await call('GET', '/v1/events/search', {
          headers: { [name]: `A.b_c:d-${'x'.repeat(120)}` },
        });
        expect([name, taken.status]).toEqual([name, 200]);
      }
      const longDevice = await call('GET', '/v1/events/search', {
        headers: { 'x-device-id': 'd'.repeat(513) },
      });
      expect([longDevice.status, longDevice.body.error.code]).toEqual([400, 'INVALID_HEADER']);
      const device = await call('GET', '/v1/events/search', {
        headers: { 'x-device-id': 'd é/'.repeat(128) },
      });
      expect(device.status).toBe(200);
    });
  });
});
