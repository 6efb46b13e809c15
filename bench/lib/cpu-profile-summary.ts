/**
 * The top frames of a V8 .cpuprofile by self time (where the CPU actually went), for the bench's JSON: the whole
 * profile stays beside it for a flame graph (Chrome DevTools, speedscope).
 */
import fs from 'node:fs';

export interface ProfileFrame {
  /** `function file:line`, with node_modules and dist prefixes cut. */
  frame: string;
  /** Share of the busy time profiled (idle and the probe's own work left out), in percent. */
  self_pct: number;
}

interface CpuProfile {
  nodes: Array<{
    id: number;
    callFrame: { functionName: string; url: string; lineNumber: number };
    children?: number[];
  }>;
  samples: number[];
  timeDeltas: number[];
}

function frameName({ functionName, url, lineNumber }: CpuProfile['nodes'][number]['callFrame']): string {
  const file = url.replace(/^.*node_modules\//, '').replace(/^.*\/dist\//, '');
  return `${functionName || '(anonymous)'}${file ? ` ${file}:${lineNumber + 1}` : ''}`;
}

export function summarizeCpuProfile(file: string, top: number): ProfileFrame[] {
  const profile = JSON.parse(fs.readFileSync(file, 'utf8')) as CpuProfile;
  const names = new Map(profile.nodes.map((node) => [node.id, frameName(node.callFrame)]));
  // The probe's own calls (starting and stopping the profiler) are not the server's work.
  const probeNodes = new Set<number>();
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const mark = (id: number, inProbe: boolean) => {
    const node = byId.get(id)!;
    const probe = inProbe || node.callFrame.url.endsWith('cpu-probe.js');
    if (probe) probeNodes.add(id);
    for (const child of node.children ?? []) mark(child, probe);
  };
  mark(profile.nodes[0].id, false);
  const self = new Map<string, number>();
  let total = 0;
  profile.samples.forEach((id, i) => {
    const name = names.get(id) ?? '(unknown)';
    if (probeNodes.has(id) || name === '(idle)') return;
    const delta = profile.timeDeltas[i] ?? 0;
    total += delta;
    self.set(name, (self.get(name) ?? 0) + delta);
  });
  return [...self]
    .sort((a, b) => b[1] - a[1])
    .slice(0, top)
    .map(([frame, time]) => ({ frame, self_pct: Math.round((1000 * time) / Math.max(1, total)) / 10 }));
}
