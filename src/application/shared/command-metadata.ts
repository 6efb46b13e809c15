/** Who and what caused a command: copied into every event it records. */
export interface CommandMetadata {
  correlationId: string;
  causationId: string;
  userId: string;
  requestId?: string;
  /** The client's X-Session-ID (seed header), kept so one browsing session can be followed in the log. */
  sessionId?: string;
  /** The id of the API key the request carried (X-API-Key), never the key: which application caused it. */
  apiKeyId?: string;
}

export function systemMetadata(
  actor: string,
  correlationId: string,
  causationId = correlationId,
): CommandMetadata {
  return { correlationId, causationId, userId: actor };
}
