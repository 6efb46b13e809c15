import type { Collection, Db } from 'mongodb';
import type { CheckpointStore } from '../../application/ports/checkpoint-store';

/**
 * Positions of log consumers (the bus forwarder) on the production profile, in MongoDB, shared by every API
 * process. `$max`: a checkpoint only moves forward, so a process that is behind cannot rewind another's progress
 * (it re-forwards a little, which the sagas dedupe).
 */
export class MongoCheckpointStore implements CheckpointStore {
  private readonly collection: Collection<{ _id: string; position: number }>;

  constructor(db: Db, name = '_consumer_checkpoints') {
    this.collection = db.collection<{ _id: string; position: number }>(name);
  }

  async get(name: string): Promise<number> {
    return (await this.collection.findOne({ _id: name }))?.position ?? 0;
  }

  async set(name: string, position: number): Promise<void> {
    await this.collection.updateOne({ _id: name }, { $max: { position } }, { upsert: true });
  }
}
