import crypto from 'node:crypto';
import type Database from 'better-sqlite3';
import { openSqlite } from '../eventstore/sqlite/sqlite-database';
import { SqliteGroupCommit } from '../eventstore/sqlite/sqlite-group-commit';
import {
  PaymentDeclinedError,
  PaymentGatewayUnavailableError,
  type Authorization,
  type Capture,
  type CardDetails,
  type PaymentGateway,
  type RawCard,
  type Refund,
} from '../../application/ports/payment-gateway';

type DeclineReason = PaymentDeclinedError['reason'];

interface TestCard extends CardDetails {
  /** authorize() refuses this card with this reason (the card itself can still be described and saved). */
  declines?: DeclineReason;
  /** authorize() answers PaymentGatewayUnavailableError, every time (a retryable failure). */
  unavailable?: boolean;
}

const EXP = { expMonth: 12, expYear: 2030 } as const;

/**
 * Stripe-style test tokens (the last four digits are those of Stripe's matching test card numbers).
 * Declining tokens describe fine, like Stripe's test cards, so they can be saved as a payment method and
 * fail only when charged.
 */
const TEST_CARDS: Readonly<Record<string, TestCard>> = {
  tok_visa: { brand: 'Visa', last4: '4242', ...EXP },
  tok_visa_debit: { brand: 'Visa', last4: '5556', ...EXP },
  tok_mastercard: { brand: 'Mastercard', last4: '4444', ...EXP },
  tok_mastercard_debit: { brand: 'Mastercard', last4: '8210', ...EXP },
  tok_amex: { brand: 'American Express', last4: '8431', ...EXP },
  tok_chargeDeclined: { brand: 'Visa', last4: '0002', ...EXP, declines: 'card_declined' },
  tok_chargeDeclinedInsufficientFunds: {
    brand: 'Visa',
    last4: '9995',
    ...EXP,
    declines: 'insufficient_funds',
  },
  tok_chargeDeclinedExpiredCard: { brand: 'Visa', last4: '0069', ...EXP, declines: 'expired_card' },
  tok_chargeDeclinedProcessingError: { brand: 'Visa', last4: '0119', ...EXP, declines: 'processing_error' },
  tok_gatewayUnavailable: { brand: 'Visa', last4: '0000', ...EXP, unavailable: true },
};

/**
 * Test card numbers (Stripe's, by brand, and its declines) and the token each one vaults as. Every other number is
 * refused at tokenization, as a processor in test mode refuses real cards. A number whose token is
 * `tok_{brand}_{last4}` (4111 1111 1111 1111, Stripe's second Amex and its other Mastercards) behaves like the
 * brand's token under its own last four (see cardFor).
 */
const TEST_CARD_NUMBERS: Readonly<Record<string, string>> = {
  '4242424242424242': 'tok_visa',
  '4111111111111111': 'tok_visa_1111',
  '4000056655665556': 'tok_visa_debit',
  '5555555555554444': 'tok_mastercard',
  '2223003122003222': 'tok_mastercard_3222',
  '5200828282828210': 'tok_mastercard_debit',
  '5105105105105100': 'tok_mastercard_5100',
  '378282246310005': 'tok_amex_0005',
  '371449635398431': 'tok_amex',
  '4000000000000002': 'tok_chargeDeclined',
  '4000000000009995': 'tok_chargeDeclinedInsufficientFunds',
  '4000000000000069': 'tok_chargeDeclinedExpiredCard',
  '4000000000000119': 'tok_chargeDeclinedProcessingError',
  '4000000000000000': 'tok_gatewayUnavailable',
};

const DECLINE_MESSAGES: Record<DeclineReason, string> = {
  card_declined: 'Your card was declined',
  insufficient_funds: 'Your card has insufficient funds',
  expired_card: 'Your card has expired',
  processing_error: 'An error occurred while processing your card',
  authorization_expired: 'The authorization has expired or was released',
  unknown_card_token: 'Unknown card token',
};

/** Gateway operations, for simulated outages. */
export type GatewayOperation =
  'describeToken' | 'tokenizeCard' | 'authorize' | 'capture' | 'voidAuthorization' | 'refund';

export interface AuthorizationRecord {
  amountCents: number;
  /** Captured so far, by capture idempotency key. */
  captures: Record<string, number>;
  voided: boolean;
}

interface CaptureRecord {
  amountCents: number;
  /** Refunded so far, by refund idempotency key. */
  refunds: Record<string, number>;
}

type RecordKind = 'authorization' | 'capture' | 'request';

/** Where the gateway keeps what it has seen: the processor's side of the story, not ours. */
interface GatewayLedger {
  get<T>(kind: RecordKind, key: string): T | undefined;
  put(kind: RecordKind, key: string, value: unknown): void;
  /** Runs `fn` atomically (several processes may share a file ledger); resolves once its writes are durable. */
  atomically<T>(fn: () => T): Promise<T>;
  close(): void;
}

/** Per process, capped: a long-running dev server must not grow without bound (oldest forgotten first). */
class MemoryLedger implements GatewayLedger {
  private readonly maps: Record<RecordKind, Map<string, string>> = {
    authorization: new Map(),
    capture: new Map(),
    request: new Map(),
  };
  constructor(private readonly maxTracked: number) {}
  get<T>(kind: RecordKind, key: string): T | undefined {
    const raw = this.maps[kind].get(key);
    return raw === undefined ? undefined : (JSON.parse(raw) as T);
  }
  put(kind: RecordKind, key: string, value: unknown): void {
    const map = this.maps[kind];
    map.set(key, JSON.stringify(value));
    if (map.size > this.maxTracked) map.delete(map.keys().next().value as string);
  }
  atomically<T>(fn: () => T): Promise<T> {
    try {
      return Promise.resolve(fn());
    } catch (error) {
      return Promise.reject(error);
    }
  }
  close(): void {}
}

/**
 * A SQLite file of its own: a real processor remembers authorizations and captures when our process dies, so a
 * saga re-driven after a crash must meet the same records (and the same idempotency-key answers) again.
 */
class FileLedger implements GatewayLedger {
  private readonly db: Database.Database;
  private readonly select: Database.Statement<[string, string], { value: string }>;
  private readonly upsert: Database.Statement<[string, string, string]>;
  /** Calls made in one turn of the event loop (captures of many orders) share one commit, each in a savepoint. */
  private readonly groupCommit: SqliteGroupCommit;
  constructor(file: string) {
    // The data directory's rules (0700 directory, 0600 database and side files), from the one place they live.
    this.db = openSqlite(file);
    this.db.exec(
      'CREATE TABLE IF NOT EXISTS gateway_records (kind TEXT NOT NULL, key TEXT NOT NULL, value TEXT NOT NULL, PRIMARY KEY (kind, key))',
    );
    this.select = this.db.prepare('SELECT value FROM gateway_records WHERE kind = ? AND key = ?');
    this.upsert = this.db.prepare(
      'INSERT INTO gateway_records (kind, key, value) VALUES (?, ?, ?) ON CONFLICT (kind, key) DO UPDATE SET value = excluded.value',
    );
    this.groupCommit = new SqliteGroupCommit(this.db);
  }
  get<T>(kind: RecordKind, key: string): T | undefined {
    const row = this.select.get(kind, key);
    return row === undefined ? undefined : (JSON.parse(row.value) as T);
  }
  put(kind: RecordKind, key: string, value: unknown): void {
    this.upsert.run(kind, key, JSON.stringify(value));
  }
  atomically<T>(fn: () => T): Promise<T> {
    return this.groupCommit.run(fn);
  }
  close(): void {
    if (!this.db.open) return;
    this.groupCommit.close();
    this.db.close();
  }
}

/**
 * A deterministic PaymentGateway for development and tests (the embedded profile's default), standing in for an
 * external processor.
 *
 * Results are derived from the inputs and the idempotency key only (ids are a prefix + a sha256 of the key), so
 * a retry with the same key answers the same thing. A ledger catches caller mistakes: capturing more than was
 * authorized, refunding more than was captured, capturing a voided authorization, or reusing an idempotency key
 * for a different request. With `file` the ledger is a SQLite file that outlives our process, like the real
 * processor's records; without it the ledger is in memory and an authorization or capture it has not seen
 * (made before a restart) is trusted as it comes.
 *
 * Tokens: see TEST_CARDS, plus any `tok_visa_*` / `tok_mastercard_*` (a Visa / Mastercard whose last four
 * digits are the token's 4-digit suffix when it has one, e.g. `tok_visa_1881`, otherwise 4242 / 4444).
 * Unknown tokens are refused as `unknown_card_token` ('Unknown card token'): no card is behind them.
 */
export class TestPaymentGateway implements PaymentGateway {
  private readonly ledger: GatewayLedger;
  private readonly outage = new Set<GatewayOperation>();

  /**
   * @param options.file SQLite file that keeps the ledger across restarts (shared by processes using the same file).
   * @param options.maxTracked in-memory ledger only: entries kept per kind (oldest forgotten first, then trusted
   *   like after a restart).
   */
  constructor(options: { file?: string; maxTracked?: number } = {}) {
    this.ledger = options.file
      ? new FileLedger(options.file)
      : new MemoryLedger(options.maxTracked ?? 100_000);
  }

  /** What the processor knows about an authorization (tests and audits: e.g. how many captures it has). */
  authorizationRecord(authorizationId: string): AuthorizationRecord | undefined {
    return this.ledger.get<AuthorizationRecord>('authorization', authorizationId);
  }

  close(): void {
    this.ledger.close();
  }

  async describeToken(cardToken: string): Promise<CardDetails> {
    this.checkOutage('describeToken');
    const { brand, last4, expMonth, expYear } = cardFor(cardToken);
    return { brand, last4, expMonth, expYear };
  }

  /** Test numbers only (TEST_CARD_NUMBERS); nothing about the card is recorded, and errors never quote it. */
  async tokenizeCard(card: RawCard): Promise<CardDetails & { cardToken: string }> {
    this.checkOutage('tokenizeCard');
    const cardToken = Object.prototype.hasOwnProperty.call(TEST_CARD_NUMBERS, card.number)
      ? TEST_CARD_NUMBERS[card.number]
      : undefined;
    if (!cardToken)
      throw new PaymentDeclinedError('card_declined', 'The test gateway accepts its test card numbers only');
    const { brand, last4 } = cardFor(cardToken);
    return { cardToken, brand, last4, expMonth: card.expMonth, expYear: card.expYear };
  }

  async authorize(request: {
    cardToken: string;
    amountCents: number;
    currency: string;
    idempotencyKey: string;
  }): Promise<Authorization> {
    this.checkOutage('authorize');
    const { cardToken, amountCents, currency, idempotencyKey } = request;
    requireAmount(amountCents);
    if (!/^[A-Za-z]{3}$/.test(currency)) throw new RangeError(`Not an ISO 4217 currency code: ${currency}`);
    return this.ledger.atomically(() => {
      this.checkKey('authorize', idempotencyKey, [cardToken, amountCents, currency.toUpperCase()]);
      const card = cardFor(cardToken);
      if (card.unavailable)
        throw new PaymentGatewayUnavailableError(
          'The payment gateway is not reachable (test token tok_gatewayUnavailable)',
        );
      if (card.declines) throw new PaymentDeclinedError(card.declines, DECLINE_MESSAGES[card.declines]);
      const authorizationId = deriveId('auth', 'authorize', idempotencyKey);
      if (!this.ledger.get('authorization', authorizationId)) {
        const record: AuthorizationRecord = { amountCents, captures: {}, voided: false };
        this.ledger.put('authorization', authorizationId, record);
      }
      return { authorizationId, amountCents };
    });
  }

  async capture(request: {
    authorizationId: string;
    amountCents: number;
    idempotencyKey: string;
  }): Promise<Capture> {
    this.checkOutage('capture');
    const { authorizationId, amountCents, idempotencyKey } = request;
    requireAmount(amountCents);
    return this.ledger.atomically(() => {
      this.checkKey('capture', idempotencyKey, [authorizationId, amountCents]);
      const captureId = deriveId('cap', 'capture', idempotencyKey);
      const auth = this.ledger.get<AuthorizationRecord>('authorization', authorizationId);
      if (auth && !(idempotencyKey in auth.captures)) {
        if (auth.voided)
          throw new PaymentDeclinedError(
            'authorization_expired',
            'The authorization was voided and cannot be captured',
          );
        drawDown(auth.captures, auth.amountCents, request, 'Capture', authorizationId);
        this.ledger.put('authorization', authorizationId, auth);
      }
      if (!this.ledger.get('capture', captureId)) {
        const record: CaptureRecord = { amountCents, refunds: {} };
        this.ledger.put('capture', captureId, record);
      }
      return { captureId, amountCents };
    });
  }

  async voidAuthorization(request: { authorizationId: string; idempotencyKey: string }): Promise<void> {
    this.checkOutage('voidAuthorization');
    const { authorizationId, idempotencyKey } = request;
    await this.ledger.atomically(() => {
      this.checkKey('void', idempotencyKey, [authorizationId]);
      const auth = this.ledger.get<AuthorizationRecord>('authorization', authorizationId);
      if (!auth) return;
      if (Object.keys(auth.captures).length > 0)
        throw new Error(
          `Authorization ${authorizationId} was captured: refund the capture instead of voiding`,
        );
      auth.voided = true;
      this.ledger.put('authorization', authorizationId, auth);
    });
  }

  async refund(request: { captureId: string; amountCents: number; idempotencyKey: string }): Promise<Refund> {
    this.checkOutage('refund');
    const { captureId, amountCents, idempotencyKey } = request;
    requireAmount(amountCents);
    return this.ledger.atomically(() => {
      this.checkKey('refund', idempotencyKey, [captureId, amountCents]);
      const capture = this.ledger.get<CaptureRecord>('capture', captureId);
      if (capture && !(idempotencyKey in capture.refunds)) {
        drawDown(capture.refunds, capture.amountCents, request, 'Refund', captureId);
        this.ledger.put('capture', captureId, capture);
      }
      return { refundId: deriveId('re', 'refund', idempotencyKey), amountCents };
    });
  }

  /**
   * Tests: make the given operations (default: all) fail with PaymentGatewayUnavailableError until endOutage().
   * Nothing is recorded for a call that fails this way, so the same call succeeds once the outage ends.
   */
  simulateOutage(
    operations: GatewayOperation[] = [
      'describeToken',
      'tokenizeCard',
      'authorize',
      'capture',
      'voidAuthorization',
      'refund',
    ],
  ): void {
    for (const operation of operations) this.outage.add(operation);
  }

  endOutage(): void {
    this.outage.clear();
  }

  private checkOutage(operation: GatewayOperation): void {
    if (this.outage.has(operation))
      throw new PaymentGatewayUnavailableError(
        `The payment gateway is not reachable (simulated outage of ${operation})`,
      );
  }

  /** Like Stripe: one idempotency key, one request. Reusing a key for a different request is a caller bug. */
  private checkKey(operation: string, idempotencyKey: string, request: unknown[]): void {
    if (typeof idempotencyKey !== 'string' || idempotencyKey.length === 0 || idempotencyKey.length > 255) {
      throw new RangeError('An idempotency key (1-255 characters) is required');
    }
    const key = `${operation}:${idempotencyKey}`;
    const fingerprint = JSON.stringify(request);
    const first = this.ledger.get<string>('request', key);
    if (first === undefined) this.ledger.put('request', key, fingerprint);
    else if (first !== fingerprint)
      throw new Error(
        `Idempotency key ${idempotencyKey} was already used for a different ${operation} request`,
      );
  }
}

/** The test card behind a token; PaymentDeclinedError('card_declined') for tokens this gateway does not know. */
/** `tok_{family}_{last4}` tokens: the family's brand, and its usual last four when none is given. */
const BRAND_FAMILIES = {
  visa: { brand: 'Visa', last4: '4242' },
  mastercard: { brand: 'Mastercard', last4: '4444' },
  amex: { brand: 'American Express', last4: '8431' },
} as const;

function cardFor(cardToken: string): TestCard {
  if (typeof cardToken === 'string') {
    if (Object.prototype.hasOwnProperty.call(TEST_CARDS, cardToken)) return TEST_CARDS[cardToken];
    const family = /^tok_(visa|mastercard|amex)_[A-Za-z0-9_]+$/.exec(cardToken);
    if (family) {
      const suffix = /_(\d{4})$/.exec(cardToken)?.[1];
      const brand = BRAND_FAMILIES[family[1] as keyof typeof BRAND_FAMILIES];
      return { brand: brand.brand, last4: suffix ?? brand.last4, ...EXP };
    }
  }
  throw new PaymentDeclinedError('unknown_card_token', 'Unknown card token');
}

function deriveId(prefix: string, operation: string, idempotencyKey: string): string {
  return `${prefix}_${crypto.createHash('sha256').update(`${operation}:${idempotencyKey}`).digest('hex').slice(0, 24)}`;
}

function requireAmount(amountCents: number): void {
  if (!Number.isSafeInteger(amountCents) || amountCents <= 0)
    throw new RangeError(`Amount must be a positive whole number of cents, got ${amountCents}`);
}

/**
 * Records a capture of an authorization (or a refund of a capture) under its idempotency key; refused when the
 * amounts drawn would exceed what the authorization (or capture) holds.
 */
function drawDown(
  drawn: Record<string, number>,
  total: number,
  draw: { amountCents: number; idempotencyKey: string },
  what: 'Capture' | 'Refund',
  from: string,
): void {
  const already = sum(drawn);
  if (already + draw.amountCents > total)
    throw new RangeError(
      `${what} of ${draw.amountCents} cents exceeds the ${total - already} cents left on ${from}`,
    );
  drawn[draw.idempotencyKey] = draw.amountCents;
}

function sum(amounts: Record<string, number>): number {
  let total = 0;
  for (const amount of Object.values(amounts)) total += amount;
  return total;
}
