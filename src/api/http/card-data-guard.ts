import type { RequestHandler } from 'express';
import { ApiError } from './api-error';
import { containsCardNumber, idHoldsCardNumber, MIN_PAN } from './card-number-scan';

/**
 * The raw-card-data guard, one for every door. Cards reach this API only as gateway tokens (`tok_...`); a card
 * number (PAN) or security code in a request is refused with 400 RAW_CARD_DATA_REJECTED before authentication,
 * validation, idempotency or any handler sees it, so it is never recorded in the event log, an idempotency record
 * or a log line. The answer names the field path only, never the value.
 *
 * What is refused, anywhere in a parsed JSON or form body or query string (objects and arrays, down to MAX_DEPTH):
 * 1. a key that names card data: compared lower-cased with `_` and `-` removed, one of CARD_DATA_KEYS
 *    (cardnumber, pan, cvc, cvv, cvc2, cvv2, securitycode, card_code and a few synonyms), or `number` in an object
 *    whose key path mentions "card" (`card.number`, `payment.credit_card.number`, `cards.0.number`). Names are
 *    matched whole: `encrypted_number` and `encrypted_cvv` (the partner API's RSA-encrypted fields) pass;
 * 2. a value or key holding a card-number-shaped sequence (containsCardNumber in card-number-scan.ts: 13-19
 *    Luhn-valid digits in groups joined by short non-alphanumeric runs, any script's digits);
 * 3. for ids (values of keys named `id`, `*_id`, `*Id`, `*_ids`, path segments, and the kept headers checked in
 *    middleware.ts): the stricter idHoldsCardNumber (digit groups split by single letters, any 16 digits in a row).
 *
 * card-number-scan.ts says what the scan catches and misses, and why UUIDs are spared and some legitimate values
 * are refused. Bodies nested deeper than MAX_DEPTH are refused first by guardJsonBody.
 */

export const RAW_CARD_DATA_MESSAGE =
  'Card numbers and security codes must never be sent to this API; send a payment token instead';

/** Deeper than this is not inspected: guardJsonBody (mounted before) refuses bodies nested more than 32 levels. */
export const MAX_DEPTH = 32;

/** Normalised (lower-case, no `_` or `-`) key names that only ever hold raw card data. */
const CARD_DATA_KEYS: ReadonlySet<string> = new Set([
  'cardnumber',
  'pan',
  'cvc',
  'cvv',
  'cvc2',
  'cvv2',
  'securitycode',
  'cardcode',
  // synonyms seen in the wild
  'creditcardnumber',
  'ccnumber',
  'cardnum',
  'cardno',
  'primaryaccountnumber',
  'cardcvc',
  'cardcvv',
  'cardsecuritycode',
  'cardverificationcode',
  'cardverificationvalue',
]);

const normalizeKey = (key: string) => key.toLowerCase().replace(/[_-]/g, '');

// ---- Bodies, queries, paths -------------------------------------------------------------------------------------

function valueHoldsCardNumber(value: unknown, id: boolean): boolean {
  if (typeof value === 'string') return id ? idHoldsCardNumber(value) : containsCardNumber(value);
  if (typeof value === 'number' && Number.isFinite(value)) return containsCardNumber(String(value));
  return false;
}

interface Frame {
  node: object;
  /** The frame holding this node, and the key of this node in it (for the path, built only on a hit). */
  parent: Frame | undefined;
  key: string;
  depth: number;
  /** Some key on the way here mentions "card". */
  inCard: boolean;
  /** The node is the value of an id key (`seat_ids: [...]`): its items are ids. */
  ids: boolean;
}

const KEY_PLAIN = 0;
const KEY_CARD_DATA = 1;
const KEY_NUMBER = 2;
const KEY_MENTIONS_CARD = 4;
/** The key names an id (`id`, `event_id`, `seat_ids`, `eventId`): its values get the id rule. */
const KEY_ID = 8;
/** The key itself holds a card number. */
const KEY_HOLDS_CARD = 16;
/** Key classifications: bodies repeat the same few keys, so the guard costs next to nothing on the hot path. */
const keyClasses = new Map<string, number>();
const MAX_CACHED_KEYS = 5000;
const ID_KEY = /(?:^|[_.-])ids?$|[a-z0-9]I[dD]s?$/;

function classifyKey(key: string): number {
  let flags = keyClasses.get(key);
  if (flags !== undefined) return flags;
  const normalized = normalizeKey(key);
  flags = CARD_DATA_KEYS.has(normalized) ? KEY_CARD_DATA : normalized === 'number' ? KEY_NUMBER : KEY_PLAIN;
  if (normalized.includes('card')) flags |= KEY_MENTIONS_CARD;
  if (ID_KEY.test(key) || ID_KEY.test(key.toLowerCase())) flags |= KEY_ID;
  if (idHoldsCardNumber(key)) flags |= KEY_HOLDS_CARD;
  if (key.length <= 64) {
    if (keyClasses.size >= MAX_CACHED_KEYS) keyClasses.clear();
    keyClasses.set(key, flags);
  }
  return flags;
}

/** A path segment safe to echo: keys are client text, so one holding a card number is not repeated. */
function safeSegment(key: string): string {
  if (idHoldsCardNumber(key)) return '[redacted]';
  return key.length > 64 ? `${key.slice(0, 61)}...` : key;
}

function pathOf(frame: Frame, key: string): string {
  const segments = [safeSegment(key)];
  for (let f: Frame | undefined = frame; f?.parent; f = f.parent) segments.push(safeSegment(f.key));
  return segments.reverse().join('.');
}

/**
 * The path of the first field that holds raw card data (`card.number`, `items.2.note`), or undefined when there is
 * none. `(body)` when the body itself is such a value. Pure; never returns the offending value.
 */
export function findRawCardData(body: unknown): string | undefined {
  if (body === null || typeof body !== 'object')
    return valueHoldsCardNumber(body, false) ? '(body)' : undefined;
  const stack: Frame[] = [{ node: body, parent: undefined, key: '', depth: 1, inCard: false, ids: false }];
  while (stack.length > 0) {
    const frame = stack.pop()!;
    const { node, depth, inCard, ids } = frame;
    if (Array.isArray(node)) {
      // Indexes are never card-data names: only the values need a look.
      for (let i = 0; i < node.length; i += 1) {
        const value: unknown = node[i];
        if (valueHoldsCardNumber(value, ids)) return pathOf(frame, String(i));
        if (value !== null && typeof value === 'object' && depth < MAX_DEPTH) {
          stack.push({ node: value, parent: frame, key: String(i), depth: depth + 1, inCard, ids: false });
        }
      }
      continue;
    }
    for (const key of Object.keys(node)) {
      const value = (node as Record<string, unknown>)[key];
      const flags = classifyKey(key);
      if (flags & (KEY_CARD_DATA | KEY_HOLDS_CARD) || (flags & KEY_NUMBER && inCard))
        return pathOf(frame, key);
      if (valueHoldsCardNumber(value, (flags & KEY_ID) !== 0)) return pathOf(frame, key);
      if (value !== null && typeof value === 'object' && depth < MAX_DEPTH) {
        stack.push({
          node: value,
          parent: frame,
          key,
          depth: depth + 1,
          inCard: inCard || (flags & KEY_MENTIONS_CARD) !== 0,
          ids: (flags & KEY_ID) !== 0,
        });
      }
    }
  }
  return undefined;
}

/**
 * Client-chosen ids and keys (X-Request-Id, X-Correlation-Id, Idempotency-Key, X-Session-ID) are written to log
 * lines, event metadata and the idempotency table: 1-128 of `[A-Za-z0-9._:-]`, nothing else.
 */
const SAFE_CLIENT_ID = /^[A-Za-z0-9._:-]{1,128}$/;

export function isSafeClientId(value: string): boolean {
  return SAFE_CLIENT_ID.test(value);
}

/**
 * Path segments are ids (they name streams and are echoed in 404s): the id rule on each segment, and the text rule
 * on the whole path (an encoded `/` splits `4242%2F4242%2F...` into segments).
 */
function pathHoldsCardNumber(path: string): boolean {
  if (containsCardNumber(path)) return true;
  for (const segment of path.split('/')) {
    if (segment.length >= MIN_PAN && idHoldsCardNumber(segment)) return true;
  }
  return false;
}

/** The field holding card data in a request's body, query string or path, or undefined. */
export function findRawCardDataInRequest(req: {
  body?: unknown;
  query?: unknown;
  path?: string;
}): string | undefined {
  const body: unknown = req.body;
  if (body !== undefined && body !== null) {
    const field = findRawCardData(body);
    if (field !== undefined) return field;
  }
  const query = req.query;
  if (query !== null && typeof query === 'object' && Object.keys(query).length > 0) {
    const field = findRawCardData(query);
    if (field !== undefined) return `query.${field}`;
  }
  // Path segments become ids and end up in log lines and 404 messages; checked decoded (%34%32... is 42...).
  const path = req.path ?? '';
  if (path.length >= MIN_PAN) {
    let decoded = path;
    if (path.includes('%')) {
      try {
        decoded = decodeURIComponent(path);
      } catch {
        // Malformed escapes: the router answers 400; the raw text is still checked below.
      }
    }
    if (pathHoldsCardNumber(decoded) || (decoded !== path && pathHoldsCardNumber(path))) return '(path)';
  }
  return undefined;
}

/**
 * Express middleware, mounted right after the body parsers: 400 RAW_CARD_DATA_REJECTED (details: the field path)
 * for a request whose JSON or form body, query string or path holds raw card data (the kept headers are checked
 * by the request-id middleware, first of all). The parsed body is dropped so nothing later can record it.
 */
export const rejectRawCardData: RequestHandler = (req, _res, next) => {
  const field = findRawCardDataInRequest(req);
  if (field === undefined) return next();
  req.body = undefined;
  next(new ApiError(400, 'RAW_CARD_DATA_REJECTED', RAW_CARD_DATA_MESSAGE, { field }));
};
