import type { FaultPoint } from '../../src/application/sagas/saga';

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
