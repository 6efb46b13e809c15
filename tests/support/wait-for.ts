/**
 * Polls `condition` (sync or async) every 10 ms until it holds; fails after `timeoutMs` naming the condition, and
 * what `state` shows when given.
 */
export async function waitFor(
  condition: () => boolean | Promise<boolean>,
  timeoutMs = 20_000,
  state?: () => unknown,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline)
      throw new Error(
        `condition not met within ${timeoutMs} ms: ${condition.toString()}` +
          (state ? `; state: ${JSON.stringify(state())}` : ''),
      );
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
