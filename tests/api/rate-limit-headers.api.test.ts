import type { IncomingMessage } from 'node:http';
import type { OpenAPIObject, OperationObject, ResponseObject } from 'openapi3-ts/oas30';
import WebSocket from 'ws';
import { RATE_LIMITS } from '../../src/api/http/rate-limits';
import { createEvent } from '../support/fixtures';
import { realtimeUrl } from '../support/realtime-client';
import { startTestApp, type TestApp } from '../support/test-app';

/**
 * Red team, issue 10: /openapi.json listed X-RateLimit-* on `GET /v1/queue/challenge`, which sent none. The document
 * promises them on an operation's answers only where a limiter counts every request that reaches it; this walks
 * every documented operation with rate limits on, as the caller its security asks for (anonymous where a token is
 * optional, an admin's token where one is needed), and checks a real answer carries them exactly when documented.
 */

const METHODS = ['get', 'post', 'put', 'patch', 'delete'] as const;

/** Whether the operation's success answers list the rate-limit headers (they must agree with each other). */
function documentsRateLimit(op: OperationObject): boolean {
  const successes = Object.entries(op.responses)
    .filter(([status]) => Number(status) < 400)
    .map(([, response]) => Boolean((response as ResponseObject).headers?.['X-RateLimit-Limit']));
  expect(new Set(successes).size).toBeLessThanOrEqual(1);
  return successes[0] ?? false;
}

/** The headers of the 101 a WebSocket upgrade answers. */
function upgradeHeaders(url: string): Promise<IncomingMessage['headers']> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url);
    ws.once('upgrade', (res) => resolve(res.headers));
    ws.once('open', () => ws.close());
    ws.once('unexpected-response', (_req, res) => reject(new Error(`upgrade refused: ${res.statusCode}`)));
    ws.once('error', reject);
  });
}

describe('X-RateLimit-* are sent exactly where /openapi.json documents them (RATE_LIMITS=on)', () => {
  let t: TestApp;
  let doc: OpenAPIObject;

  beforeAll(async () => {
    t = await startTestApp({ env: { RATE_LIMITS: 'on' } });
    doc = (await t.call('GET', '/openapi.json')).body as OpenAPIObject;
  });
  afterAll(() => t.close());

  it('every documented operation, as its caller, against a real answer', async () => {
    const admin = t.mintToken('header-walker', 'admin');
    const rows: Array<{ call: string; status: number; documented: boolean; sent: boolean }> = [];
    for (const [path, item] of Object.entries(doc.paths)) {
      for (const method of METHODS) {
        const op = (item as Record<string, OperationObject | undefined>)[method];
        if (!op) continue;
        const documented = documentsRateLimit(op);
        const anonymous =
          !op.security || op.security.some((requirement) => Object.keys(requirement).length === 0);
        if (op.responses['101']) {
          // The WebSocket upgrade: its success is the 101 the realtime server writes.
          const headers = await upgradeHeaders(realtimeUrl(t.baseUrl, t.mintToken('header-walker-ws')));
          rows.push({
            call: `${method} ${path}`,
            status: 101,
            documented,
            sent: 'x-ratelimit-limit' in headers,
          });
          continue;
        }
        const url = path.replace(/\{[^}]+\}/g, 'no-such-id');
        const res = await t.call(method.toUpperCase(), url, {
          ...(anonymous ? {} : { token: admin }),
          ...(['post', 'put', 'patch'].includes(method) ? { body: {} } : {}),
        });
        rows.push({
          call: `${method} ${url}`,
          status: res.status,
          documented,
          sent: res.headers.has('x-ratelimit-limit'),
        });
      }
    }
    expect(rows.length).toBeGreaterThanOrEqual(60);
    // Answers past the limiters: none refused before them (a token or key refused), none over a limit.
    const answered = rows.filter((row) => row.status !== 401 && row.status !== 429);
    expect(answered.length).toBeGreaterThanOrEqual(rows.length - 15);
    expect(answered.filter((row) => row.documented !== row.sent)).toEqual([]);
    // Both kinds are there: the check can tell.
    expect(answered.some((row) => row.documented)).toBe(true);
    expect(answered.some((row) => !row.documented)).toBe(true);
  });

  it('the challenge is limited per client (anonymous and cheap, what bots fetch): its headers count down', async () => {
    const { eventId } = await createEvent(t.call, t.mintToken('challenge-admin', 'admin'), {
      queue: { enabled: true, challenge_max_number: 1000 },
    });
    const { limit } = RATE_LIMITS.queueChallenge;
    // Counted per signed-in user here (the walk above spent one of this address's anonymous budget).
    const token = t.mintToken('challenge-fan');
    const answers = [];
    for (let i = 0; i <= limit; i += 1)
      answers.push(await t.call('GET', `/v1/queue/challenge?event_id=${eventId}`, { token }));
    expect(answers.slice(0, limit).map((r) => r.status)).toEqual(Array(limit).fill(200));
    expect(answers.slice(0, limit).map((r) => Number(r.headers.get('x-ratelimit-remaining')))).toEqual(
      Array.from({ length: limit }, (_, i) => limit - 1 - i),
    );
    expect(answers[0].headers.get('x-ratelimit-limit')).toBe(String(limit));
    const refused = answers[limit];
    expect([refused.status, refused.body.error.code]).toEqual([429, 'RATE_LIMIT_EXCEEDED']);
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
  });
});
