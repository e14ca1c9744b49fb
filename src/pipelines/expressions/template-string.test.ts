import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ExpressionError } from './contract.ts';
import { looksLikeExpression, parseTemplateString } from './template-string.ts';

test('strings are classified as the docs table says', () => {
  assert.deepEqual(parseTemplateString('parameters'), { kind: 'literal', value: 'parameters' });
  assert.deepEqual(parseTemplateString('parameters[1]'), { kind: 'literal', value: 'parameters[1]' });
  assert.deepEqual(parseTemplateString('@@'), { kind: 'literal', value: '@' });
  assert.deepEqual(parseTemplateString(' @'), { kind: 'literal', value: ' @' });
  assert.deepEqual(parseTemplateString('@@{x}'), { kind: 'literal', value: '@{x}' });
  assert.deepEqual(parseTemplateString('user@example.com'), { kind: 'literal', value: 'user@example.com' });
  assert.equal(parseTemplateString('@pipeline().RunId').kind, 'expression');
  assert.equal(parseTemplateString('@{pipeline().RunId}').kind, 'interpolation');
});

test('a whole-value expression may have whitespace after the @ and trailing newlines', () => {
  const template = parseTemplateString('@ item() \n');
  assert.equal(template.kind === 'expression' && template.expression.source, 'item()');
});

test('interpolation splits literal text and expressions, unescaping @@{', () => {
  const template = parseTemplateString("a @{x()} b @@{y} @{concat('}', '{')}");
  assert.equal(template.kind, 'interpolation');
  assert.deepEqual(
    template.parts.map((part) => (typeof part === 'string' ? part : `<${part.source}>`)),
    ['a ', '<x()>', ' b @{y} ', "<concat('}', '{')>"],
  );
});

test('a JSON body with interpolations keeps its quotes', () => {
  const template = parseTemplateString('{"job_id": "@{pipeline().parameters.id}"}');
  assert.equal(template.kind === 'interpolation' && template.parts.length, 3);
});

test('looksLikeExpression picks the strings that get evaluated', () => {
  assert.equal(looksLikeExpression('@x'), true);
  assert.equal(looksLikeExpression('a @{x} b'), true);
  assert.equal(looksLikeExpression('a@b'), false);
  assert.equal(looksLikeExpression(' @x'), false);
});

test('unclosed or empty interpolations and an empty expression are errors', () => {
  assert.throws(() => parseTemplateString('a @{x('), ExpressionError);
  assert.throws(() => parseTemplateString("@{concat('}'"), /not closed with '}'/);
  assert.throws(() => parseTemplateString('x @{ } y'), /is empty/);
  assert.throws(() => parseTemplateString('@'), /the expression is empty/);
  assert.throws(() => parseTemplateString('@  '), /the expression is empty/);
});
