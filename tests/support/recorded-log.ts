import type { RecordedEvent } from '../../src/application/ports/event-store';

/**
 * A log built by hand for the auditor's specs: events at consecutive positions, each stream's revisions counted,
 * recorded at `t0` plus the event's index unless a time is given.
 */
export function recordedLog(t0: number) {
  let position = 0;
  const revisions = new Map<string, number>();
  const log: RecordedEvent[] = [];
  const add = (
    streamName: string,
    type: string,
    data: Record<string, unknown>,
    atMs = t0 + position,
  ): RecordedEvent => {
    const revision = (revisions.get(streamName) ?? -1) + 1;
    revisions.set(streamName, revision);
    position += 1;
    const event = {
      id: `e${position}`,
      streamName,
      type,
      data,
      metadata: { correlationId: 'c', causationId: 'c', userId: 'u' },
      revision,
      position,
      recordedAt: new Date(atMs),
    } as RecordedEvent;
    log.push(event);
    return event;
  };
  return { log, add };
}
