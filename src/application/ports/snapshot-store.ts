export interface Snapshot {
  revision: number;
  version: number;
  state: unknown;
}

/** Saved aggregate states, so a stream with a million events loads in the time of its tail. */
export interface SnapshotStore {
  load(stream: string): Promise<Snapshot | undefined>;
  save(stream: string, snapshot: Snapshot): Promise<void>;
}

export const SNAPSHOT_STORE = Symbol.for('SnapshotStore');
