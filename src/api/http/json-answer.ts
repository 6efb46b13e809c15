import express, { type Response } from 'express';

const EXPRESS_JSON = express.response.json;
const JSON_TYPE = 'application/json; charset=utf-8';

/**
 * `res.status(status).json(body)`, written directly for the answers where express's extra work buys nothing: an
 * error, or the answer to a command. express works the content type out of strings twice per answer and checks
 * the request's freshness against an ETag, which only a successful GET or HEAD can carry (a conditional read sets
 * one). The bytes, the status and the other headers are the same. Where that work matters (a successful GET or
 * HEAD), where a content type was already chosen, or where a middleware wrapped res.json (Idempotency-Key records
 * the answer), res.json is used as before.
 */
export function sendJson(res: Response, status: number, body: unknown): void {
  // A response built outside express's request cycle (no req) takes express's own path.
  const method = res.req?.method;
  if (
    method === undefined ||
    res.json !== EXPRESS_JSON ||
    res.hasHeader('content-type') ||
    ((method === 'GET' || method === 'HEAD') && status < 300)
  ) {
    res.status(status).json(body);
    return;
  }
  const text = JSON.stringify(body);
  res.statusCode = status;
  res.setHeader('Content-Type', JSON_TYPE);
  res.setHeader('Content-Length', Buffer.byteLength(text));
  if (method === 'HEAD') res.end();
  else res.end(text);
}
