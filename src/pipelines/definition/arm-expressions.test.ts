import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  ArmExpressionError,
  evaluateArmExpression,
  isArmExpression,
  unescapeArmLiteral,
  type ArmScope,
} from './arm-expressions.ts';

const scope: ArmScope = {
  parameter(name) {
    const values: Record<string, unknown> = {
      factoryName: 'adf1',
      retries: 3,
      settings: { url: 'https://x' },
    };
    if (name in values) return values[name];
    throw new ArmExpressionError(`no parameter ${name}`);
  },
  variable(name) {
    if (name === 'suffix') return '-v';
    throw new ArmExpressionError(`no variable ${name}`);
  },
};

test('recognises ARM expressions and the [[ escape', () => {
  assert.equal(isArmExpression("[parameters('x')]"), true);
  assert.equal(isArmExpression('[[not an expression]'), false);
  assert.equal(isArmExpression('plain'), false);
  assert.equal(unescapeArmLiteral('[[1, 2]'), '[1, 2]');
  assert.equal(unescapeArmLiteral('@pipeline()'), '@pipeline()');
});

test('resolves parameters, variables, concat, literals and property access', () => {
  assert.equal(
    evaluateArmExpression("[concat(parameters('factoryName'), '/Run-BatchEndpoint')]", scope),
    'adf1/Run-BatchEndpoint',
  );
  assert.equal(evaluateArmExpression("[parameters('retries')]", scope), 3);
  assert.equal(evaluateArmExpression("[parameters('settings').url]", scope), 'https://x');
  assert.equal(evaluateArmExpression("[parameters('settings')['url']]", scope), 'https://x');
  assert.equal(evaluateArmExpression("[concat('it''s', variables('suffix'), 1)]", scope), "it's-v1");
  assert.equal(evaluateArmExpression('[-2]', scope), -2);
});

test('function names ignore case, as in ARM', () => {
  assert.equal(evaluateArmExpression("[CONCAT(Parameters('factoryName'), '/p')]", scope), 'adf1/p');
});

test('unsupported functions and syntax errors say what is wrong', () => {
  assert.throws(
    () => evaluateArmExpression("[resourceId('Microsoft.DataFactory/factories', 'x')]", scope),
    /the ARM function 'resourceId' .* cannot be resolved here .*replace it with its value/,
  );
  assert.throws(() => evaluateArmExpression("[parameters('x' 'y')]", scope), /expected '\)'/);
  assert.throws(() => evaluateArmExpression("[concat('a)]", scope), /unterminated string/);
  assert.throws(
    () => evaluateArmExpression("[parameters('settings').missing]", scope),
    /property 'missing' does not exist/,
  );
});
