import {
  asyncScheduler,
  concatMap,
  debounceTime,
  groupBy,
  mergeMap,
  type Observable,
  type Subscription,
  takeUntil,
  throttleTime,
} from 'rxjs';

/**
 * Per key: the first value is handled at once, then at most one per `windowMs` (the latest of the window), one
 * after another; a key idle for a while is forgotten. Stops when `until$` emits: completing the source is what
 * clears a group's idle timer (unsubscribing alone leaves it running).
 */
export function coalescePerKey<T>(
  source$: Observable<T>,
  keyOf: (value: T) => string,
  windowMs: number,
  until$: Observable<unknown>,
  handle: (value: T) => Promise<void>,
): Subscription {
  return source$
    .pipe(
      takeUntil(until$),
      groupBy(keyOf, { duration: (group) => group.pipe(debounceTime(Math.max(windowMs, 100) * 8)) }),
      mergeMap((group) =>
        group.pipe(
          throttleTime(windowMs, asyncScheduler, { leading: true, trailing: true }),
          concatMap(handle),
        ),
      ),
    )
    .subscribe();
}
