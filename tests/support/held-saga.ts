import type { FaultPoint } from '../../src/application/sagas/saga';
import { startTestApp, type TestApp } from './test-app';

/**
 * A saga step that waits at one fault point until released, as a slow or stalled saga would: pass `faults` to the
 * test app's saga overrides, `untilHeld()` once the step got there, `release()` to let it (and every later one) go.
 */
export function sagaHeldAt(point: FaultPoint) {
  let held = false;
  let release: () => void = () => undefined;
  const gate = new Promise<void>((resolve) => (release = resolve));
  return {
    faults: async (step: string) => {
      if (step !== point) return;
      held = true;
      await gate;
    },
    /** Whether a step reached the point within ~5 s. */
    async untilHeld(): Promise<boolean> {
      for (let i = 0; i < 200 && !held; i += 1) await new Promise((r) => setTimeout(r, 25));
      return held;
    },
    release: () => release(),
  };
}

/**
 * A test app whose payment saga is held at `point` (sagaHeldAt), started before the suite's tests and closed after
 * them (the saga released first, so nothing waits on the gate). `started` receives the app; the held saga is
 * returned.
 */
export function appWithSagaHeldAt(
  point: FaultPoint,
  started: (app: TestApp) => void,
  env?: Record<string, string>,
): ReturnType<typeof sagaHeldAt> {
  const saga = sagaHeldAt(point);
  let app: TestApp | undefined;
  beforeAll(async () => {
    app = await startTestApp({ env, overrides: { sagas: { faults: saga.faults } } });
    started(app);
  });
  afterAll(async () => {
    saga.release();
    await app?.close();
  });
  return saga;
}
