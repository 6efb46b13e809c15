import type { Decider } from '../../src/domain/shared/decider';
import { DomainError } from '../../src/domain/shared/errors';

/**
 * Given/when/then for deciders, in the spirit of Emmett's DeciderSpecification:
 *
 *   spec(decider).given([...events], context?).when(command, context?).then([...expectedEvents])
 *
 * `given` folds the events through `decider.evolve`, starting from `decider.initialState()`.
 * The context given to `given` is the default for `when`; a context passed to `when` replaces it.
 * The command is decided lazily, by `then`, `thenThrows`, `thenNothing` or `events`.
 */
export interface Then<Event> {
  /** The decided events equal these, in order. Returns them for further checks. */
  then(expected: Event[]): Event[];
  /** The decision records nothing. */
  thenNothing(): void;
  /** The decision throws a DomainError with this code (and, optionally, details matching `details`). */
  thenThrows(code: string, details?: Record<string, unknown>): DomainError;
  /** The decided events, for assertions the other forms do not cover. */
  events(): Event[];
}

export interface When<Command, Event, State, Context> {
  /** The state folded from the given events (a fresh fold on each call). */
  state(): State;
  when(command: Command, context?: Context): Then<Event>;
}

export interface Given<Command, Event, State, Context> {
  given(events: Event[], context?: Context): When<Command, Event, State, Context>;
}

export function spec<Command, Event, State, Context>(
  decider: Decider<Command, Event, State, Context>,
): Given<Command, Event, State, Context> {
  return {
    given(history, givenContext) {
      // evolve may mutate the state it is given, so every decision starts from a fresh fold.
      const fold = () =>
        history.reduce((state, event) => decider.evolve(state, event), decider.initialState());
      return {
        state: fold,
        when(command, whenContext) {
          const context = (whenContext ?? givenContext) as Context;
          const decide = () => decider.decide(command, fold(), context);
          return {
            events: decide,
            then(expected) {
              const actual = decide();
              expect(actual).toEqual(expected);
              return actual;
            },
            thenNothing() {
              expect(decide()).toEqual([]);
            },
            thenThrows(code, details) {
              let thrown: unknown;
              let decided: Event[] | undefined;
              try {
                decided = decide();
              } catch (error) {
                thrown = error;
              }
              if (thrown === undefined) {
                throw new Error(
                  `Expected DomainError ${code}, but the decision returned ${JSON.stringify(decided)}`,
                );
              }
              expect(thrown).toBeInstanceOf(DomainError);
              const error = thrown as DomainError;
              expect(error.code).toBe(code);
              if (details) expect(error.details).toMatchObject(details);
              return error;
            },
          };
        },
      };
    },
  };
}
