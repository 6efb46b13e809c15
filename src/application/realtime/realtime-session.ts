import { type Observable, Subject } from 'rxjs';
import { errorMessage, type RealtimeErrorCode, type ServerMessage } from './messages';

/** Who a connection belongs to: a member (access token), or a queue entry (queue token: its own updates only). */
export type RealtimePrincipal =
  | { kind: 'member'; userId: string; admin: boolean }
  | { kind: 'queue'; userId: string; eventId: string; entryId: string };

/** A server message with its JSON text, serialised once however many connections it goes to. */
export interface Outbound {
  message: ServerMessage;
  text: string;
}

export const outbound = (message: ServerMessage): Outbound => ({ message, text: JSON.stringify(message) });

/** What a session asks of the hub that opened it. */
export interface SessionHost {
  greet(session: RealtimeSession): Promise<void>;
  handleFrame(session: RealtimeSession, text: string): Promise<void>;
  disconnect(session: RealtimeSession): void;
}

/** One open connection's view: its subscriptions and the messages to send it. */
export class RealtimeSession {
  private readonly outbound = new Subject<Outbound>();
  readonly outbound$: Observable<Outbound> = this.outbound.asObservable();
  readonly subscriptions = new Set<string>();
  /** Queue entries this connection follows, by event id, with the last (position, status) sent. */
  readonly queueEntries = new Map<string, { entryId: string; last?: string }>();
  /** Frames are handled one after another, so a subscribe and an unsubscribe cannot overtake each other. */
  private pending: Promise<void> = Promise.resolve();
  closed = false;

  constructor(
    readonly principal: RealtimePrincipal,
    private readonly host: SessionHost,
  ) {}

  /**
   * Sends what the connection is owed from the start (its queue position; holds already in their notice period).
   * Call it once the transport listens to outbound$: a Subject does not keep messages for later.
   */
  start(): Promise<void> {
    this.pending = this.pending.then(() => this.host.greet(this));
    return this.pending;
  }

  /** A text frame from the client. Resolves once it (and every frame before it) has been handled. */
  receive(text: string): Promise<void> {
    this.pending = this.pending.then(() => this.host.handleFrame(this, text));
    return this.pending;
  }

  /** Answers a frame the transport refused itself (binary, too large, too many). */
  refuse(code: RealtimeErrorCode, message: string): void {
    this.deliver(outbound(errorMessage(code, message)));
  }

  deliver(message: Outbound): void {
    if (!this.closed) this.outbound.next(message);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.host.disconnect(this);
    this.outbound.complete();
  }
}

/** Sessions indexed by a key (user, event): sets that disappear when empty. */
export function addTo<K, V>(map: Map<K, Set<V>>, key: K, value: V): void {
  let set = map.get(key);
  if (!set) map.set(key, (set = new Set()));
  set.add(value);
}

export function removeFrom<K, V>(map: Map<K, Set<V>>, key: K, value: V): void {
  const set = map.get(key);
  if (!set) return;
  set.delete(value);
  if (set.size === 0) map.delete(key);
}
