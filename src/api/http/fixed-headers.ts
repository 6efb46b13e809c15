import type { Request, RequestHandler, Response } from 'express';

type HeaderWrite = { set: string; value: string | number | readonly string[] } | { remove: string };

/**
 * A middleware that only writes the same response headers on every request (helmet: eleven little middlewares,
 * each a closure and a next() per request), replayed from a recording made once at start-up: the same headers,
 * set in the same order, in one loop. The recording is kept only if the middleware touched nothing but
 * setHeader/removeHeader, called next() at once without an error, and wrote the same headers twice in a row;
 * otherwise the middleware itself is used, unchanged.
 */
export function fixedHeaders(middleware: RequestHandler): RequestHandler {
  const first = record(middleware);
  const second = first && record(middleware);
  if (!first || !second || JSON.stringify(first) !== JSON.stringify(second)) return middleware;
  const writes = first;
  return (_req, res, next) => {
    for (const write of writes) {
      if ('set' in write) res.setHeader(write.set, write.value);
      else res.removeHeader(write.remove);
    }
    next();
  };
}

/** The header writes of one call, or undefined when the middleware did anything else. */
function record(middleware: RequestHandler): HeaderWrite[] | undefined {
  const writes: HeaderWrite[] = [];
  let other = false;
  // Any other use of the request or the response: not a fixed-headers middleware.
  const refuse = () => {
    other = true;
    return false;
  };
  const req = new Proxy({}, { get: refuse, set: refuse, has: refuse }) as unknown as Request;
  const recorder = {
    setHeader: (name: string, value: string | number | readonly string[]) => {
      writes.push({ set: name, value });
    },
    removeHeader: (name: string) => {
      writes.push({ remove: name });
    },
  };
  const res = new Proxy(recorder, {
    get: (target, key) => (key === 'setHeader' || key === 'removeHeader' ? target[key] : refuse()),
    set: refuse,
  }) as unknown as Response;
  let nextCalled = false;
  let failed = false;
  try {
    middleware(req, res, (error?: unknown) => {
      nextCalled = true;
      if (error !== undefined) failed = true;
    });
  } catch {
    return undefined;
  }
  return nextCalled && !failed && !other ? writes : undefined;
}
