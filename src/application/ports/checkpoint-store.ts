/** Durable positions of log consumers (the bus forwarder), so a restart resumes where it stopped. */
export interface CheckpointStore {
  get(name: string): Promise<number>;
  set(name: string, position: number): Promise<void>;
}

export const CHECKPOINT_STORE = Symbol.for('CheckpointStore');
