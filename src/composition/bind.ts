import type { ContainerModuleLoadOptions } from 'inversify';
import type { Id, IdsOf } from './identifiers';

/**
 * Binds an identifier to what a factory makes of its dependencies (inversify 7's toResolvedValue), once per
 * container. Application and domain classes stay free of decorators: the composition root says what each
 * constructor receives, and the compiler checks each dependency's type against the factory's parameter.
 */
export function provide<T, Args extends unknown[]>(
  bind: ContainerModuleLoadOptions['bind'],
  identifier: Id<T>,
  dependencies: readonly [...IdsOf<Args>],
  factory: (...args: Args) => T,
): void {
  bind<T>(identifier)
    .toResolvedValue(factory, dependencies as never)
    .inSingletonScope();
}
