/**
 * A configurable ExpressionContext for the expression tests: fixed clock and GUID, and parameters,
 * variables, activity results and a loop item given per test.
 */
import { deepEqual as assertDeepEqual, throws } from 'node:assert/strict';
import {
  ExpressionError,
  type ActivityResultView,
  type ExpressionContext,
  type PipelineSystemValues,
} from '../../../src/pipelines/expressions/contract.ts';
import { createExpressionEngine } from '../../../src/pipelines/expressions/engine.ts';

export interface FakeContextOptions {
  parameters?: Record<string, unknown>;
  globalParameters?: Record<string, unknown>;
  variables?: Record<string, unknown>;
  activities?: Record<string, Partial<ActivityResultView>>;
  item?: unknown;
  trigger?: Record<string, unknown>;
  now?: string;
  pipeline?: Partial<PipelineSystemValues> & Record<string, unknown>;
}

export function fakeContext(options: FakeContextOptions = {}): ExpressionContext {
  const activities = new Map(
    Object.entries(options.activities ?? {}).map(([name, view]) => [name.toLowerCase(), view]),
  );
  const context: ExpressionContext = {
    pipeline: {
      DataFactory: 'factory1',
      Pipeline: 'pipeline1',
      RunId: '11111111-2222-3333-4444-555555555555',
      TriggerType: 'Manual',
      TriggerId: 'trigger-id',
      TriggerName: 'Sandbox',
      TriggerTime: '2024-05-01T10:00:00.1234567Z',
      GroupId: 'group-id',
      TriggeredByPipelineName: null,
      TriggeredByPipelineRunId: null,
      parameters: options.parameters ?? {},
      globalParameters: options.globalParameters ?? {},
      ...options.pipeline,
    },
    variable: (name) =>
      options.variables !== undefined && Object.hasOwn(options.variables, name)
        ? { value: options.variables[name] }
        : undefined,
    activity: (name) => {
      const view = activities.get(name.toLowerCase());
      return view === undefined ? undefined : { status: 'Succeeded', output: {}, error: null, ...view };
    },
    item: 'item' in options ? { value: options.item } : undefined,
    now: () => new Date(options.now ?? '2024-05-01T10:00:00.123Z'),
    newGuid: () => 'c2ecc88d-88c8-4096-912c-d6f2e2b138ce',
  };
  if (options.trigger !== undefined) context.trigger = options.trigger;
  return context;
}

/** Evaluates one text with a fresh engine (random fixed at 0.5) and a fake context. */
export function evaluate(text: string, options: FakeContextOptions = {}): unknown {
  return createExpressionEngine({ random: () => 0.5 }).evaluateText(text, fakeContext(options));
}

/** Registers one test per row: evaluating the expression gives the expected JSON value. */
export function resultTable(
  register: (name: string, body: () => void) => unknown,
  rows: readonly (readonly [string, unknown])[],
  options: FakeContextOptions = {},
): void {
  for (const [text, expected] of rows) {
    register(`${text} → ${JSON.stringify(expected)}`, () => {
      assertDeepEqual(evaluate(text, options), expected);
    });
  }
}

/** Registers one test per row: evaluating the expression throws a message matching the pattern. */
export function errorTable(
  register: (name: string, body: () => void) => unknown,
  rows: readonly (readonly [string, RegExp])[],
  options: FakeContextOptions = {},
): void {
  for (const [text, pattern] of rows) {
    register(`${text} fails`, () => {
      throws(
        () => evaluate(text, options),
        (error: unknown) => error instanceof ExpressionError && pattern.test(error.message),
      );
    });
  }
}
