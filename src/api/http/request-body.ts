import type { Request, RequestHandler } from 'express';
import { ApiError } from './api-error';

declare module 'express-serve-static-core' {
  interface Request {
    /** What the body middleware refused (a parse error, an unsupported media type), answered by the operation. */
    bodyError?: unknown;
    /** The body came form-encoded: only operations that say so (OperationSpec.formBody) take it. */
    formEncoded?: boolean;
  }
}

/**
 * The body middleware (media type, parsers, guards), run in order before routing; what one of them refuses is
 * kept on the request (`bodyError`, the body dropped) instead of answered at once, and the steps after it are
 * skipped. The operation the request reaches answers it, in its own words (OperationSpec.malformed: the partner
 * cart path answers every malformed request with the FAQ's message), after its token and gate checks; a request
 * for no operation gets it from routeNotFound, as before. So which operation a request is for is decided once, by
 * the router, never by a second reading of the path.
 */
export function readBody(steps: RequestHandler[]): RequestHandler {
  return (req, res, next) => {
    let index = 0;
    const step = (error?: unknown): void => {
      if (error) {
        req.bodyError = error;
        req.body = undefined;
        return next();
      }
      const handler = steps[index++];
      if (!handler) return next();
      try {
        void handler(req, res, step);
      } catch (thrown) {
        step(thrown ?? new Error('body middleware threw'));
      }
    };
    step();
  };
}

const FORM_NOT_TAKEN = () => new ApiError(415, 'UNSUPPORTED_MEDIA_TYPE', 'Send the body as application/json');

/** Why the operation cannot read the request's body, or undefined: what readBody kept, or a form it does not take. */
export function bodyRefusal(req: Request, takesForm: boolean): unknown {
  if (req.bodyError !== undefined) return req.bodyError;
  if (req.formEncoded && !takesForm) return FORM_NOT_TAKEN();
  return undefined;
}
