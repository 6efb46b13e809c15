import { createHash } from 'node:crypto';
import type { Request, Response } from 'express';

/**
 * Conditional reads (RFC 9110 8.8.3, 13.1.2): the read answers that crowds repeat (seat maps, event details,
 * availability) carry a weak ETag made from the read model's version of what they show, and a request whose
 * `If-None-Match` names the current one is answered 304 Not Modified before its body is built.
 *
 * `public`: the same for everyone who may see it, so a CDN or proxy may share it for a second (a crowd refreshing a
 * seat map costs the origin one request per second per URL). `private`: only the caller's own cache may keep it,
 * and must ask again each time (an admin's view of an unpublished event; the Partner API, where every read passes
 * the client check and counts against its quota).
 *
 * `Vary: X-Min-Log-Position`: a read-your-writes request is never answered from a copy cached for others.
 */
export type CacheScope = 'public' | 'private';

export const CACHE_CONTROL: Record<CacheScope, string> = {
  public: 'public, max-age=1',
  private: 'private, no-cache',
};

/**
 * Sets the answer's ETag (`W/"<version>"`), Cache-Control and Vary, and answers 304 when `If-None-Match` names that
 * tag (or is `*`). Returns true when the 304 was sent: the caller then builds nothing. `version` must be made of
 * ETag-safe characters (letters, digits, `-`, `_`, `.`).
 */
export function answeredNotModified(
  req: Request,
  res: Response,
  version: string,
  scope: CacheScope,
): boolean {
  res.setHeader('ETag', `W/"${version}"`);
  res.setHeader('Cache-Control', CACHE_CONTROL[scope]);
  res.vary('X-Min-Log-Position');
  const condition = req.headers['if-none-match'];
  if (condition === undefined || !namesVersion(condition, version)) return false;
  res.status(304).end();
  return true;
}

/** Weak comparison, as If-None-Match asks: `W/"v"` and `"v"` name the same version; a list names any of its tags. */
function namesVersion(condition: string, version: string): boolean {
  const quoted = `"${version}"`;
  for (const part of condition.split(',')) {
    const tag = part.trim();
    if (tag === '*' || tag === quoted || tag === `W/${quoted}`) return true;
  }
  return false;
}

/**
 * A version made from the answer itself, for a small answer whose read model moves for changes it does not show
 * (the partner event details: the event document's position moves with every hold, its counts are not shown).
 */
export function contentVersion(answer: unknown): string {
  return `c${createHash('sha256').update(JSON.stringify(answer)).digest('base64url').slice(0, 27)}`;
}
