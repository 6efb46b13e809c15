/**
 * Opens a pool's connections a few hundred at a time before a measured window. A thousand connections opened at
 * once overflow the server's listen backlog (511 by default): on a loaded machine some of them were then reset
 * (ECONNRESET) or timed out, and the whole run failed. `request` is one cheap request; up to `connections` of them
 * run at once by the end, so the pool holds that many open connections.
 */
export async function openConnections(
  connections: number,
  request: () => Promise<unknown>,
  step = 250,
): Promise<void> {
  for (let open = Math.min(step, connections); ; open = Math.min(open + step, connections)) {
    await Promise.all(Array.from({ length: open }, request));
    if (open === connections) return;
  }
}

/**
 * Connections stay open between the windows (the server keeps them 65 s): undici would otherwise close a connection
 * idle for 4 s, and the next window would open a thousand again at once.
 */
export const KEEP_ALIVE = { keepAliveTimeout: 60_000, keepAliveMaxTimeout: 120_000 };
