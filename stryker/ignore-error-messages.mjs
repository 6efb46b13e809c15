// A Stryker ignorer: mutants inside the MESSAGE argument of `fail(code, message, details)` or
// `new DomainError(code, message, details)` only change an error's wording, which tests assert by code, not by
// sentence. Everything else in those calls (the code, the details) is still mutated.
import { PluginKind, declareValuePlugin } from '@stryker-mutator/api/plugin';

const ERROR_FACTORIES = new Set(['fail', 'DomainError']);

function messageArgumentOfErrorFactory(path) {
  for (let child = path, parent = path.parentPath; parent; child = parent, parent = parent.parentPath) {
    if (parent.isCallExpression() || parent.isNewExpression()) {
      const callee = parent.node.callee;
      return callee.type === 'Identifier' && ERROR_FACTORIES.has(callee.name) && parent.node.arguments[1] === child.node;
    }
    if (parent.isStatement() || parent.isFunction()) return false;
  }
  return false;
}

export const strykerPlugins = [
  declareValuePlugin(PluginKind.Ignore, 'error-messages', {
    shouldIgnore(path) {
      return messageArgumentOfErrorFactory(path) ? 'Only the wording of an error message' : undefined;
    },
  }),
];
