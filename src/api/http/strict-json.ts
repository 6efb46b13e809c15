import { isUtf8 } from 'node:buffer';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { ApiError } from './api-error';

/**
 * Strict JSON bodies, checked on the raw bytes before express.json parses them (its `verify` hook):
 * - the bytes must be valid UTF-8: the parser would turn a bad byte into U+FFFD, and the log would keep a value
 *   the client never sent;
 * - no object may repeat a key: JSON.parse keeps the last one, so what the guards and validators saw and what a
 *   client (or a proxy, or another parser) meant can differ;
 * - the charset must be UTF-8 (RFC 8259 §8.1): the checks above read UTF-8.
 * Both checks are one linear pass each (isUtf8 is native), cheap on the small bodies of the hot path.
 */
export function verifyStrictJson(
  _req: IncomingMessage,
  _res: ServerResponse,
  buf: Buffer,
  encoding: string | null,
): void {
  if (encoding !== null && encoding.toLowerCase() !== 'utf-8' && encoding.toLowerCase() !== 'utf8')
    throw new ApiError(415, 'UNSUPPORTED_MEDIA_TYPE', 'JSON bodies must be encoded in UTF-8');
  if (!isUtf8(buf)) throw new ApiError(400, 'INVALID_JSON', 'The request body is not valid UTF-8');
  const duplicate = findDuplicateKey(buf);
  if (duplicate !== undefined) {
    throw new ApiError(400, 'INVALID_JSON', 'The request body repeats a key in one object', {
      key: duplicate.length > 64 ? `${duplicate.slice(0, 61)}...` : duplicate,
    });
  }
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;

/**
 * The first key repeated within one object of a JSON text (compared after unescaping: `"a"` and `"\u0061"` are
 * the same key), or undefined. Works on the bytes: every structural character of JSON is ASCII, and no byte of a
 * multi-byte UTF-8 character is. Malformed JSON is not reported here; the parser refuses it next.
 */
export function findDuplicateKey(buf: Uint8Array): string | undefined {
  // One entry per open object (its keys so far) or array (null).
  const open: Array<Set<string> | null> = [];
  let expectKey = false;
  for (let i = 0; i < buf.length; i += 1) {
    const c = buf[i];
    if (c === QUOTE) {
      const start = i + 1;
      let escaped = false;
      let j = start;
      while (j < buf.length && buf[j] !== QUOTE) {
        if (buf[j] === BACKSLASH) {
          escaped = true;
          j += 1;
        }
        j += 1;
      }
      const keys = open[open.length - 1];
      if (expectKey && keys) {
        const key = keyText(buf, start, Math.min(j, buf.length), escaped);
        if (key !== undefined) {
          if (keys.has(key)) return key;
          keys.add(key);
        }
        expectKey = false;
      }
      i = j;
    } else if (c === 0x7b /* { */) {
      open.push(new Set());
      expectKey = true;
    } else if (c === 0x5b /* [ */) {
      open.push(null);
      expectKey = false;
    } else if (c === 0x7d /* } */ || c === 0x5d /* ] */) {
      open.pop();
      expectKey = false;
    } else if (c === 0x2c /* , */) {
      expectKey = open[open.length - 1] != null;
    }
  }
  return undefined;
}

function keyText(buf: Uint8Array, start: number, end: number, escaped: boolean): string | undefined {
  const raw = Buffer.from(buf.buffer, buf.byteOffset + start, end - start).toString('utf8');
  if (!escaped) return raw;
  try {
    return JSON.parse(`"${raw}"`) as string;
  } catch {
    return undefined; // a malformed escape: the parser refuses the body
  }
}
