/**
 * Checks expressions without evaluating them (ExpressionEngine.check): syntax, unknown function names and
 * argument counts, which is what can be known before a run. Type errors need values and show up at run time.
 */
import type { ExpressionNode, ParsedExpression } from './ast.ts';
import { ExpressionError } from './contract.ts';
import { arityError, unknownFunctionError } from './errors.ts';
import type { FunctionCatalog } from './functions/function-types.ts';
import type { TemplateString } from './template-string.ts';

/** Parses one text and checks function names and argument counts; the message of the first problem. */
export function checkText(
  text: string,
  parse: (text: string) => TemplateString,
  catalog: FunctionCatalog,
): string | undefined {
  try {
    const template = parse(text);
    const expressions: ParsedExpression[] =
      template.kind === 'expression'
        ? [template.expression]
        : template.kind === 'interpolation'
          ? template.parts.filter((part) => typeof part !== 'string')
          : [];
    for (const expression of expressions) checkNode(expression.root, catalog);
    return undefined;
  } catch (error) {
    if (error instanceof ExpressionError) return error.message;
    throw error;
  }
}

function checkNode(node: ExpressionNode, catalog: FunctionCatalog): void {
  switch (node.kind) {
    case 'literal':
      return;
    case 'property':
      checkNode(node.target, catalog);
      return;
    case 'index':
      checkNode(node.target, catalog);
      checkNode(node.index, catalog);
      return;
    case 'call': {
      const definition = catalog.get(node.name.toLowerCase());
      if (definition === undefined) throw unknownFunctionError(node.name);
      if (node.args.length < definition.minArgs || node.args.length > definition.maxArgs) {
        throw arityError(definition.name, definition.minArgs, definition.maxArgs, node.args.length);
      }
      for (const arg of node.args) checkNode(arg, catalog);
    }
  }
}
