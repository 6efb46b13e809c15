import {
  apiKeyDecider,
  type ApiKeyCommand,
  type ApiKeyContext,
  type ApiKeyEvent,
  type ApiKeyState,
} from '../../domain/api-key/api-key';
import type { Clock } from '../ports/clock';
import type { EventStore } from '../ports/event-store';
import { clockedProcessor, type StreamCommandProcessor } from '../shared/stream-command-processor';

/** The one command path of `api-key-{keyId}`. */
export type ApiKeyProcessor = StreamCommandProcessor<ApiKeyCommand, ApiKeyEvent, ApiKeyState, ApiKeyContext>;

export const apiKeyStream = (keyId: string) => `api-key-${keyId}`;

export function createApiKeyProcessor(store: EventStore, clock: Clock): ApiKeyProcessor {
  return clockedProcessor(store, clock, apiKeyStream, apiKeyDecider);
}
