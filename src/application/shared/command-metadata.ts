/** Who and what caused a command: copied into every event it records. */
export interface CommandMetadata {
  correlationId: string;
  causationId: string;
  userId: string;
  requestId?: string;
}

export function systemMetadata(
  actor: string,
  correlationId: string,
  causationId = correlationId,
): CommandMetadata {
  return { correlationId, causationId, userId: actor };
}
