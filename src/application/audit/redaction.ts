import type { RecordedEvent } from '../ports/event-store';

/**
 * What auditors may not see, decided in one place: every field holding a secret or a hash of one (password
 * hashes, refresh-token hashes, client secrets), the payment gateway's card references, and tickets' barcodes
 * (whoever holds one gets in at the door). Matched by field name at any depth, so a new event with a `...Hash`,
 * `...Secret` or `...Barcode` field is redacted without a change here.
 */
const SECRET_FIELD = /(hash|secret|password|cardtoken|accesstoken|refreshtoken|apikey|barcode)$/i;
/** Streams named by a secret: each barcode's claim (`barcode-{barcode}`). */
const SECRET_STREAM = /^(barcode-).+$/s;
export const REDACTED = '[REDACTED]';

export function redact(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(redact);
  if (value === null || typeof value !== 'object') return value;
  const out: Record<string, unknown> = {};
  for (const [key, inner] of Object.entries(value))
    out[key] = SECRET_FIELD.test(key) ? REDACTED : redact(inner);
  return out;
}

/** An event as the audit API shows it (snake_case envelope; payload and metadata as recorded, redacted). */
export interface AuditEvent {
  /** The event's own id: what the `causationId` of the events it caused names. */
  event_id: string;
  stream: string;
  type: string;
  data: unknown;
  metadata: Record<string, unknown>;
  revision: number;
  position: number;
  recorded_at: string;
}

export function auditEvent(event: RecordedEvent): AuditEvent {
  return {
    event_id: event.id,
    stream: event.streamName.replace(SECRET_STREAM, `$1${REDACTED}`),
    type: event.type,
    data: redact(event.data),
    metadata: redact(event.metadata) as Record<string, unknown>,
    revision: event.revision,
    position: event.position,
    recorded_at: event.recordedAt.toISOString(),
  };
}
