/**
 * The pure scan of text for card-number-shaped digit runs (PANs), used by the card-data guard on request bodies,
 * queries, paths and kept headers, and by the logger to redact error messages. No I/O, no express.
 *
 * containsCardNumber (free text): 13 to 19 digits passing the Luhn check, made of consecutive digit groups joined
 * by short runs (1-3 characters) of anything that is neither a letter nor a digit: spaces, NBSP, dots, slashes,
 * commas, `+`, `_`, dashes of any kind, zero-width and other invisible characters. Any decimal digit counts
 * (fullwidth, Arabic-Indic, Devanagari: every \p{Nd}, by its value), and a letter touching the digits does not hide
 * them (`x4242...`, `ref-4242...`); a letter only ends a sequence. Two exceptions keep everyday numbers out: a group
 * of more than 8 digits is never joined to others (cards are written whole or in groups of 3-6), and a number
 * starting with 1 or 2 must start as a card could (issuedPrefix: 1 with 15 digits, Mir and Mastercard's 2-series):
 * a timestamp (`20261203095712132`, epoch milliseconds `1796...` of 13 digits) or a counter is not a card.
 *
 * idHoldsCardNumber (ids: `*_id` values, path segments, the kept headers) also sees digit groups of 4+ split by
 * single letters (`4242a4242b4242c4242`), 16-19 digits in a row that start as a card could, and 20 or more.
 *
 * Canonical UUIDs (8-4-4-4-12 hex) are identifiers, never scanned: this service's own ids are random UUIDs, and
 * about one in 340 of them holds a Luhn-valid run of 13+ digits across its dashes, which would refuse our own
 * reservation and order ids. The price: a card number deliberately written as a UUID is not caught.
 *
 * The false-positive trade-off: one digit string in ten passes Luhn, so the guard refuses some legitimate values:
 * a 13-19 digit number (or a run of numbers joined by short separators, `1, 2, 3, ... 11`) that happens to be
 * Luhn-valid, and about 1 in 500 random 32-character hex ids (a run of 13+ decimal digits in one is Luhn-valid
 * that often). Shorter numbers are never refused: 12-digit barcodes, dates (`2026-08-15T19:00:00Z`), phone
 * numbers of 12 digits or fewer. Refusing a rare legitimate request (400, with the field named) is the price of
 * never storing a card number. Not caught: a PAN split across several fields, written in words or another
 * encoding, split by letters into groups shorter than 4 digits in an id, or rounded as a JSON number beyond 2^53.
 */

/** A code point's class in the scan: a decimal digit's value (0-9), or one of these. */
const LETTER = -1; // letters and other numbers (², Ⅻ): they end a digit sequence
const SEPARATOR = -2; // anything else: spaces, punctuation, dashes, invisible characters
const DECIMAL_DIGIT = /\p{Nd}/u;
const LETTER_OR_NUMBER = /[\p{L}\p{N}]/u;
/** Non-ASCII code points classified so far (texts repeat the same few; bounded). */
const classes = new Map<number, number>();

function classOf(cp: number): number {
  if (cp < 128) {
    if (cp >= 48 && cp <= 57) return cp - 48;
    const lower = cp | 32;
    return lower >= 97 && lower <= 122 ? LETTER : SEPARATOR;
  }
  let cls = classes.get(cp);
  if (cls !== undefined) return cls;
  const ch = String.fromCodePoint(cp);
  if (DECIMAL_DIGIT.test(ch)) {
    // Unicode encodes every set of decimal digits as a contiguous 0-9 range (adjacent sets stay aligned on 10).
    let zero = cp;
    while (zero > 0 && DECIMAL_DIGIT.test(String.fromCodePoint(zero - 1))) zero -= 1;
    cls = (cp - zero) % 10;
  } else cls = LETTER_OR_NUMBER.test(ch) ? LETTER : SEPARATOR;
  if (classes.size >= 4096) classes.clear();
  classes.set(cp, cls);
  return cls;
}

interface ScanRules {
  /** Letters end a sequence (free text), or separate groups like any other character (ids). */
  lettersSeparate: boolean;
  /** Longest run of separators between two groups of one sequence. */
  maxSeparators: number;
  /** Shortest group a window may hold (a shorter one ends the sequence). */
  minGroupDigits: number;
  /** Fewest groups in a window. */
  minGroups: number;
}

/** Free text: digit groups joined by 1-3 non-alphanumeric characters; letters end a sequence. */
const TEXT_RULES: ScanRules = { lettersSeparate: false, maxSeparators: 3, minGroupDigits: 1, minGroups: 1 };
/** Ids: 3+ groups of 4+ digits split by single characters of any kind, letters included (`4242a4242b...`). */
const SPLIT_ID_RULES: ScanRules = {
  lettersSeparate: true,
  maxSeparators: 1,
  minGroupDigits: 4,
  minGroups: 3,
};

/** The fewest digits of a card number; fewer never need a scan. */
export const MIN_PAN = 13;
const MAX_PAN = 19;
/** The longest digit group that joins others to make a card number. */
const MAX_JOINED_GROUP = 8;

/**
 * One linear pass: digit groups are collected as they close, and each window of consecutive whole groups that
 * ends at the group just closed and holds 13-19 digits is Luhn-checked (at most 19 groups back, so O(n)).
 */
function scan(text: string, rules: ScanRules): boolean {
  // The last groups of the current sequence, newest last; a group longer than MAX_PAN is kept as its length.
  const groups: number[][] = [];
  let current: number[] = [];
  let currentLength = 0;
  let separators = 0;

  const closeGroup = (): boolean => {
    if (currentLength === 0) return false;
    if (currentLength < rules.minGroupDigits) {
      groups.length = 0;
    } else {
      groups.push(currentLength > MAX_PAN ? [] : current);
      if (groups.length > MAX_PAN) groups.shift();
      let total = 0;
      let longest = 0;
      for (let k = groups.length - 1; k >= 0; k -= 1) {
        const size = groups[k].length;
        if (size === 0) break; // too long to be part of a card number
        total += size;
        longest = Math.max(longest, size);
        if (total > MAX_PAN) break;
        // Cards are written whole or in groups of 3-6 (4-4-4-4, 4-6-5): a long run joined to its neighbours is a
        // number of its own (`fan-12345-1796137404733-0`: a pid, a timestamp, a counter).
        if (groups.length - k > 1 && longest > MAX_JOINED_GROUP) break;
        if (
          total >= MIN_PAN &&
          groups.length - k >= rules.minGroups &&
          issuedPrefix(firstDigits(groups, k), total) &&
          luhnWindow(groups, k)
        )
          return true;
      }
    }
    current = [];
    currentLength = 0;
    return false;
  };

  const found = eachClass(text, (cls) => {
    if (cls >= 0) {
      if (currentLength <= MAX_PAN) current.push(cls);
      currentLength += 1;
      separators = 0;
      return false;
    }
    if (closeGroup()) return true;
    if (cls === LETTER && !rules.lettersSeparate) {
      groups.length = 0;
      separators = 0;
      return false;
    }
    separators += 1;
    if (separators > rules.maxSeparators) groups.length = 0;
    return false;
  });
  return found || closeGroup();
}

/** Visits each code point's class (classOf) in order, until `visit` says it found what it looks for. */
function eachClass(text: string, visit: (cls: number) => boolean): boolean {
  for (let i = 0; i < text.length; i += 1) {
    let cp = text.charCodeAt(i);
    if (cp >= 0xd800 && cp <= 0xdbff && i + 1 < text.length) {
      cp = text.codePointAt(i)!;
      if (cp > 0xffff) i += 1;
    }
    if (visit(classOf(cp))) return true;
  }
  return false;
}

/** The first four digits of groups[from..] (fewer when the window is shorter). */
function firstDigits(groups: number[][], from: number): number[] {
  const digits: number[] = [];
  for (let g = from; g < groups.length && digits.length < 4; g += 1)
    for (let i = 0; i < groups[g].length && digits.length < 4; i += 1) digits.push(groups[g][i]);
  return digits;
}

/**
 * Whether a card could start so (ISO/IEC 7812 issuer prefixes): any leading digit but 1 and 2, as national schemes
 * use 0, 8 and 9 too; 1 only with 15 digits (UATP); 2 only in 2200-2204 (Mir) and 2221-2720 (Mastercard). What this
 * spares is dates and timestamps (`20261203095712132`, epoch milliseconds `17...`) and counters starting with 1.
 */
export function issuedPrefix(first: readonly number[], length: number): boolean {
  const [d0] = first;
  if (d0 === 1) return length === 15;
  if (d0 !== 2) return true;
  const four = first.length >= 4 ? first[0] * 1000 + first[1] * 100 + first[2] * 10 + first[3] : -1;
  return (four >= 2200 && four <= 2204) || (four >= 2221 && four <= 2720);
}

/** Luhn over the digits of groups[from..] (the newest group holds the check digit). */
function luhnWindow(groups: number[][], from: number): boolean {
  let sum = 0;
  let double = false;
  for (let g = groups.length - 1; g >= from; g -= 1) {
    const digits = groups[g];
    for (let i = digits.length - 1; i >= 0; i -= 1) {
      let d = digits[i];
      if (double) {
        d *= 2;
        if (d > 9) d -= 9;
      }
      sum += d;
      double = !double;
    }
  }
  return sum % 10 === 0;
}

/** A canonical UUID, not touching other hex digits: replaced by a word before the scan (see above). */
const UUID =
  /(?<![0-9A-Fa-f])[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}(?![0-9A-Fa-f])/g;

const withoutUuids = (text: string) =>
  text.length >= 36 && text.includes('-') ? text.replace(UUID, 'uuid') : text;

/**
 * True when the text holds something that could be a payment card number (rule 2 above): 13-19 decimal digits in
 * consecutive groups joined by 1-3 non-alphanumeric characters, Luhn-valid. Letters end a sequence, never hide it.
 */
export function containsCardNumber(text: string): boolean {
  if (tooFewDigits(text)) return false;
  return scan(withoutUuids(text), TEXT_RULES);
}

/**
 * The hot path's exit: an ASCII text with fewer than 13 digits holds no card number (most ids, names, paths).
 * Non-ASCII text goes to the scan, which knows every script's digits.
 */
function tooFewDigits(text: string): boolean {
  if (text.length < MIN_PAN) return true;
  let digits = 0;
  for (let i = 0; i < text.length; i += 1) {
    const c = text.charCodeAt(i);
    if (c >= 128) return false;
    if (c >= 48 && c <= 57 && ++digits >= MIN_PAN) return false;
  }
  return true;
}

/**
 * Stricter than containsCardNumber, for ids (the kept headers, `*_id` body fields, path segments): digit groups of
 * 4+ split by single letters or other characters count too (`4242a4242b4242c4242`, `pan_4242x4242x4242x4242`),
 * and 16-19 digits in a row that start as a card could, or any 20 or more, are refused whatever Luhn says (a
 * card-number shape; an id needs none). A timestamp key (`ord-20261203095712132`) passes.
 */
export function idHoldsCardNumber(id: string): boolean {
  if (tooFewDigits(id)) return false;
  const text = withoutUuids(id);
  return longIssuedRun(text) || scan(text, TEXT_RULES) || scan(text, SPLIT_ID_RULES);
}

/**
 * A run of 16 or more digits that could be a card number written whole, Luhn or not: 16-19 digits starting as a
 * card could (issuedPrefix), or 20 and more (no id needs that many digits in a row; a card may be glued to others).
 */
function longIssuedRun(text: string): boolean {
  let run: number[] = [];
  const check = () => {
    const found = run.length >= 16 && (run.length > MAX_PAN || issuedPrefix(run.slice(0, 4), run.length));
    run = [];
    return found;
  };
  const found = eachClass(text, (cls) => {
    if (cls >= 0) {
      run.push(cls);
      return false;
    }
    return check();
  });
  return found || check();
}

/** The Luhn (mod 10) check over a string of ASCII digits. */
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

/** Digit runs with up to 3 other characters between digits: the spans redactCardNumbers may mask. */
const DIGIT_SPAN = /\p{Nd}(?:\P{Nd}{0,3}\p{Nd})*/gu;

/** Masks every card-number-shaped span in free text (error messages and stacks about to be logged). */
export function redactCardNumbers(text: string): string {
  if (!idHoldsCardNumber(text)) return text;
  return text.replace(DIGIT_SPAN, (span) => (idHoldsCardNumber(span) ? '[redacted]' : span));
}
