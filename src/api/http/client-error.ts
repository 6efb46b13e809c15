import { randomUUID } from 'node:crypto';
import { STATUS_CODES } from 'node:http';
import type { Duplex } from 'node:stream';

/**
 * What node's HTTP parser refuses before express sees a request (headers over node's 16 KB limit, a request line or
 * header that is not HTTP, a request that took too long to arrive) is answered in the standard error envelope, like
 * every other refusal, instead of node's bare status line with no body. The connection is closed after it: the
 * parser cannot tell where the next request would start.
 */
export function answerClientError(error: Error & { code?: string }, socket: Duplex): void {
  // Nothing to answer on a connection that is gone or already answered.
  if (error.code === 'ECONNRESET' || !socket.writable) {
    socket.destroy();
    return;
  }
  const [status, code, message] = refusalOf(error.code);
  const requestId = randomUUID();
  const body = JSON.stringify({
    error: { code, message, details: {}, request_id: requestId, timestamp: new Date().toISOString() },
  });
  socket.end(
    `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\n` +
      'Content-Type: application/json; charset=utf-8\r\n' +
      `X-Request-Id: ${requestId}\r\n` +
      `Content-Length: ${Buffer.byteLength(body)}\r\n` +
      'Connection: close\r\n\r\n' +
      body,
  );
}

function refusalOf(parserCode: string | undefined): [number, string, string] {
  switch (parserCode) {
    case 'HPE_HEADER_OVERFLOW':
      return [431, 'HEADERS_TOO_LARGE', 'The request line and headers are larger than 16 KB'];
    case 'ERR_HTTP_REQUEST_TIMEOUT':
      return [408, 'REQUEST_TIMEOUT', 'The request did not arrive in time'];
    default:
      return [400, 'BAD_REQUEST', 'The request is not valid HTTP'];
  }
}
