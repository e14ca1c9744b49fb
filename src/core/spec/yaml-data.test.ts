import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseYamlData, refersToItself } from './yaml-data.ts';

const reasonOf = (text: string): string => {
  const result = parseYamlData(text);
  if (result.ok) assert.fail(`expected a refusal of ${text.slice(0, 40)}`);
  return result.reason;
};

test('plain YAML parses, shared aliases included', () => {
  assert.deepEqual(parseYamlData('a: &x [1, 2]\nb: *x\n'), { ok: true, value: { a: [1, 2], b: [1, 2] } });
});

test('a self-referencing alias is refused, in a list and in a mapping', () => {
  assert.match(reasonOf('a: &a [*a]\ndependencies: *a\n'), /refers to its own anchor/);
  assert.match(reasonOf('x: &x\n  y: *x\n'), /refers to its own anchor/);
});

test('an exponentially expanding alias document is refused without expanding it', () => {
  const levels = ['a: &a ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]'];
  for (let i = 1; i < 9; i++) {
    const prev = String.fromCharCode(96 + i);
    const name = String.fromCharCode(97 + i);
    levels.push(`${name}: &${name} [${Array(9).fill(`*${prev}`).join(', ')}]`);
  }
  assert.match(reasonOf(`${levels.join('\n')}\ndependencies: *i\n`), /more than 100 YAML aliases/);
});

test('unresolved aliases, syntax errors and very deep nesting are reasons, not throws', () => {
  assert.match(reasonOf('dependencies: *nope\n'), /nope/);
  assert.ok(reasonOf('dependencies: [python\n').length > 0);
  assert.ok(reasonOf(`${'['.repeat(50_000)}${']'.repeat(50_000)}`).length > 0);
});

test('the cycle check visits a shared node once and finds cycles at any depth', () => {
  const shared = { leaf: [1] };
  assert.equal(refersToItself({ a: shared, b: shared, c: [shared, shared] }), false);
  const deep: Record<string, unknown> = {};
  let at = deep;
  for (let i = 0; i < 100_000; i++) {
    const next: Record<string, unknown> = {};
    at.n = next;
    at = next;
  }
  assert.equal(refersToItself(deep), false);
  at.back = deep;
  assert.equal(refersToItself(deep), true);
});
