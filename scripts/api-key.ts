import 'reflect-metadata';
import { systemMetadata } from '../src/application/shared/command-metadata';
import { createApplication } from '../src/composition';
import { loadConfig } from '../src/infrastructure/config/config';
import { createLogger } from '../src/infrastructure/logging/logger';

/**
 * Creates an API key from the command line, against the log the environment names (DATA_DIR, EVENTSTORE_URL...):
 * the way to get the first key when REQUIRE_API_KEY=true, since creating one over HTTP needs a key then. Prints
 * the key once (only its hash is recorded). Safe while the server runs: the server picks the key up from the log.
 *
 *   npm run api-key -- --name "Box office app" [--rate-limit-per-hour 5000]
 */
function parseArgs(argv: string[]): { name: string; rateLimitPerHour?: number } {
  const value = (flag: string) => {
    const at = argv.indexOf(flag);
    return at >= 0 ? argv[at + 1] : undefined;
  };
  const name = value('--name');
  const limit = value('--rate-limit-per-hour');
  if (!name) throw new Error('usage: npm run api-key -- --name "<application>" [--rate-limit-per-hour N]');
  if (limit !== undefined && !/^\d+$/.test(limit))
    throw new Error('--rate-limit-per-hour must be a positive integer');
  return { name, ...(limit !== undefined ? { rateLimitPerHour: Number(limit) } : {}) };
}

export async function createApiKey(argv: string[]): Promise<Record<string, unknown>> {
  const input = parseArgs(argv);
  const config = loadConfig();
  const app = await createApplication(config, createLogger('warn'));
  try {
    const key = await app.apiKeys.create(input, systemMetadata('cli:api-key', `cli-api-key-${Date.now()}`));
    return {
      key_id: key.keyId,
      name: key.name,
      api_key: key.apiKey,
      ...(key.rateLimitPerHour === null ? {} : { rate_limit_per_hour: key.rateLimitPerHour }),
      created_at: key.createdAt,
    };
  } finally {
    await app.close();
  }
}

if (require.main === module) {
  createApiKey(process.argv.slice(2))
    .then((created) => console.log(JSON.stringify(created, null, 2)))
    .catch((error: unknown) => {
      console.error(error instanceof Error ? error.message : error);
      process.exit(1);
    });
}
