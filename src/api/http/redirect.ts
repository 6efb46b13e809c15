import type { Response } from 'express';

/**
 * A redirect as the document describes it: the status and `Location`, and no body (express's res.redirect adds a
 * `Found. Redirecting to ...` text, or an HTML page, that no client of this API reads and the document would have to
 * describe).
 */
export function redirect(res: Response, status: 301 | 302, location: string): void {
  res.location(location);
  res.setHeader('Content-Length', '0');
  res.status(status).end();
}
