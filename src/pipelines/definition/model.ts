/**
 * Typed views over Data Factory pipeline JSON (spec §1.8). These are views, not a normalised model: the
 * loader keeps every unknown property so a pipeline exported from Data Factory round-trips unchanged, and
 * values that may be expressions stay in their raw JSON form until the runner evaluates them in scope.
 */

/** `{"value": "...", "type": "Expression"}`, the form Studio writes for every dynamic-content box. */
export interface ExpressionObject {
  value: string;
  type: 'Expression';
}

export type MaybeExpression<T> = T | ExpressionObject;

export type DependencyCondition = 'Succeeded' | 'Failed' | 'Skipped' | 'Completed';

export interface ActivityDependency {
  activity: string;
  dependencyConditions: DependencyCondition[];
  [extra: string]: unknown;
}

export interface ActivityPolicy {
  timeout?: MaybeExpression<string>;
  retry?: MaybeExpression<number>;
  retryIntervalInSeconds?: number;
  secureInput?: boolean;
  secureOutput?: boolean;
  [extra: string]: unknown;
}

export interface ActivityDefinition {
  name: string;
  type: string;
  description?: string;
  state?: 'Active' | 'Inactive';
  onInactiveMarkAs?: 'Succeeded' | 'Failed' | 'Skipped';
  dependsOn?: ActivityDependency[];
  userProperties?: { name: string; value: unknown }[];
  policy?: ActivityPolicy;
  typeProperties?: Record<string, unknown>;
  [extra: string]: unknown;
}

export interface DeclaredValue {
  type: string;
  defaultValue?: unknown;
  [extra: string]: unknown;
}

export interface PipelineProperties {
  description?: string;
  activities: ActivityDefinition[];
  parameters?: Record<string, DeclaredValue>;
  variables?: Record<string, DeclaredValue>;
  concurrency?: number;
  annotations?: unknown[];
  folder?: { name: string };
  [extra: string]: unknown;
}

/** A pipeline as stored and run: its name and its `properties`, the shape of Data Factory's REST resource. */
export interface PipelineDefinition {
  name: string;
  properties: PipelineProperties;
}
