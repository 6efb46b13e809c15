import type { Collection, Db } from 'mongodb';
import type { Snapshot, SnapshotStore } from '../../application/ports/snapshot-store';
import { isDuplicateKey } from '../readstore/mongo/mongo-read-store';

interface SnapshotDoc {
  _id: string;
  revision: number;
  version: number;
  /** JSON text: a state's keys are not always valid MongoDB field names (dots, `$`). */
  state: string;
}

/**
 * Aggregate snapshots on the production profile, in MongoDB: a snapshot is overwritten state, not history, so it
 * belongs beside the read models rather than in EventStoreDB (which would keep every version until scavenged).
 * Every API process shares it. A save never replaces a newer snapshot (guarded by revision in the same write).
 */
export class MongoSnapshotStore implements SnapshotStore {
  private readonly collection: Collection<SnapshotDoc>;

  constructor(db: Db, name = '_snapshots') {
    this.collection = db.collection<SnapshotDoc>(name);
  }

  async load(stream: string): Promise<Snapshot | undefined> {
    const doc = await this.collection.findOne({ _id: stream });
    return doc ? { revision: doc.revision, version: doc.version, state: JSON.parse(doc.state) } : undefined;
  }

  async save(stream: string, snapshot: Snapshot): Promise<void> {
    try {
      await this.collection.updateOne(
        { _id: stream, revision: { $lt: snapshot.revision } },
        {
          $set: {
            revision: snapshot.revision,
            version: snapshot.version,
            state: JSON.stringify(snapshot.state),
          },
        },
        { upsert: true },
      );
    } catch (error) {
      // A newer snapshot is stored: the upsert tried a second document with the same _id. Keep the newer one.
      if (!isDuplicateKey(error)) throw error;
    }
  }
}
