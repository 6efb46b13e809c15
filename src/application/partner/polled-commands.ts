import crypto from 'node:crypto';
import { DomainError } from '../../domain/shared/errors';
import type { Clock } from '../ports/clock';
import type { IdempotencyStore, StoredResponse } from '../ports/idempotency-store';

/**
 * Polled commands (partner API, FAQ "Polling"): under load, or when the partner asks for it, a cart call is
 * accepted at once (202 `{polling_url, wait}`) and run exactly once in the background; its answer is kept so that
 * polling returns it, with its own status, as many times as asked.
 *
 * When to poll: the event has more work pending than the threshold (commands queued on its stream, or cart calls
 * in progress for it in this process, whichever is more), the threshold lowered for partners who leave carts to
 * expire (FAQ: they "can also be penalized and more frequently polled"). How long to wait: a base wait,
 * raised by the load and by the partner's abandonment score (partner-abandonment.ts).
 *
 * Durability: answers are written to the idempotency store (shared by every process on the data, and kept across a
 * restart) as well as memory; a marker is written when the command is accepted, so another process answers 202
 * for it. A crash while the command runs loses its answer (the command itself either was appended or not): such a
 * poll id answers 410 POLLED_RESULT_LOST once `lostAfterMs` have passed, with what the caller said at submission
 * (LostAnswer: which cart it was, and what the partner can do about it).
 */

/** A command's answer as HTTP will give it: status, JSON body (none for 204) and the headers worth replaying. */
export interface PolledAnswer {
  status: number;
  body?: unknown;
  headers: Record<string, string>;
}

export interface PollingOptions {
  /** Commands pending on the event's stream above which cart calls are polled. */
  queueDepthThreshold: number;
  /** The wait (seconds) a partner with a clean record is given at the threshold. */
  baseWaitSeconds: number;
  maxWaitSeconds: number;
  /** Answers are kept in memory this long after they are ready (the idempotency store keeps them longer). */
  retentionMs: number;
  /** A command accepted this long ago with no answer anywhere was lost (a crash): 410. */
  lostAfterMs: number;
}

export const DEFAULT_POLLING_OPTIONS: PollingOptions = {
  queueDepthThreshold: 200,
  baseWaitSeconds: 1,
  maxWaitSeconds: 30,
  retentionMs: 15 * 60_000,
  lostAfterMs: 5 * 60_000,
};

/** How much an abandonment score of 1 multiplies the wait (and divides the threshold). */
const PENALTY = 4;

interface Entry {
  partnerId: string;
  submittedAt: number;
  wait: number;
  answer?: PolledAnswer;
  readyAt?: number;
}

export type PollState = { ready: false; wait: number } | { ready: true; answer: PolledAnswer };

/** What a poll id answers if its command's answer is lost in a crash (410 POLLED_RESULT_LOST): kept with the marker. */
export interface LostAnswer {
  message: string;
  /** Ids only (the cart, its event): the idempotency table keeps no other client text. */
  details: Record<string, string>;
}

const LOST_BY_DEFAULT: LostAnswer = {
  message: 'The server restarted while this command ran and its answer was lost',
  details: {},
};

export class PolledCommands {
  private readonly entries = new Map<string, Entry>();
  /** Cart calls in progress per event in this process (direct and polled). */
  private readonly inProgress = new Map<string, number>();
  private readonly options: PollingOptions;
  private lastSweep = 0;
  /** Background commands not finished yet (tests and shutdown wait for them). */
  private readonly running = new Set<Promise<void>>();

  constructor(
    private readonly deps: {
      store: IdempotencyStore;
      clock: Clock;
      /** Commands pending on the event's stream (StreamCommandProcessor.pendingCommands). */
      queueDepth(eventId: string): number;
      /** 0 (clean) to 1 (every cart left to expire). */
      abandonment(partnerId: string): Promise<number>;
      onError?(error: unknown): void;
    },
    options: Partial<PollingOptions> = {},
  ) {
    this.options = { ...DEFAULT_POLLING_OPTIONS, ...options };
  }

  /**
   * Marks a cart call on the event as in progress until the returned function is called. A burst of calls all
   * see an empty stream queue when they arrive (none has reached the stream yet), so the calls in progress count
   * as pending too.
   */
  begin(eventId: string): () => void {
    this.inProgress.set(eventId, (this.inProgress.get(eventId) ?? 0) + 1);
    let ended = false;
    return () => {
      if (ended) return;
      ended = true;
      const left = (this.inProgress.get(eventId) ?? 1) - 1;
      if (left > 0) this.inProgress.set(eventId, left);
      else this.inProgress.delete(eventId);
    };
  }

  /**
   * Whether this call is to be polled, and the wait to advise; undefined to answer it at once. Pending work on
   * the event: the commands queued on its stream or the cart calls in progress for it, whichever is more.
   */
  async shouldPoll(
    partnerId: string,
    eventId: string,
    forced: boolean,
  ): Promise<{ wait: number } | undefined> {
    const depth = Math.max(this.deps.queueDepth(eventId), this.inProgress.get(eventId) ?? 0);
    if (!forced && depth === 0) return undefined; // an idle event: no need to read the score
    const score = await this.deps.abandonment(partnerId);
    const threshold = Math.max(1, Math.floor(this.options.queueDepthThreshold / (1 + PENALTY * score)));
    if (!forced && depth <= threshold) return undefined;
    const load = Math.max(1, depth / threshold);
    const wait = Math.ceil(this.options.baseWaitSeconds * load * (1 + PENALTY * score));
    return { wait: Math.min(this.options.maxWaitSeconds, Math.max(1, wait)) };
  }

  /**
   * Accepts `run` and starts it (once). `run` must answer every outcome, errors included, as a PolledAnswer: a
   * rejection is reported to onError and kept as a 500 answer.
   */
  async submit(
    partnerId: string,
    wait: number,
    run: () => Promise<PolledAnswer>,
    eventId?: string,
    lost: LostAnswer = LOST_BY_DEFAULT,
  ): Promise<{ pollId: string }> {
    const pollId = newPollId();
    const submittedAt = this.deps.clock.now().getTime();
    this.sweep(submittedAt);
    await this.deps.store.put(storeKey('pending', pollId), {
      status: 202,
      body: { submitted_at: submittedAt, wait, lost },
      headers: {},
      fingerprint: owner(partnerId),
    });
    const entry: Entry = { partnerId, submittedAt, wait };
    this.entries.set(pollId, entry);
    const end = eventId === undefined ? () => undefined : this.begin(eventId);
    const task = (async () => {
      let answer: PolledAnswer;
      try {
        answer = await run();
      } catch (error) {
        this.deps.onError?.(error);
        answer = { status: 500, body: internalError(), headers: {} };
      } finally {
        end();
      }
      entry.answer = answer;
      entry.readyAt = this.deps.clock.now().getTime();
      try {
        await this.deps.store.put(storeKey('result', pollId), {
          status: answer.status,
          // No body (204) is kept as null: JSON has no undefined.
          body: answer.body ?? null,
          headers: answer.headers,
          fingerprint: owner(partnerId),
        });
      } catch (error) {
        this.deps.onError?.(error); // memory still has it; other processes will see it as lost in time
      }
    })();
    this.running.add(task);
    void task.finally(() => this.running.delete(task));
    return { pollId };
  }

  /** The state of a poll id for this partner: POLL_NOT_FOUND for an unknown id or another partner's. */
  async state(partnerId: string, pollId: string): Promise<PollState> {
    const now = this.deps.clock.now().getTime();
    this.sweep(now);
    const entry = this.entries.get(pollId);
    if (entry) {
      if (entry.partnerId !== partnerId) throw notFound();
      return entry.answer ? { ready: true, answer: entry.answer } : { ready: false, wait: entry.wait };
    }
    const result = await this.stored('result', pollId, partnerId);
    if (result)
      return {
        ready: true,
        answer: { status: result.status, body: result.body ?? undefined, headers: result.headers },
      };
    const pending = await this.stored('pending', pollId, partnerId);
    if (!pending) throw notFound();
    const {
      submitted_at: submittedAt,
      wait,
      lost = LOST_BY_DEFAULT,
    } = pending.body as { submitted_at: number; wait: number; lost?: LostAnswer };
    if (now - submittedAt > this.options.lostAfterMs)
      throw new DomainError('POLLED_RESULT_LOST', lost.message, lost.details);
    return { ready: false, wait };
  }

  /** Resolves once every accepted command has finished (tests; a graceful shutdown). */
  async idle(): Promise<void> {
    while (this.running.size > 0) await Promise.allSettled([...this.running]);
  }

  private async stored(kind: 'pending' | 'result', pollId: string, partnerId: string) {
    const stored: StoredResponse | undefined = await this.deps.store.get(storeKey(kind, pollId));
    if (!stored) return undefined;
    if (stored.fingerprint !== owner(partnerId)) throw notFound();
    return stored;
  }

  /** Forgets answers past retention (insertion order is submission order: stops at the first young entry). */
  private sweep(now: number): void {
    if (now - this.lastSweep < 10_000 && now >= this.lastSweep) return;
    this.lastSweep = now;
    for (const [id, entry] of this.entries) {
      if (now - entry.submittedAt < this.options.retentionMs) break;
      if (entry.readyAt !== undefined && now - entry.readyAt >= this.options.retentionMs)
        this.entries.delete(id);
    }
  }
}

/** 26 random lower-case letters (~122 bits): unguessable, and never a digit run the card-data guard would refuse. */
function newPollId(): string {
  const alphabet = 'abcdefghijklmnopqrstuvwxyz';
  let id = '';
  for (let i = 0; i < 26; i += 1) id += alphabet[crypto.randomInt(alphabet.length)];
  return id;
}

/** Keys are digests, as the idempotency middleware stores them: the table holds no client text. */
function storeKey(kind: 'pending' | 'result', pollId: string): string {
  return crypto.createHash('sha256').update(`partner-poll:${kind}:${pollId}`).digest('base64url');
}

function owner(partnerId: string): string {
  return crypto.createHash('sha256').update(`partner-poll-owner:${partnerId}`).digest('base64url');
}

function notFound(): DomainError {
  return new DomainError(
    'POLL_NOT_FOUND',
    'No such polling id for this client (or its answer is no longer kept)',
  );
}

function internalError() {
  return { error: { code: 'INTERNAL_ERROR', message: 'Something went wrong on our side', details: {} } };
}

export function isPollId(value: string): boolean {
  return /^[a-z]{26}$/.test(value);
}
