import { spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { MongoClient } from 'mongodb';
import { mongoSuite } from '../support/backends';
import { orderTwoSeats, pollUntil, terminal } from '../support/purchase';
import { startTestApp } from '../support/test-app';

/**
 * `npm run replay` with MONGO_URL set compares the read models it rebuilds from the SQLite log with the server's
 * live ones in MongoDB: equal after a purchase, and a document changed behind the projections' back is named
 * (exit code 1). Runs against the server at MONGO_URL, e.g.
 *   MONGO_URL='mongodb://localhost:27017' npx jest tests/integration/replay-mongo
 * or one testcontainers starts; each run uses a database of its own, dropped afterwards.
 */
const REPLAY = path.join(
  process.env.TEST_SERVER_DIST ?? path.join(__dirname, '../../dist'),
  'scripts',
  'replay.js',
);

/** The URL with its database set (the server's URL may name none, or another). */
function withDatabase(url: string, database: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${database}`;
  return parsed.toString();
}

mongoSuite('npm run replay against MongoDB read models', (url) => {
  test('equal after a purchase; a document changed behind the projections is named, exit code 1', async () => {
    const mongoUrl = withDatabase(url(), `replay_${randomUUID().slice(0, 8)}`);
    const t = await startTestApp({ env: { MONGO_URL: mongoUrl } });
    const dataDir = t.dataDir;
    const replay = () =>
      spawnSync(process.execPath, [REPLAY, '--json'], {
        env: { ...process.env, DATA_DIR: dataDir, MONGO_URL: mongoUrl, EVENTSTORE_URL: '' },
        encoding: 'utf8',
        timeout: 120_000,
      });
    let closed = false;
    const close = async () => {
      if (!closed) await t.app.close();
      closed = true;
    };
    const client = await MongoClient.connect(mongoUrl);
    try {
      const { orderId, fan } = await orderTwoSeats(t);
      await pollUntil(t.call, `/v1/orders/${orderId}`, fan.token, (res) => terminal(res.body.status));
      await t.app.runner.catchUp(10_000);
      // The data directory outlives the app (the replay reads its log); stopping saves the checkpoint at the head.
      await close();

      const clean = replay();
      expect({ status: clean.status, stderr: clean.stderr }).toEqual({ status: 0, stderr: '' });
      expect(JSON.parse(clean.stdout)).toMatchObject({
        ok: true,
        comparison: { equal: true, collections: [] },
        comparison_skipped: null,
      });

      await client
        .db()
        .collection('orders')
        .updateOne({ _id: orderId as never }, { $set: { status: 'FAILED' } });
      const tampered = replay();
      expect(tampered.status).toBe(1);
      expect(JSON.parse(tampered.stdout)).toMatchObject({
        ok: false,
        comparison: { equal: false, collections: [{ collection: 'orders', different: [orderId] }] },
      });
    } finally {
      await close();
      await client.db().dropDatabase();
      await client.close();
      fs.rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
