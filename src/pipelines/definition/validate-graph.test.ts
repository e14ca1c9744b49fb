import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ActivityDefinition, PipelineDefinition } from './model.ts';
import { assertValidPipeline, validatePipeline } from './validate.ts';
import { PipelineDefinitionError } from './errors.ts';

/** Stands in for ExpressionEngine.check: reports unbalanced parentheses in any expression text. */
function fakeCheck(value: unknown, path = ''): { path: string; message: string }[] {
  if (typeof value === 'string') {
    const open = value.split('(').length - 1;
    const close = value.split(')').length - 1;
    return value.startsWith('@') && open !== close
      ? [{ path, message: `unbalanced parentheses in '${value}'` }]
      : [];
  }
  if (Array.isArray(value)) return value.flatMap((item, index) => fakeCheck(item, `${path}[${index}]`));
  if (typeof value !== 'object' || value === null) return [];
  return Object.entries(value).flatMap(([key, item]) =>
    fakeCheck(item, path === '' ? key : `${path}.${key}`),
  );
}

const options = { checkExpressions: (value: unknown) => fakeCheck(value) };

function wait(name: string, extra: Partial<ActivityDefinition> = {}): ActivityDefinition {
  return { name, type: 'Wait', typeProperties: { waitTimeInSeconds: 1 }, ...extra };
}

function pipeline(
  activities: unknown[],
  extra: Record<string, unknown> = {},
  name = 'P',
): PipelineDefinition {
  return { name, properties: { activities: activities as ActivityDefinition[], ...extra } };
}

function messages(definition: PipelineDefinition): string[] {
  return validatePipeline(definition, options).map((problem) => problem.message);
}

test('a pipeline with nested containers and valid edges has no problems', () => {
  const definition = pipeline([
    wait('A'),
    wait('B', { dependsOn: [{ activity: 'A', dependencyConditions: ['Succeeded', 'Failed'] }] }),
    {
      name: 'Loop',
      type: 'until',
      dependsOn: [{ activity: 'B', dependencyConditions: ['Completed'] }],
      typeProperties: {
        expression: { value: "@equals(activity('Inner').output, 1)", type: 'Expression' },
        activities: [
          wait('Inner'),
          wait('Inner 2', { dependsOn: [{ activity: 'Inner', dependencyConditions: ['Skipped'] }] }),
        ],
      },
    },
  ]);
  assert.deepEqual(validatePipeline(definition, options), []);
  assert.equal(assertValidPipeline(definition, options), definition);
});

test('pipeline names: required, at most 140 characters, no reserved characters', () => {
  assert.deepEqual(messages(pipeline([], {}, '')), ['The pipeline has no name: set "name".']);
  assert.deepEqual(messages(pipeline([], {}, 'x'.repeat(141))), [
    `The pipeline name '${'x'.repeat(141)}' is 141 characters long; pipeline names have at most 140.`,
  ]);
  assert.deepEqual(messages(pipeline([], {}, 'a/b')), [
    "The pipeline name 'a/b' is not allowed: start with a letter, digit or '_', and do not use < > * # . % & : \\ + ? /.",
  ]);
  assert.deepEqual(messages(pipeline([], {}, 'Run-BatchEndpoint x_1')), []);
});

test('activity names: required, at most 55 characters, no forbidden characters', () => {
  const long = 'n'.repeat(56);
  assert.deepEqual(
    messages(
      pipeline([wait(long), wait('a.b:c'), { type: 'Wait', typeProperties: { waitTimeInSeconds: 1 } }]),
    ),
    [
      `Activity '${long}': name is 56 characters long; activity names have at most 55.`,
      "Activity 'a.b:c': name contains '.', ':'; activity names may not contain . + ? / < > * % & : \\.",
      'properties.activities[2].name is required: give every activity a name.',
    ],
  );
});

test('activity names are unique across the whole pipeline, ignoring case', () => {
  const definition = pipeline([
    wait('Step'),
    {
      name: 'Loop',
      type: 'ForEach',
      typeProperties: { items: { value: '@createArray(1)', type: 'Expression' }, activities: [wait('STEP')] },
    },
    wait('step'),
  ]);
  assert.deepEqual(messages(definition), [
    "Activity 'step': name repeats the name of activity 'Step' in the same scope; activity names must be unique across the whole pipeline, ignoring case: rename one.",
    "Activity 'STEP': name repeats the name of activity 'Step' in the pipeline's top level; activity names must be unique across the whole pipeline, ignoring case: rename one.",
  ]);
});

test('types: any case of a supported type is accepted; others are named with the supported list', () => {
  const supported =
    'Nightshift runs WebActivity, Until, Wait, SetVariable, AppendVariable, IfCondition, Switch, ForEach, Filter, ExecutePipeline, Fail, Copy or GetMetadata';
  assert.deepEqual(
    messages(pipeline([{ name: 'W', type: 'WAIT', typeProperties: { waitTimeInSeconds: 1 } }])),
    [],
  );
  assert.deepEqual(
    messages(pipeline([{ name: 'C', type: 'lookup' }, { name: 'W', type: 'Web' }, { name: 'N' }])),
    [
      `Activity 'C': type is 'Lookup', a Data Factory activity that Nightshift cannot run; ${supported}.`,
      `Activity 'W': type 'Web' is not a known activity type (did you mean 'WebActivity'?); ${supported}.`,
      "Activity 'N': type is required: set it to one of WebActivity, Until, Wait, SetVariable, AppendVariable, IfCondition, Switch, ForEach, Filter, ExecutePipeline, Fail, Copy or GetMetadata.",
    ],
  );
});

test('the runnable types can be extended by the caller', () => {
  const problems = validatePipeline(pipeline([{ name: 'C', type: 'Lookup' }]), {
    ...options,
    runnableTypes: ['Lookup'],
  });
  assert.deepEqual(problems, []);
});

test('state and onInactiveMarkAs use exact spellings', () => {
  assert.deepEqual(
    messages(
      pipeline([wait('A', { state: 'inactive' as 'Inactive', onInactiveMarkAs: 'Done' as 'Failed' })]),
    ),
    [
      `Activity 'A': state is "inactive"; use Active or Inactive (exact spelling).`,
      `Activity 'A': onInactiveMarkAs is "Done"; use Succeeded, Failed or Skipped (exact spelling).`,
    ],
  );
});

test('dependsOn names a sibling, spelled exactly, with known conditions', () => {
  const definition = pipeline([
    wait('A'),
    {
      ...wait('B'),
      dependsOn: [
        { activity: 'a', dependencyConditions: ['Succeeded'] },
        { activity: 'Ghost', dependencyConditions: ['succeeded', 'Done'] },
        { activity: 'A', dependencyConditions: [] },
      ],
    },
  ]);
  assert.deepEqual(messages(definition), [
    "Activity 'B': dependsOn[0].activity names 'a', but the activity is spelled 'A'; names in dependsOn must match exactly.",
    "Activity 'B': dependsOn[1].activity names 'Ghost', but the pipeline has no activity of that name; fix the name or remove the dependency.",
    "Activity 'B': dependsOn[1].dependencyConditions[0] is \"succeeded\", not a dependency condition; write 'Succeeded' (exact spelling).",
    'Activity \'B\': dependsOn[1].dependencyConditions[1] is "Done", not a dependency condition; use Succeeded, Failed, Skipped or Completed.',
    "Activity 'B': dependsOn[2].dependencyConditions must list at least one of Succeeded, Failed, Skipped or Completed.",
  ]);
});

test('dependsOn cannot cross a scope boundary in either direction', () => {
  const definition = pipeline([
    wait('Outer', { dependsOn: [{ activity: 'Inner', dependencyConditions: ['Succeeded'] }] }),
    {
      name: 'If',
      type: 'IfCondition',
      typeProperties: {
        expression: { value: '@true', type: 'Expression' },
        ifTrueActivities: [
          wait('Inner', { dependsOn: [{ activity: 'Outer', dependencyConditions: ['Succeeded'] }] }),
        ],
      },
    },
  ]);
  assert.deepEqual(messages(definition), [
    "Activity 'Outer': dependsOn[0].activity names 'Inner', which is in the ifTrueActivities of 'If', not in the pipeline's top level; an activity can only depend on activities in its own list.",
    "Activity 'Inner': dependsOn[0].activity names 'Outer', which is in the pipeline's top level, not in the ifTrueActivities of 'If'; an activity can only depend on activities in its own list.",
  ]);
});

test('cycles are named, including an activity that depends on itself', () => {
  const after = (name: string) => [{ activity: name, dependencyConditions: ['Succeeded' as const] }];
  const definition = pipeline([
    wait('A', { dependsOn: after('C') }),
    wait('B', { dependsOn: after('A') }),
    wait('C', { dependsOn: after('B') }),
    wait('Self', { dependsOn: after('Self') }),
  ]);
  assert.deepEqual(messages(definition), [
    "Activity 'A': dependsOn is part of a dependency cycle: 'A' waits for 'C' waits for 'B' waits for 'A'; remove one of these dependencies.",
    "Activity 'Self': dependsOn is part of a dependency cycle: 'Self' waits for 'Self'; remove one of these dependencies.",
  ]);
});

test('activity lists and activities of the wrong kind are reported by path', () => {
  assert.deepEqual(messages(pipeline(['x'])), [
    'properties.activities[0] must be an activity object with "name" and "type".',
  ]);
  const definition = pipeline([
    {
      name: 'If',
      type: 'IfCondition',
      typeProperties: { expression: { value: '@true', type: 'Expression' }, ifTrueActivities: {} },
    },
  ]);
  assert.deepEqual(messages(definition), [
    'properties.activities[0].typeProperties.ifTrueActivities must be a list of activities.',
  ]);
});

test('assertValidPipeline throws one error listing every problem, with targets', () => {
  const definition = pipeline([wait('A.1'), { name: 'B', type: 'Nope' }], {}, 'Bad');
  assert.throws(
    () => assertValidPipeline(definition, options),
    (error: unknown) => {
      assert.ok(error instanceof PipelineDefinitionError);
      assert.equal(error.status, 400);
      assert.match(
        error.message,
        /^Pipeline 'Bad' is not valid \(2 problems\):\n- Activity 'A\.1': name contains '\.'.*\n- Activity 'B': type 'Nope' is not a known activity type/,
      );
      assert.deepEqual(
        error.details.map((detail) => detail.target),
        ['A.1/name', 'B/type'],
      );
      assert.deepEqual(
        error.problems.map((problem) => problem.activity),
        ['A.1', 'B'],
      );
      return true;
    },
  );
});

test('inactive activities, and everything inside an inactive container, only need names and valid edges', () => {
  const definition = pipeline([
    { name: 'Off', type: 'Copy', state: 'Inactive', onInactiveMarkAs: 'Skipped', typeProperties: {} },
    {
      name: 'Loop',
      type: 'ForEach',
      state: 'Inactive',
      typeProperties: { activities: [{ name: 'Unfinished', type: 'WebActivity', typeProperties: {} }] },
    },
    wait('After', {
      dependsOn: [
        { activity: 'Off', dependencyConditions: ['Skipped'] },
        { activity: 'Nope', dependencyConditions: ['Succeeded'] },
      ],
    }),
  ]);
  assert.deepEqual(messages(definition), [
    "Activity 'After': dependsOn[1].activity names 'Nope', but the pipeline has no activity of that name; fix the name or remove the dependency.",
  ]);
});
