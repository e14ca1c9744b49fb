import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ActivityDefinition, DependencyCondition } from '../definition/model.ts';
import { applyLeafRule } from './leaf-rule.ts';
import type { TerminalActivityStatus } from './records.ts';

function act(name: string, deps: [string, ...DependencyCondition[]][] = []): ActivityDefinition {
  return {
    name,
    type: 'Probe',
    dependsOn: deps.map(([activity, ...dependencyConditions]) => ({ activity, dependencyConditions })),
  };
}

function verdict(activities: ActivityDefinition[], statuses: Record<string, TerminalActivityStatus>) {
  return applyLeafRule(activities, (name) => statuses[name]);
}

test('a single activity decides the scope', () => {
  assert.deepEqual(verdict([act('A')], { A: 'Succeeded' }), { status: 'Succeeded', failedActivities: [] });
  assert.deepEqual(verdict([act('A')], { A: 'Failed' }), { status: 'Failed', failedActivities: ['A'] });
});

test('a skipped leaf is replaced by its parent, repeatedly', () => {
  const chain = [act('A'), act('B', [['A', 'Succeeded']]), act('C', [['B', 'Succeeded']])];
  assert.deepEqual(verdict(chain, { A: 'Failed', B: 'Skipped', C: 'Skipped' }), {
    status: 'Failed',
    failedActivities: ['A'],
  });
});

test('a skipped leaf with several parents evaluates all of them', () => {
  const graph = [
    act('A'),
    act('B'),
    act('C', [
      ['A', 'Succeeded'],
      ['B', 'Succeeded'],
    ]),
  ];
  assert.deepEqual(verdict(graph, { A: 'Succeeded', B: 'Failed', C: 'Skipped' }).failedActivities, ['B']);
});

test('a skipped root (an inactive activity marked Skipped) counts as nothing', () => {
  assert.equal(verdict([act('A')], { A: 'Skipped' }).status, 'Succeeded');
});

test('an activity that never ended (cancelled scope) is not a success', () => {
  assert.equal(verdict([act('A'), act('B')], { A: 'Succeeded' }).status, 'Failed');
  assert.equal(verdict([act('A')], { A: 'Cancelled' }).status, 'Failed');
});

test('an empty scope succeeds', () => {
  assert.equal(verdict([], {}).status, 'Succeeded');
});
