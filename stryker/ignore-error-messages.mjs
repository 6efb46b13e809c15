// A Stryker ignorer: mutants inside the MESSAGE argument of `fail(code, message, details)` or
// `new DomainError(code, message, details)` only change an error's wording, which tests assert by code, not by
// sentence. Everything else in those calls (the code, the details) is still mutated.
//
// Local wrappers count too: `const notTransferable = (why) => fail('TICKET_NOT_TRANSFERABLE', `...${why}`)`
// makes `why` a message parameter, so the sentence passed as `notTransferable('it was voided')` is wording as
// well. A wrapper is a named function of the same file whose parameter is used only inside message arguments
// (found to a fixed point, so wrappers of wrappers count). A parameter used anywhere else (a code, a detail,
// a condition) keeps its mutants.
import { PluginKind, declareValuePlugin } from '@stryker-mutator/api/plugin';

const ERROR_FACTORIES = { fail: 1, DomainError: 1 };

/** name -> index of its message argument, for the error factories and the wrappers a program declares. */
const factoriesByProgram = new WeakMap();

function namedFunctions(program) {
  const found = [];
  program.traverse({
    FunctionDeclaration(path) {
      if (path.node.id) found.push({ name: path.node.id.name, fn: path });
    },
    VariableDeclarator(path) {
      const init = path.get('init');
      if (
        path.node.id.type === 'Identifier' &&
        (init.isArrowFunctionExpression() || init.isFunctionExpression())
      )
        found.push({ name: path.node.id.name, fn: init });
    },
  });
  return found;
}

/** The call or `new` whose argument `path` is (directly, or nested inside that argument), or undefined. */
function enclosingArgument(path) {
  for (let child = path, parent = path.parentPath; parent; child = parent, parent = parent.parentPath) {
    if (parent.isCallExpression() || parent.isNewExpression()) {
      const index = parent.node.arguments.indexOf(child.node);
      return index >= 0 ? { call: parent, index } : undefined;
    }
    if (parent.isStatement() || parent.isFunction()) return undefined;
  }
  return undefined;
}

function isMessageArgument(path, factories) {
  const argument = enclosingArgument(path);
  if (!argument) return false;
  const callee = argument.call.node.callee;
  return callee.type === 'Identifier' && factories.get(callee.name) === argument.index;
}

function factoriesOf(program) {
  let factories = factoriesByProgram.get(program.node);
  if (factories) return factories;
  factories = new Map(Object.entries(ERROR_FACTORIES));
  const functions = namedFunctions(program);
  for (let changed = true; changed;) {
    changed = false;
    for (const { name, fn } of functions) {
      if (factories.has(name)) continue;
      fn.node.params.forEach((param, index) => {
        if (factories.has(name) || param.type !== 'Identifier') return;
        const references = fn.scope.getBinding(param.name)?.referencePaths ?? [];
        if (references.length > 0 && references.every((ref) => isMessageArgument(ref, factories))) {
          factories.set(name, index);
          changed = true;
        }
      });
    }
  }
  factoriesByProgram.set(program.node, factories);
  return factories;
}

export const strykerPlugins = [
  declareValuePlugin(PluginKind.Ignore, 'error-messages', {
    shouldIgnore(path) {
      const program = path.findParent((p) => p.isProgram());
      if (!program) return undefined;
      return isMessageArgument(path, factoriesOf(program))
        ? 'Only the wording of an error message'
        : undefined;
    },
  }),
];
