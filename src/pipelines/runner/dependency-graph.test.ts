import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ActivityDefinition } from '../definition/model.ts';
import { conditionMatches, entrySatisfied, scopeGraphProblems } from './dependency-graph.ts';

test('Completed matches Succeeded and Failed but not Skipped', () => {
  assert.equal(conditionMatches('Completed', 'Succeeded'), true);
  assert.equal(conditionMatches('Completed', 'Failed'), true);
  assert.equal(conditionMatches('Completed', 'Skipped'), false);
  assert.equal(conditionMatches('Skipped', 'Skipped'), true);
  assert.equal(conditionMatches('Succeeded', 'Failed'), false);
});

test('conditions within one entry are OR-ed', () => {
  const entry = { activity: 'A', dependencyConditions: ['Failed', 'Skipped'] as const };
  const dependency = { ...entry, dependencyConditions: [...entry.dependencyConditions] };
  assert.equal(entrySatisfied(dependency, 'Failed'), true);
  assert.equal(entrySatisfied(dependency, 'Skipped'), true);
  assert.equal(entrySatisfied(dependency, 'Succeeded'), false);
});

test('unknown names, duplicates, bad conditions and cycles are reported', () => {
  const activities: ActivityDefinition[] = [
    { name: 'A', type: 'Wait', dependsOn: [{ activity: 'C', dependencyConditions: ['Succeeded'] }] },
    { name: 'B', type: 'Wait', dependsOn: [{ activity: 'Nope', dependencyConditions: ['Succeeded'] }] },
    { name: 'C', type: 'Wait', dependsOn: [{ activity: 'a', dependencyConditions: ['Succeeded'] }] },
    {
      name: 'b',
      type: 'Wait',
      dependsOn: [{ activity: 'A', dependencyConditions: ['Success' as 'Succeeded'] }],
    },
  ];
  const problems = scopeGraphProblems(activities);
  assert.deepEqual(problems, [
    "Activity name 'b' is used more than once.",
    "Activity 'B' depends on 'Nope', which is not in the same scope.",
    "Activity 'b' has an unknown dependency condition 'Success'.",
    'Activities depend on each other in a cycle: A -> C -> A.',
  ]);
});

test('a valid graph has no problems', () => {
  const activities: ActivityDefinition[] = [
    { name: 'A', type: 'Wait' },
    { name: 'B', type: 'Wait', dependsOn: [{ activity: 'a', dependencyConditions: ['Completed'] }] },
  ];
  assert.deepEqual(scopeGraphProblems(activities), []);
});
