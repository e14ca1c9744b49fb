import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tokenize } from './lexer.ts';
import { MAX_EXPRESSION_DEPTH, parseExpression } from './parser.ts';
import { FloatNumber } from './values.ts';

test('the lexer reads strings with doubled quotes, numbers, identifiers and null-conditional accessors', () => {
  const tokens = tokenize("f('it''s', -12, 1.5, .3)?.a?['b'][0]");
  assert.deepEqual(
    tokens.map((token) => `${token.kind}:${token.text}`),
    [
      'identifier:f',
      'lparen:(',
      "string:it's",
      'comma:,',
      'integer:-12',
      'comma:,',
      'float:1.5',
      'comma:,',
      'float:.3',
      'rparen:)',
      'questionDot:?.',
      'identifier:a',
      'questionBracket:?[',
      'string:b',
      'rbracket:]',
      'lbracket:[',
      'integer:0',
      'rbracket:]',
      'end:',
    ],
  );
});

test('the parser builds calls, literals and accessors per the grammar', () => {
  const { root } = parseExpression("activity('A').output?.items[0]['x-y']");
  assert.equal(root.kind, 'index');
  assert.deepEqual(root.index, { kind: 'literal', value: 'x-y', start: 31 });
  const items = root.target;
  assert.equal(items.kind === 'index' && items.target.kind === 'property' && items.target.name, 'items');
  assert.equal(items.kind === 'index' && items.target.kind === 'property' && items.target.optional, true);
});

test('number literals keep int versus float, and 64-bit integers stay exact', () => {
  const literal = (text: string) => {
    const { root } = parseExpression(text);
    return root.kind === 'literal' ? root.value : undefined;
  };
  assert.equal(literal('42'), 42);
  assert.equal(literal('-7'), -7);
  assert.deepEqual(literal('1.0'), new FloatNumber(1));
  assert.equal(literal('0.25'), 0.25);
  assert.equal(literal('9223372036854775807'), 9223372036854775807n);
  assert.equal(literal('99999999999999999999'), 1e20);
  assert.equal(literal('TRUE'), true);
  assert.equal(literal('null'), null);
});

test('syntax errors name the expression and the position', () => {
  assert.throws(() => parseExpression("concat('a'"), {
    message:
      "The template language expression 'concat('a'' is not valid: expected ')' but found the end of the expression at position '10'.",
  });
  assert.throws(
    () => parseExpression('equals(1, 2) == true'),
    /the character '=' is not expected at position '13'/,
  );
  assert.throws(() => parseExpression('parameters'), /the identifier 'parameters' is not expected/);
  assert.throws(
    () => parseExpression("'unterminated"),
    /the string literal is not terminated at position '0'/,
  );
  assert.throws(() => parseExpression('a().'), /expected a property name but found the end/);
  assert.throws(() => parseExpression('a().1'), /expected a property name but found '1'/);
  assert.throws(() => parseExpression('f(1,)'), /'\)' is not expected/);
  assert.throws(() => parseExpression('f() g()'), /'g' is not expected/);
  assert.throws(() => parseExpression('12abc'), /the character 'a' is not expected/);
  assert.throws(() => parseExpression('- 1'), /the character '-' is not expected/);
});

/** Nested calls, nested brackets and a long accessor chain, each a tree `depth` levels deep. */
function deepExpressions(depth: number): string[] {
  return [
    `${'concat('.repeat(depth - 1)}'x'${')'.repeat(depth - 1)}`,
    `${'createArray(1)['.repeat(depth - 2)}0${']'.repeat(depth - 2)}`,
    `pipeline()${'.a'.repeat(depth - 1)}`,
  ];
}

test(`expressions nest at most ${MAX_EXPRESSION_DEPTH} levels; 10,000 is refused, not a stack overflow`, () => {
  for (const source of deepExpressions(MAX_EXPRESSION_DEPTH))
    assert.doesNotThrow(() => parseExpression(source));
  for (const depth of [MAX_EXPRESSION_DEPTH + 1, 10_000]) {
    for (const source of deepExpressions(depth)) {
      assert.throws(
        () => parseExpression(source),
        /is not valid: it nests calls, brackets and accessors deeper than 64 levels at position/,
      );
    }
  }
});
