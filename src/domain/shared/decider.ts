/**
 * The decider pattern: a pure aggregate made of three functions.
 * - decide: given a command and the current state (plus a context of facts the command needs that live
 *   outside this stream, such as the clock or a venue layout), return the events to record, or throw a DomainError.
 * - evolve: fold one event into the state. It MAY mutate and return the same object: aggregates such as a
 *   50,000-seat inventory would otherwise copy their whole state per event. Callers own the state they pass in.
 * - initialState: the state of a stream with no events.
 */
export interface Decider<Command, Event, State, Context = void> {
  decide(command: Command, state: State, context: Context): Event[];
  evolve(state: State, event: Event): State;
  initialState(): State;
}

/** A decider whose state can be saved and restored, so long streams need not be folded from the start. */
export interface Snapshotting<State> {
  /** Bump when the state's shape changes: snapshots of another version are ignored and the stream is folded. */
  snapshotVersion: number;
  toSnapshot(state: State): unknown;
  fromSnapshot(snapshot: unknown): State;
}

/** Every domain event has a type and a payload; the schema version travels in the stored metadata. */
export interface DomainEvent<Type extends string = string, Data = unknown> {
  type: Type;
  data: Data;
}
