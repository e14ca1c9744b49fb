/**
 * Expression rules: every expression in an activity must parse (checked by the injected ExpressionEngine
 * `check`, so this module does not depend on the engine), and the names an expression refers to in literal
 * form (`activity('X')`, `variables('x')`, `pipeline().parameters.p`) must exist, as the engine would
 * otherwise fail at run time. Nested activity lists are skipped here, as their own activities are visited
 * one by one. A SetVariable/AppendVariable value may not read the variable it sets (spec §1.4).
 */
import type { ExpressionEngine } from '../expressions/contract.ts';
import { isJsonObject } from './json-text.ts';
import { childPath } from './json-path.ts';
import { isExpressionObject, isExpressionString } from './lenient-values.ts';
import { typeProperties, type ActivitySite, type ProblemSink } from './validation-context.ts';

/** The shape of ExpressionEngine.check: one entry per expression that does not parse. */
export type ExpressionChecker = ExpressionEngine['check'];

export interface ExpressionRuleContext {
  check: ExpressionChecker;
  /** Every activity name in the pipeline, lower-cased. */
  activityNames: Set<string>;
  variableNames: string[];
  parameterNames: string[];
}

/** The tree without nested activity lists (any key containing "activities", as the engine skips them). */
export function withoutNestedActivities(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutNestedActivities);
  if (!isJsonObject(value)) return value;
  const copy: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) {
    if (!key.toLowerCase().includes('activities')) copy[key] = withoutNestedActivities(item);
  }
  return copy;
}

/** Expression texts in a tree with their paths: Expression objects and `@` strings. */
export function expressionTexts(value: unknown, path: string): { path: string; text: string }[] {
  if (isExpressionObject(value)) return [{ path, text: value.value }];
  if (isExpressionString(value)) return [{ path, text: value }];
  if (Array.isArray(value))
    return value.flatMap((item, index) => expressionTexts(item, childPath(path, index)));
  if (!isJsonObject(value)) return [];
  return Object.entries(value).flatMap(([key, item]) => expressionTexts(item, childPath(path, key)));
}

/** Typed return-value entries `{type: "Expression", content}` (spec §2.7.4), nested Array/Object included. */
function returnValueExpressions(value: unknown, path: string): { path: string; text: string }[] {
  if (Array.isArray(value))
    return value.flatMap((item, index) => returnValueExpressions(item, childPath(path, index)));
  if (!isJsonObject(value)) return [];
  const typed = value['type'];
  if (typeof typed === 'string' && 'content' in value) {
    const content = value['content'];
    if (typed === 'Expression' && typeof content === 'string')
      return [{ path: `${path}.content`, text: content }];
    return returnValueExpressions(content, `${path}.content`);
  }
  return Object.entries(value).flatMap(([key, item]) => returnValueExpressions(item, childPath(path, key)));
}

export function checkActivityExpressions(
  site: ActivitySite,
  context: ExpressionRuleContext,
  sink: ProblemSink,
): void {
  const reported = new Set<string>();
  const report = (property: string, text: string): void => {
    if (reported.has(`${property}\n${text}`)) return;
    reported.add(`${property}\n${text}`);
    sink.activity(site, property, text);
  };
  const parts: [string, unknown][] = [
    ['typeProperties', withoutNestedActivities(site.activity['typeProperties'])],
    ['policy', site.activity['policy']],
    ['userProperties', site.activity['userProperties']],
  ];
  const texts: { path: string; text: string }[] = [];
  for (const [key, value] of parts) {
    if (value === undefined) continue;
    for (const problem of context.check(value))
      report(joinCheckerPath(key, problem.path), `has an expression that does not parse: ${problem.message}`);
    texts.push(...expressionTexts(value, key));
  }
  const returned = returnValueExpressions(typeProperties(site)['value'], 'typeProperties.value');
  for (const entry of site.type === 'SetVariable' ? returned : []) {
    for (const problem of context.check({ value: entry.text, type: 'Expression' })) {
      report(entry.path, `has an expression that does not parse: ${problem.message}`);
    }
    texts.push(entry);
  }
  for (const entry of texts)
    for (const message of referenceProblems(entry.text, context)) report(entry.path, message);
  checkSelfReference(site, texts, report);
}

/** Joins the checker's path (relative to the value it was given; form unknown) to the property checked. */
function joinCheckerPath(prefix: string, path: string): string {
  const trimmed = path.replace(/^\$\.?/, '');
  if (trimmed === '') return prefix;
  return trimmed.startsWith('[') ? `${prefix}${trimmed}` : `${prefix}.${trimmed}`;
}

const ACTIVITY_CALL = /\bactivity\(\s*'((?:[^']|'')*)'\s*\)/gi;
const VARIABLE_CALL = /\bvariables\(\s*'((?:[^']|'')*)'\s*\)/gi;
const PARAMETER_ACCESS =
  /\bpipeline\(\s*\)\s*\??\.\s*parameters\s*(?:\??\.\s*([A-Za-z_][\w]*)|\??\[\s*'((?:[^']|'')*)'\s*\])/gi;

function namesIn(text: string, pattern: RegExp): string[] {
  return [...text.matchAll(pattern)].map((match) => (match[1] ?? match[2] ?? '').replaceAll("''", "'"));
}

function referenceProblems(text: string, context: ExpressionRuleContext): string[] {
  const problems: string[] = [];
  const has = (names: string[], name: string): boolean =>
    names.some((known) => known.toLowerCase() === name.toLowerCase());
  for (const name of namesIn(text, ACTIVITY_CALL)) {
    if (!context.activityNames.has(name.toLowerCase())) {
      problems.push(
        `refers to activity('${name}'), but the pipeline has no activity of that name; fix the name.`,
      );
    }
  }
  for (const name of namesIn(text, VARIABLE_CALL)) {
    if (!has(context.variableNames, name)) {
      problems.push(
        `refers to variables('${name}'), which the pipeline does not declare; declare it in properties.variables.`,
      );
    }
  }
  for (const name of namesIn(text, PARAMETER_ACCESS)) {
    if (!has(context.parameterNames, name)) {
      problems.push(
        `refers to the parameter '${name}', which the pipeline does not declare; declare it in properties.parameters.`,
      );
    }
  }
  return problems;
}

function checkSelfReference(
  site: ActivitySite,
  texts: { path: string; text: string }[],
  report: (property: string, text: string) => void,
): void {
  if (site.type !== 'SetVariable' && site.type !== 'AppendVariable') return;
  const own = typeProperties(site)['variableName'];
  if (typeof own !== 'string') return;
  for (const entry of texts) {
    if (!entry.path.startsWith('typeProperties.value')) continue;
    if (namesIn(entry.text, VARIABLE_CALL).includes(own)) {
      report(
        entry.path,
        `reads variables('${own}'), the variable being set; Data Factory does not allow this: copy it into another variable first.`,
      );
    }
  }
}

/** Pipeline-level expressions: `runDimensions` are evaluated at run time. */
export function checkPipelineExpressions(
  properties: Record<string, unknown>,
  context: ExpressionRuleContext,
  sink: ProblemSink,
): void {
  const dimensions = properties['runDimensions'];
  if (dimensions === undefined) return;
  for (const problem of context.check(dimensions)) {
    const property = joinCheckerPath('runDimensions', problem.path);
    sink.pipeline(property, `${property} has an expression that does not parse: ${problem.message}`);
  }
  for (const entry of expressionTexts(dimensions, 'runDimensions')) {
    for (const message of referenceProblems(entry.text, context))
      sink.pipeline(entry.path, `${entry.path} ${message}`);
  }
}
