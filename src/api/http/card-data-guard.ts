import type { RequestHandler } from 'express';
import { ApiError } from './api-error';

/**
 * The raw-card-data guard. Cards reach this API only as gateway tokens (`tok_...`); a card number (PAN) or security
 * code in a request body is refused with 400 RAW_CARD_DATA_REJECTED before authentication, validation, idempotency
 * or any handler sees it, so it is never recorded in the event log, an idempotency record or a log line. The answer
 * names the field path only, never the value.
 *
 * What is refused, anywhere in a parsed JSON body (objects and arrays, down to MAX_DEPTH levels):
 * 1. a key that names card data: compared lower-cased with `_` and `-` removed, one of CARD_DATA_KEYS
 *    (cardnumber, pan, cvc, cvv, cvc2, cvv2, securitycode, card_code and a few synonyms), or `number` in an object
 *    whose key path mentions "card" (`card.number`, `payment.credit_card.number`, `cards.0.number`). Names are
 *    matched whole: `encrypted_number` and `encrypted_cvv` (the partner API's RSA-encrypted fields) pass;
 * 2. a value (string or number, or a key) that holds a card-number-shaped run: 13 to 19 digits, in groups joined
 *    by single spaces or dashes (consecutive groups of a longer run count too: "ref 1 4242 4242 4242 4242"),
 *    passing the Luhn check and starting with 2-6 (ISO/IEC 7812 major industry identifiers of the payment
 *    networks: Mastercard 2/5, Amex, JCB and Diners 3, Visa 4, Discover, UnionPay and Maestro 6). Runs inside
 *    free text are found too; runs glued to a letter (directly or by a dash) are identifiers and are skipped
 *    (`ord4242...`, `ref-4242...`, hex ids, UUIDs with a letter in them).
 *
 * The false-positive trade-off: one random digit string in ten passes Luhn, so the guard refuses some legitimate
 * long numbers: a 13-19 digit id, account or tracking number that starts with 2-6 and happens to be Luhn-valid,
 * and any key or path containing "card" with a `number` field (`discard.number`, `scorecard.number`). Shorter
 * numbers are never refused: 12-digit barcodes, phone numbers (at most 15 digits in E.164; a Luhn-valid one of
 * 13+ digits starting with 2-6 is refused), dates and order numbers. Epoch-millisecond timestamps (13 digits,
 * starting with 1 until 2033) pass thanks to the 2-6 rule. Refusing a rare legitimate request is the price of
 * never storing a card number: the client can resend the value with a letter prefix or split differently.
 * Not caught: a PAN split across several fields or rounded as a JSON number beyond 2^53 (19-digit numbers lose
 * their last digits when parsed), and bodies nested deeper than MAX_DEPTH (guardJsonBody refuses those first).
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

/** Runs of digits joined by single spaces or dashes ("4242 4242 4242 4242", "3782-822463-10005", "2026-08-15"). */
const DIGIT_RUN = /\d+(?:[ -]\d+)*/g;

const normalizeKey = (key: string) => key.toLowerCase().replace(/[_-]/g, '');

const isAlphanumeric = (ch: string | undefined) => ch !== undefined && /[A-Za-z0-9]/.test(ch);

/**
 * True when the text holds something that could be a payment card number: within a run of digit groups that is
 * not part of an identifier (glued to a letter, directly or by a dash: `ord4242...`, `ref-4242...`), some
 * consecutive groups make 13-19 digits that start with 2-6 and pass the Luhn check.
 */
export function containsCardNumber(text: string): boolean {
  if (text.length < 13) return false;
  DIGIT_RUN.lastIndex = 0;
  for (let match = DIGIT_RUN.exec(text); match; match = DIGIT_RUN.exec(text)) {
    const run = match[0];
    if (run.length < 13) continue;
    const start = match.index;
    const end = start + run.length;
    const before = text[start - 1];
    const after = text[end];
    if (isAlphanumeric(before) || (before === '-' && isAlphanumeric(text[start - 2]))) continue;
    if (isAlphanumeric(after) || (after === '-' && isAlphanumeric(text[end + 1]))) continue;
    const groups = run.split(/[ -]/);
    for (let i = 0; i < groups.length; i += 1) {
      let digits = '';
      for (let j = i; j < groups.length; j += 1) {
        digits += groups[j];
        if (digits.length > 19) break;
        if (digits.length >= 13 && digits[0] >= '2' && digits[0] <= '6' && luhnValid(digits)) return true;
      }
    }
  }
  return false;
}

/** The Luhn (mod 10) check over a string of digits. */
export function luhnValid(digits: string): boolean {
  let sum = 0;
  let double = false;
  for (let i = digits.length - 1; i >= 0; i -= 1) {
    let d = digits.charCodeAt(i) - 48;
    if (d < 0 || d > 9) return false;
    if (double) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
    double = !double;
  }
  return digits.length > 0 && sum % 10 === 0;
}

function valueHoldsCardNumber(value: unknown): boolean {
  if (typeof value === 'string') return containsCardNumber(value);
  if (typeof value === 'number' && Number.isFinite(value)) return containsCardNumber(String(value));
  return false;
}

/** A path segment safe to echo: keys are client text, so one holding a card number is not repeated. */
function safeSegment(key: string): string {
  if (containsCardNumber(key) || /\d(?:[ -]?\d){12}/.test(key)) return '[redacted]';
  return key.length > 64 ? `${key.slice(0, 61)}...` : key;
}

interface Frame {
  node: object;
  /** The frame holding this node, and the key of this node in it (for the path, built only on a hit). */
  parent: Frame | undefined;
  key: string;
  depth: number;
  /** Some key on the way here mentions "card". */
  inCard: boolean;
}

const KEY_PLAIN = 0;
const KEY_CARD_DATA = 1;
const KEY_NUMBER = 2;
const KEY_MENTIONS_CARD = 4;
/** Key classifications: bodies repeat the same few keys, so the guard costs next to nothing on the hot path. */
const keyClasses = new Map<string, number>();
const MAX_CACHED_KEYS = 5000;

function classifyKey(key: string): number {
  let flags = keyClasses.get(key);
  if (flags !== undefined) return flags;
  const normalized = normalizeKey(key);
  flags = CARD_DATA_KEYS.has(normalized) ? KEY_CARD_DATA : normalized === 'number' ? KEY_NUMBER : KEY_PLAIN;
  if (normalized.includes('card')) flags |= KEY_MENTIONS_CARD;
  if (key.length <= 64) {
    if (keyClasses.size >= MAX_CACHED_KEYS) keyClasses.clear();
    keyClasses.set(key, flags);
  }
  return flags;
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
  if (body === null || typeof body !== 'object') return valueHoldsCardNumber(body) ? '(body)' : undefined;
  const stack: Frame[] = [{ node: body, parent: undefined, key: '', depth: 1, inCard: false }];
  while (stack.length > 0) {
    const frame = stack.pop()!;
    const { node, depth, inCard } = frame;
    if (Array.isArray(node)) {
      // Indexes are never card-data names: only the values need a look.
      for (let i = 0; i < node.length; i += 1) {
        const value: unknown = node[i];
        if (valueHoldsCardNumber(value)) return pathOf(frame, String(i));
        if (value !== null && typeof value === 'object' && depth < MAX_DEPTH) {
          stack.push({ node: value, parent: frame, key: String(i), depth: depth + 1, inCard });
        }
      }
      continue;
    }
    for (const key of Object.keys(node)) {
      const value = (node as Record<string, unknown>)[key];
      const flags = classifyKey(key);
      if (flags & KEY_CARD_DATA || (flags & KEY_NUMBER && inCard)) return pathOf(frame, key);
      if (containsCardNumber(key) || valueHoldsCardNumber(value)) return pathOf(frame, key);
      if (value !== null && typeof value === 'object' && depth < MAX_DEPTH) {
        stack.push({
          node: value,
          parent: frame,
          key,
          depth: depth + 1,
          inCard: inCard || (flags & KEY_MENTIONS_CARD) !== 0,
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
 * Stricter than containsCardNumber, for ids: digits glued to letters (`req-4242...`) or grouped with `.`, `_` or `:`
 * count too, and 16 or more digits in a row are refused whatever Luhn says (a card-number shape; an id needs none).
 */
export function idHoldsCardNumber(id: string): boolean {
  // Fast exit for the common short id (every request with an X-Request-Id or Idempotency-Key comes here).
  let digits = 0;
  for (let i = 0; i < id.length; i += 1) {
    const c = id.charCodeAt(i);
    if (c >= 48 && c <= 57) digits += 1;
  }
  if (digits < 13) return false;
  if (/\d{16,}/.test(id)) return true;
  // Letters become a non-joining mark so glued runs are looked at; the other separators join groups like `-`.
  return containsCardNumber(id.replace(/[A-Za-z]/g, '#').replace(/[._:]/g, '-'));
}

/** Masks every card-number-shaped run in free text (error messages and stacks about to be logged). */
export function redactCardNumbers(text: string): string {
  if (!containsCardNumber(text)) return text;
  return text.replace(/\d(?:[ -]?\d){12,}/g, (run) => (containsCardNumber(run) ? '[redacted]' : run));
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
  if (path.length >= 13) {
    let decoded = path;
    if (path.includes('%')) {
      try {
        decoded = decodeURIComponent(path);
      } catch {
        // Malformed escapes: the router answers 400; the raw text is still checked below.
      }
    }
    if (containsCardNumber(decoded) || (decoded !== path && containsCardNumber(path))) return '(path)';
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
