import Database from 'better-sqlite3';
import { abandonmentScore } from '../../src/application/partner/partner-abandonment';
import { PolledCommands, type PolledAnswer } from '../../src/application/partner/polled-commands';
import { DomainError } from '../../src/domain/shared/errors';
import { ManualClock } from '../../src/infrastructure/clock/system-clock';
import { SqliteIdempotencyStore } from '../../src/infrastructure/idempotency/sqlite-idempotency-store';

/** A command the test finishes by hand, counting how often it ran. */
function gatedCommand(answer: PolledAnswer) {
  let release!: () => void;
  const gate = new Promise<void>((resolve) => (release = resolve));
  const command = {
    runs: 0,
    release,
    run: async () => {
      command.runs += 1;
      await gate;
      return answer;
    },
  };
  return command;
}

async function codeOf(promise: Promise<unknown>): Promise<string | undefined> {
  try {
    await promise;
    return undefined;
  } catch (error) {
    return error instanceof DomainError ? error.code : String(error);
  }
}

describe('PolledCommands: 202 polling of partner cart calls', () => {
  let db: Database.Database;
  let clock: ManualClock;
  let depth: number;
  let scores: Record<string, number>;

  beforeEach(() => {
    db = new Database(':memory:');
    clock = new ManualClock('2030-01-01T10:00:00Z');
    depth = 0;
    scores = {};
  });
  afterEach(() => db.close());

  const polled = (store = new SqliteIdempotencyStore(db), options = {}) =>
    new PolledCommands(
      {
        store,
        clock,
        queueDepth: () => depth,
        abandonment: async (partner) => scores[partner] ?? 0,
      },
      { queueDepthThreshold: 10, baseWaitSeconds: 1, maxWaitSeconds: 30, lostAfterMs: 60_000, ...options },
    );

  it('runs an accepted command exactly once and answers its result as often as asked, to its partner only', async () => {
    const commands = polled();
    const command = gatedCommand({
      status: 201,
      body: { cart_id: 'c1' },
      headers: { 'x-log-position': '7' },
    });
    const { pollId } = await commands.submit('partner-a', 2, command.run);
    expect(pollId).toMatch(/^[a-z]{26}$/);

    expect(await commands.state('partner-a', pollId)).toEqual({ ready: false, wait: 2 });
    expect(await codeOf(commands.state('partner-b', pollId))).toBe('POLL_NOT_FOUND');
    command.release();
    await commands.idle();

    for (let i = 0; i < 3; i += 1) {
      expect(await commands.state('partner-a', pollId)).toEqual({
        ready: true,
        answer: { status: 201, body: { cart_id: 'c1' }, headers: { 'x-log-position': '7' } },
      });
    }
    expect(command.runs).toBe(1);
    expect(await codeOf(commands.state('partner-a', 'abcdefghijklmnopqrstuvwxyz'))).toBe('POLL_NOT_FOUND');
  });

  it('keeps answers in the shared store: another process (or a restart) answers them too', async () => {
    const store = new SqliteIdempotencyStore(db);
    const first = polled(store);
    const command = gatedCommand({ status: 204, headers: {} });
    const { pollId } = await first.submit('partner-a', 1, command.run);

    const other = polled(store); // another API process on the same data
    expect(await other.state('partner-a', pollId)).toEqual({ ready: false, wait: 1 });
    expect(await codeOf(other.state('partner-b', pollId))).toBe('POLL_NOT_FOUND');
    command.release();
    await first.idle();
    expect(await other.state('partner-a', pollId)).toEqual({
      ready: true,
      answer: { status: 204, headers: {} },
    });
    expect(command.runs).toBe(1);
  });

  it('a command lost in a crash answers 410 POLLED_RESULT_LOST once it is overdue, not 202 forever', async () => {
    const store = new SqliteIdempotencyStore(db);
    const crashed = polled(store);
    const never = gatedCommand({ status: 200, body: {}, headers: {} });
    const { pollId } = await crashed.submit('partner-a', 3, never.run); // the process dies: never released

    const restarted = polled(store);
    expect(await restarted.state('partner-a', pollId)).toEqual({ ready: false, wait: 3 });
    clock.advance(60_001);
    expect(await codeOf(restarted.state('partner-a', pollId))).toBe('POLLED_RESULT_LOST');
    never.release();
    await crashed.idle();
  });

  it('a command that throws is kept as a 500 answer (the HTTP wrapper turns errors into answers first)', async () => {
    const errors: unknown[] = [];
    const commands = new PolledCommands(
      {
        store: new SqliteIdempotencyStore(db),
        clock,
        queueDepth: () => 0,
        abandonment: async () => 0,
        onError: (e) => errors.push(e),
      },
      {},
    );
    const { pollId } = await commands.submit('p', 1, async () => {
      throw new Error('boom');
    });
    await commands.idle();
    const state = await commands.state('p', pollId);
    expect(state.ready && state.answer.status).toBe(500);
    expect(errors).toHaveLength(1);
  });

  it('polls past the threshold or when forced; the wait grows with the load', async () => {
    const commands = polled();
    depth = 0;
    expect(await commands.shouldPoll('p', 'e', false)).toBeUndefined();
    expect(await commands.shouldPoll('p', 'e', true)).toEqual({ wait: 1 });
    depth = 10;
    expect(await commands.shouldPoll('p', 'e', false)).toBeUndefined();
    depth = 11;
    expect(await commands.shouldPoll('p', 'e', false)).toEqual({ wait: 2 });
    depth = 45;
    expect(await commands.shouldPoll('p', 'e', false)).toEqual({ wait: 5 });
    depth = 10_000;
    expect(await commands.shouldPoll('p', 'e', false)).toEqual({ wait: 30 });
  });

  it('partners who leave carts to expire are polled sooner and wait longer (FAQ "Polling")', async () => {
    const commands = polled();
    // 16 carts left to expire, none deleted or committed: 16 / (16 + 4).
    scores.abandoner = abandonmentScore({ expired: 16 });
    expect(scores.abandoner).toBeCloseTo(0.8);
    scores.tidy = abandonmentScore({ expired: 1, deleted: 30, committed: 9 });
    expect(scores.tidy).toBeCloseTo(1 / 44);

    depth = 5;
    expect(await commands.shouldPoll('tidy', 'e', false)).toBeUndefined();
    // Threshold 10 / (1 + 4 * 0.8) = 2: polled at a depth the tidy partner is not.
    expect(await commands.shouldPoll('abandoner', 'e', false)).toEqual({ wait: 11 });
    expect((await commands.shouldPoll('abandoner', 'e', true))!.wait).toBeGreaterThan(
      (await commands.shouldPoll('tidy', 'e', true))!.wait,
    );
    // A new partner is not penalised for one early expiry (the score starts from 4 closed carts' worth).
    expect(abandonmentScore({ expired: 1 })).toBeCloseTo(0.2);
    expect(abandonmentScore(undefined)).toBe(0);
  });
});
