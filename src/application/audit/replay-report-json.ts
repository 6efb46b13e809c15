import type { ReplayReport } from './replay';

/** Objects of the report whose keys are data (event ids, collection names), not field names: kept as they are. */
const KEYED_BY_DATA = new Set(['money.perEvent', 'read_models']);

const snake = (key: string) => key.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);

/**
 * The replay's report as `npm run replay -- --json` prints it: every field name in snake_case, as everywhere in the
 * API (the report is built in the code's camelCase; a JSON reader should not meet both).
 */
export function replayReportJson(
  report: ReplayReport & { data_dir?: string; log?: string },
): Record<string, unknown> {
  return convert(report, '') as Record<string, unknown>;
}

function convert(value: unknown, path: string): unknown {
  if (Array.isArray(value)) return value.map((item) => convert(item, path));
  if (value === null || typeof value !== 'object') return value;
  const byData = KEYED_BY_DATA.has(path);
  return Object.fromEntries(
    Object.entries(value).map(([key, inner]) => {
      const innerPath = path === '' ? key : `${path}.${key}`;
      return [byData ? key : snake(key), convert(inner, byData ? `${path}.*` : innerPath)];
    }),
  );
}
