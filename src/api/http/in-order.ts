import type { RequestHandler } from 'express';

/**
 * Several app-wide middleware as one express layer. Each runs in turn as the router would run it: an error passed
 * to next, thrown, or a rejected promise skips the rest and goes on to the error handler. What the router adds per
 * layer and per request (a path match, a params object, closures, its bookkeeping) is left out: on the reserve path
 * the router allocated more than anything else, and its garbage was the largest single cost (GC).
 */
export function inOrder(handlers: readonly RequestHandler[]): RequestHandler {
  return (req, res, next) => {
    let index = 0;
    const step = (error?: unknown): void => {
      if (error) return next(error);
      const handler = handlers[index++];
      if (!handler) return next();
      try {
        const result: unknown = handler(req, res, step);
        if (result instanceof Promise)
          result.then(undefined, (rejected: unknown) => next(rejected || new Error('Rejected promise')));
      } catch (thrown) {
        next(thrown);
      }
    };
    step();
  };
}
