/**
 * Validates a loaded pipeline definition before it is stored or run, returning every problem at once so a
 * user fixes a file in one pass: the pipeline's name and declarations, each activity's name, type, state,
 * policy and required properties, the dependency graph of each scope, and every expression (parsed by the
 * injected checker, the ExpressionEngine's `check`). assertValidPipeline throws one PipelineDefinitionError
 * listing them all, which the API answers with 400. Inactive activities (and those inside an inactive
 * container) never run, so as in Studio only their names and dependencies are checked: an unfinished or
 * unsupported activity can be switched off to run the rest.
 */
import type { PipelineDefinition } from './model.ts';
import { RUNNABLE_ACTIVITY_TYPES } from './activity-types.ts';
import { PipelineDefinitionError, type DefinitionProblem } from './errors.ts';
import { isJsonObject } from './json-text.ts';
import { checkActivityProperties } from './validate-activities.ts';
import {
  checkConcurrency,
  checkParameters,
  checkPipelineName,
  checkVariables,
} from './validate-declarations.ts';
import {
  checkActivityExpressions,
  checkPipelineExpressions,
  type ExpressionChecker,
} from './validate-expressions.ts';
import { checkDependencies, checkNamesAndTypes } from './validate-graph.ts';
import { checkPolicy } from './validate-policy.ts';
import { ProblemSink, allSites, collectScopes } from './validation-context.ts';

export type { ExpressionChecker } from './validate-expressions.ts';

export interface ValidateOptions {
  /** Parses every expression in a JSON tree (ExpressionEngine.check). */
  checkExpressions: ExpressionChecker;
  /** Activity types the runner executes; others are reported. Defaults to RUNNABLE_ACTIVITY_TYPES. */
  runnableTypes?: readonly string[];
  /** Whether a pipeline exists, for ExecutePipeline references; when absent they are not checked. */
  pipelineExists?: (name: string) => boolean;
}

export function validatePipeline(
  definition: PipelineDefinition,
  options: ValidateOptions,
): DefinitionProblem[] {
  const sink = new ProblemSink();
  checkPipelineName(definition.name, sink);
  const properties: unknown = definition.properties;
  if (!isJsonObject(properties)) {
    sink.pipeline('properties', 'The pipeline has no "properties" object.');
    return sink.problems;
  }
  const parameterNames = checkParameters(properties['parameters'], sink);
  const variables = checkVariables(properties['variables'], sink);
  checkConcurrency(properties['concurrency'], sink);
  const scopes = collectScopes(properties, sink);
  checkNamesAndTypes(scopes, options.runnableTypes ?? RUNNABLE_ACTIVITY_TYPES, sink);
  checkDependencies(scopes, sink);
  const sites = allSites(scopes);
  const expressionContext = {
    check: options.checkExpressions,
    activityNames: new Set(
      sites.flatMap((site) => (site.name === undefined ? [] : [site.name.toLowerCase()])),
    ),
    variableNames: [...variables.keys()],
    parameterNames,
  };
  const ruleContext =
    options.pipelineExists === undefined
      ? { variables }
      : { variables, pipelineExists: options.pipelineExists };
  for (const site of sites.filter((candidate) => !candidate.inactive)) {
    checkPolicy(site, sink);
    checkActivityProperties(site, ruleContext, sink);
    checkActivityExpressions(site, expressionContext, sink);
  }
  checkPipelineExpressions(properties, expressionContext, sink);
  return sink.problems;
}

/** Throws one PipelineDefinitionError listing every problem; returns the definition when there are none. */
export function assertValidPipeline(
  definition: PipelineDefinition,
  options: ValidateOptions,
): PipelineDefinition {
  const problems = validatePipeline(definition, options);
  if (problems.length > 0) {
    const name =
      typeof definition.name === 'string' && definition.name !== '' ? `'${definition.name}'` : '(unnamed)';
    throw PipelineDefinitionError.fromProblems(`Pipeline ${name}`, problems);
  }
  return definition;
}
