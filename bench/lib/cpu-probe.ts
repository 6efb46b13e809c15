/**
 * Bench-only: the server's own CPU time over a measured window, and a CPU profile of a window, asked for by the
 * load generator over the child's IPC channel. The child side (installCpuProbe) runs only in processes the bench
 * starts through bench/lib/probed-main.ts or bench/lib/ceiling-server.ts with an IPC channel: the production
 * entry point (src/main.ts) has no such hook and serves nothing of it over HTTP.
 *
 * CPU is process.cpuUsage() (user + system, every thread of the process: JS, GC helpers, libuv's pool), so a
 * figure per request holds on a shared machine where throughput swings with what the neighbours do.
 */
import type { ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import inspector from 'node:inspector';
import path from 'node:path';

type ProbeRequest =
  | { probe: 'cpu'; id: number }
  | { probe: 'profile-start'; id: number; heap?: boolean }
  | { probe: 'profile-stop'; id: number; file: string };

interface ProbeReply {
  probe: string;
  id: number;
  /** CPU microseconds used by the process so far (user + system). */
  cpuUs?: number;
  error?: string;
}

/** The child side: answers probes on the IPC channel (a no-op without one). */
export function installCpuProbe(): void {
  const send = process.send?.bind(process);
  if (!send) return;
  let session: inspector.Session | undefined;
  let heap = false;
  const post = <T>(method: string, params?: object) =>
    new Promise<T>((resolve, reject) =>
      session!.post(method, params, (error, result) => (error ? reject(error) : resolve(result as T))),
    );
  const answer = async (request: ProbeRequest): Promise<ProbeReply> => {
    switch (request.probe) {
      case 'cpu': {
        const { user, system } = process.cpuUsage();
        return { probe: 'cpu', id: request.id, cpuUs: user + system };
      }
      case 'profile-start':
        session = new inspector.Session();
        session.connect();
        await post('Profiler.enable');
        await post('Profiler.start');
        // Where the young generation's garbage comes from: every sampled allocation, collected or not.
        if (request.heap) {
          heap = true;
          await post('HeapProfiler.enable');
          await post('HeapProfiler.startSampling', {
            samplingInterval: 16_384,
            includeObjectsCollectedByMinorGC: true,
            includeObjectsCollectedByMajorGC: true,
          });
        }
        return { probe: request.probe, id: request.id };
      case 'profile-stop': {
        const { profile } = await post<{ profile: unknown }>('Profiler.stop');
        fs.mkdirSync(path.dirname(request.file), { recursive: true });
        fs.writeFileSync(request.file, JSON.stringify(profile));
        if (heap) {
          const sampled = await post<{ profile: unknown }>('HeapProfiler.stopSampling');
          fs.writeFileSync(
            request.file.replace(/\.cpuprofile$/, '.heapprofile'),
            JSON.stringify(sampled.profile),
          );
          heap = false;
        }
        session!.disconnect();
        session = undefined;
        return { probe: request.probe, id: request.id };
      }
    }
  };
  process.on('message', (message: ProbeRequest) => {
    if (typeof message !== 'object' || message === null || !('probe' in message)) return;
    answer(message).then(send, (error: unknown) =>
      send({ probe: message.probe, id: message.id, error: String(error) }),
    );
  });
  // The channel must not keep a server alive that was told to stop.
  process.channel?.unref();
}

/** The load generator's side: asks a child started with an IPC channel (stdio 'ipc'). */
export class CpuProbe {
  private next = 0;

  constructor(private readonly child: ChildProcess) {}

  private ask(request: Omit<ProbeRequest, 'id'> & { probe: ProbeRequest['probe'] }): Promise<ProbeReply> {
    const id = (this.next += 1);
    return new Promise((resolve, reject) => {
      const onMessage = (reply: ProbeReply) => {
        if (reply?.id !== id) return;
        this.child.off('message', onMessage);
        if (reply.error) reject(new Error(`probe ${request.probe}: ${reply.error}`));
        else resolve(reply);
      };
      this.child.on('message', onMessage);
      this.child.send({ ...request, id });
    });
  }

  /** The child's CPU microseconds so far. */
  async cpuUs(): Promise<number> {
    return (await this.ask({ probe: 'cpu' })).cpuUs!;
  }

  /** Starts a window: `end()` gives the CPU microseconds the child used since. */
  async window(): Promise<{ end(): Promise<number> }> {
    const start = await this.cpuUs();
    return { end: async () => (await this.cpuUs()) - start };
  }

  /** With `heap`, also a sampling heap profile of every allocation (written beside it as .heapprofile). */
  async startProfile(heap = false): Promise<void> {
    await this.ask({ probe: 'profile-start', heap } as ProbeRequest);
  }

  /** Stops the profile started last and has the child write it (a .cpuprofile: Chrome DevTools, speedscope). */
  async stopProfile(file: string): Promise<void> {
    await this.ask({ probe: 'profile-stop', file } as ProbeRequest);
  }
}
