/**
 * The API server as the HTTP bench runs it: src/main.ts, plus the bench-only CPU probe on the IPC channel the
 * bench opens (bench/lib/cpu-probe.ts). Production starts src/main.ts itself and has no such hook.
 */
import { installCpuProbe } from './cpu-probe';

installCpuProbe();
// eslint-disable-next-line @typescript-eslint/no-require-imports -- loaded after the probe is listening
require('../../src/main');
