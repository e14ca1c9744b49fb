/**
 * The expression engine the runner uses (contract.ts): evaluates JSON trees (spec §1.7), single expression
 * texts (§3.1) and checks a tree's expressions without running them. Evaluation of a tree replaces
 * Expression objects and plain `@` strings by their values, leaves SecureString objects alone, and does not
 * descend into keys containing "activities", whose container evaluates them later in its own scope.
 * Results leave as plain JSON (values.ts). Parsed expressions are cached per engine.
 */
import type { ExpressionContext, ExpressionEngine } from './contract.ts';
import { TimeZoneResolver } from './datetime/time-zones.ts';
import { evaluateExpression, type Evaluation } from './evaluator.ts';
import { createFunctionCatalog } from './functions/function-catalog.ts';
import type { EngineServices } from './functions/function-types.ts';
import { toDisplayString } from './stringify.ts';
import { mapTree, walkTree } from './json-tree.ts';
import { checkText } from './static-check.ts';
import { parseTemplateString, type TemplateString } from './template-string.ts';
import { toJsonValue, type Value } from './values.ts';

export interface ExpressionEngineOptions {
  /** Evaluate plain JSON strings that start with `@` or contain `@{` (spec §1.7 item 3). Default true. */
  evaluatePlainStrings?: boolean;
  /** Source of randomness for rand(); defaults to Math.random. */
  random?: () => number;
}

const CACHE_LIMIT = 2000;

export function createExpressionEngine(options: ExpressionEngineOptions = {}): ExpressionEngine {
  const catalog = createFunctionCatalog();
  const services: EngineServices = {
    random: options.random ?? Math.random,
    collator: new Intl.Collator('en-US', { caseFirst: 'lower' }),
    timeZones: new TimeZoneResolver(),
  };
  const cache = new Map<string, TemplateString>();
  const parse = (text: string): TemplateString => {
    const cached = cache.get(text);
    if (cached !== undefined) return cached;
    const parsed = parseTemplateString(text);
    if (cache.size >= CACHE_LIMIT) cache.clear();
    cache.set(text, parsed);
    return parsed;
  };
  const evaluatePlainStrings = options.evaluatePlainStrings ?? true;

  const evaluateText = (text: string, context: ExpressionContext): unknown => {
    const evaluation: Evaluation = { catalog, env: { context, services } };
    return toJsonValue(evaluateTemplate(parse(text), evaluation));
  };

  return {
    evaluateText,
    evaluateTree(value, context) {
      return mapTree(value, (text) => evaluateText(text, context), evaluatePlainStrings);
    },
    check(value) {
      const problems: { path: string; message: string }[] = [];
      walkTree(value, '', evaluatePlainStrings, (text, path) => {
        const message = checkText(text, parse, catalog);
        if (message !== undefined) problems.push({ path, message });
      });
      return problems;
    },
  };
}

function evaluateTemplate(template: TemplateString, evaluation: Evaluation): Value {
  switch (template.kind) {
    case 'literal':
      return template.value;
    case 'expression':
      return evaluateExpression(template.expression, evaluation);
    case 'interpolation':
      return template.parts
        .map((part) =>
          typeof part === 'string' ? part : toDisplayString(evaluateExpression(part, evaluation)),
        )
        .join('');
  }
}
