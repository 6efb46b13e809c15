import { Writable } from 'node:stream';
import type { Request, Response } from 'express';
import { errorHandler } from '../../src/api/http/middleware';
import { ConcurrencyConflictError } from '../../src/application/shared/stream-command-processor';
import { createLogger } from '../../src/infrastructure/logging/logger';
import { createEvent } from '../support/fixtures';
import { startTestApp, type TestApp } from '../support/test-app';

/**
 * Red team, issue 10: a full waiting room (503 QUEUE_FULL) was logged at error level with a stack, so an on-sale
 * would flood the error log. Expected refusals (ApiError, DomainError, contention) of any status are answers: a 5xx
 * one is a single warn line with its code and no stack; only unexpected exceptions are errors, with their stack.
 */

interface LogLine {
  level: number;
  msg: string;
  err?: { stack?: string };
  code?: string;
  status?: number;
}
const WARN = 40;
const ERROR = 50;

/** A pino destination that keeps the parsed lines. */
function capture(): { stream: Writable; lines: LogLine[] } {
  const lines: LogLine[] = [];
  const stream = new Writable({
    write(chunk, _encoding, done) {
      for (const text of String(chunk).split('\n').filter(Boolean)) lines.push(JSON.parse(text) as LogLine);
      done();
    },
  });
  return { stream, lines };
}

describe('expected refusals are not logged as errors', () => {
  const log = capture();
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ env: { LOG_LEVEL: 'info' }, logDestination: log.stream });
  });
  afterAll(() => t.close());

  it('503 QUEUE_FULL: one warn line with its code, no stack, nothing at error level', async () => {
    const { eventId } = await createEvent(t.call, t.mintToken('log-admin', 'admin'), {
      queue: { enabled: true, capacity: 1, challenge_max_number: 0 },
    });
    const join = (userId: string) =>
      t.call('POST', '/v1/queue/join', {
        token: t.mintToken(userId),
        body: { event_id: eventId, device_fingerprint: `${userId}-device` },
      });
    expect((await join('first-in')).status).toBe(200);
    const before = log.lines.length;
    const full = await join('one-too-many');
    expect([full.status, full.body.error.code]).toEqual([503, 'QUEUE_FULL']);

    const lines = log.lines.slice(before);
    expect(lines.filter((line) => line.level >= ERROR)).toEqual([]);
    const refused = lines.filter((line) => line.msg === 'request refused');
    expect(refused).toEqual([
      expect.objectContaining({ level: WARN, status: 503, code: 'QUEUE_FULL', route: '/v1/queue/join' }),
    ]);
    expect(JSON.stringify(refused)).not.toContain('stack');
  });
});

describe('the error handler tells refusals from failures', () => {
  function logOf(error: unknown): LogLine[] {
    const log = capture();
    const req = { requestId: 'r-1', method: 'POST', originalUrl: '/v1/orders' } as Request;
    const res = { req, headersSent: false, setHeader() {}, status: () => res, json() {} };
    errorHandler(createLogger('info', log.stream))(error, req, res as unknown as Response, () => {});
    return log.lines;
  }

  it('contention (503 SERVICE_UNAVAILABLE) is a refusal: warn, no stack', () => {
    const lines = logOf(new ConcurrencyConflictError('queue-e1', 5));
    expect(lines).toEqual([
      expect.objectContaining({ level: WARN, code: 'SERVICE_UNAVAILABLE', status: 503 }),
    ]);
    expect(lines[0].err).toBeUndefined();
  });

  it('an unexpected exception is an error with its stack', () => {
    const lines = logOf(new TypeError('cannot read x of undefined'));
    expect(lines).toEqual([expect.objectContaining({ level: ERROR, msg: 'request failed' })]);
    expect(lines[0].err?.stack).toContain('TypeError');
  });
});
