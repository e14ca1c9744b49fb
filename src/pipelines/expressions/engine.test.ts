import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ExpressionError } from './contract.ts';
import { createExpressionEngine } from './engine.ts';
import { evaluate, fakeContext } from '../../../test/support/pipelines/fake-context.ts';

const context = fakeContext({
  parameters: { n: 120, name: 'job', obj: { a: 1 } },
  variables: { flag: true },
});

// §7.4 Expressions checklist, item by item.

test('@expr keeps its type; @{expr} gives a string; text around @{} is interpolated', () => {
  const engine = createExpressionEngine();
  assert.equal(engine.evaluateText('@pipeline().parameters.n', context), 120);
  assert.equal(engine.evaluateText('@{pipeline().parameters.n}', context), '120');
  assert.equal(engine.evaluateText('x@{pipeline().parameters.n}y', context), 'x120y');
  assert.equal(engine.evaluateText('Answer is: @{pipeline().parameters.n}', context), 'Answer is: 120');
  assert.deepEqual(engine.evaluateText('@pipeline().parameters.obj', context), { a: 1 });
});

test('interpolation stringifies booleans as True/False, null as empty and objects as compact JSON', () => {
  const text = '{"flag": @{variables(\'flag\')}, "obj": @{pipeline().parameters.obj}, "none": "@{null}"}';
  assert.equal(
    createExpressionEngine().evaluateText(text, context),
    '{"flag": True, "obj": {"a":1}, "none": ""}',
  );
});

test('results never alias the context values', () => {
  const parameters = { list: [1, 2] };
  const result = evaluate('@pipeline().parameters.list', { parameters }) as number[];
  result.push(3);
  assert.deepEqual(parameters.list, [1, 2]);
});

test('an integer beyond 2^53 crosses the contract as the nearest double; string() keeps it exact', () => {
  assert.equal(evaluate("@ticks('2023-11-24T12:11:54.753132')"), Number(638364247147531320n));
  assert.equal(evaluate("@string(ticks('2023-11-24T12:11:54.753132'))"), '638364247147531320');
});

test('strings without @ are returned as they are', () => {
  assert.equal(evaluate('value'), 'value');
  assert.equal(evaluate(' value '), ' value ');
  assert.equal(evaluate('11'), '11');
  assert.equal(evaluate('mail@example.com'), 'mail@example.com');
});

test('@@ escapes, a leading space makes a literal, and two quotes are one quote', () => {
  assert.equal(evaluate('@@x'), '@x');
  assert.equal(evaluate('@@'), '@');
  assert.equal(evaluate(' @x'), ' @x');
  assert.equal(evaluate("@concat('Baba', '''s ', 'book store')"), "Baba's book store");
  assert.equal(
    evaluate('Answer is: @@{pipeline().parameters.n}', { parameters: { n: 42 } }),
    'Answer is: @{pipeline().parameters.n}',
  );
});

test('function names ignore case, and so do activity names', () => {
  assert.equal(evaluate("@CONCAT('a', 'b')"), 'ab');
  assert.equal(evaluate("@startswith('Hello', 'he')"), true);
  assert.equal(evaluate("@Concat('x', utcnow('yyyy'))"), 'x2024');
  const activities = { 'Run Batch': { output: { id: 7 } } };
  assert.equal(evaluate("@activity('run batch').output.id", { activities }), 7);
});

test('concat stringifies ints, floats, booleans and arrays the .NET way', () => {
  assert.equal(
    evaluate("@concat('a', 1, 0.016666666666666666, false, createArray())"),
    'a10.016666666666666666False[]',
  );
});

test('div, add, equals, coalesce, and lazy if/or', () => {
  assert.equal(evaluate('@div(11,5)'), 2);
  assert.equal(evaluate('@add(1,1.5)'), 2.5);
  assert.equal(evaluate('@equals(true,1)'), true);
  assert.equal(evaluate('@coalesce(null)'), null);
  assert.equal(evaluate("@if(true,'a',int('not a number'))"), 'a');
  assert.equal(evaluate("@or(true, variables('missing'))"), true);
  assert.equal(evaluate("@and(false, variables('missing'))"), false);
});

test('?. gives null; a plain missing property errors with the engine message; item() outside a loop errors', () => {
  assert.equal(evaluate('@pipeline().parameters.p?.field1?.field2', { parameters: { p: null } }), null);
  assert.equal(evaluate('@pipeline()?.TriggeredByPipelineRunId'), null);
  assert.throws(
    () => evaluate('@pipeline().parameters.missing', { parameters: { a: 1, b: 2 } }),
    new ExpressionError(
      "The template language expression 'pipeline().parameters.missing' cannot be evaluated because property 'missing' doesn't exist, available properties are 'a, b'.",
    ),
  );
  assert.throws(() => evaluate('@item()'), {
    message: "The template function 'item' is not expected at this location.",
  });
});

test('string comparison is culture-aware; startsWith ignores case; replace and contains do not', () => {
  assert.equal(evaluate("@less('abc','Abc')"), true);
  assert.equal(evaluate("@startsWith('Completed','completed')"), true);
  assert.equal(evaluate("@replace('aAa', 'a', 'b')"), 'bAb');
  assert.equal(evaluate("@contains('Completed', 'completed')"), false);
});

test('date functions: o with 7 digits, Z versus unspecified kind, Windows zones, exact ticks', () => {
  assert.equal(evaluate('@utcNow()'), '2024-05-01T10:00:00.1230000Z');
  assert.equal(evaluate("@formatDateTime('2023-11-24T12:11:49')"), '2023-11-24T12:11:49.0000000');
  assert.equal(evaluate("@formatDateTime('2023-11-24T12:11:49Z')"), '2023-11-24T12:11:49.0000000Z');
  assert.equal(
    evaluate("@convertFromUtc('2023-11-24T12:11:49.7531321Z', 'W. Europe Standard Time')"),
    '2023-11-24T13:11:49.7531321',
  );
  assert.equal(evaluate("@string(ticks('2023-11-24T12:11:54.753132'))"), '638364247147531320');
});

// evaluateTree (spec §1.7).

test('evaluateTree evaluates Expression objects and @ strings, and leaves literals alone', () => {
  const tree = {
    url: { value: "@concat('https://x/', pipeline().parameters.name)", type: 'Expression' },
    method: 'POST',
    body: {
      count: '@pipeline().parameters.n',
      text: 'n is @{pipeline().parameters.n}',
      raw: 'plain',
      number: 5,
    },
    headers: [{ value: "@toUpper('a')", type: 'Expression' }, '@@literal'],
  };
  assert.deepEqual(createExpressionEngine().evaluateTree(tree, context), {
    url: 'https://x/job',
    method: 'POST',
    body: { count: 120, text: 'n is 120', raw: 'plain', number: 5 },
    headers: ['A', '@literal'],
  });
});

test('evaluateTree does not descend into keys containing "activities" nor into SecureString values', () => {
  const tree = {
    expression: { value: "@variables('flag')", type: 'Expression' },
    ifTrueActivities: [{ typeProperties: { value: '@item()' } }],
    cases: [{ value: 'a', activities: [{ x: '@item()' }] }],
    password: { type: 'SecureString', value: '@not-an-expression' },
  };
  assert.deepEqual(createExpressionEngine().evaluateTree(tree, context), {
    expression: true,
    ifTrueActivities: [{ typeProperties: { value: '@item()' } }],
    cases: [{ value: 'a', activities: [{ x: '@item()' }] }],
    password: { type: 'SecureString', value: '@not-an-expression' },
  });
});

test('evaluateTree can leave plain @ strings alone when that option is off', () => {
  const engine = createExpressionEngine({ evaluatePlainStrings: false });
  const tree = {
    a: '@pipeline().parameters.n',
    b: { value: '@pipeline().parameters.n', type: 'Expression' },
  };
  assert.deepEqual(engine.evaluateTree(tree, context), { a: '@pipeline().parameters.n', b: 120 });
});

test('evaluateTree propagates the first expression error', () => {
  assert.throws(() => createExpressionEngine().evaluateTree({ a: ["@variables('nope')"] }, context), {
    name: 'ExpressionError',
    code: 'InvalidTemplate',
    message:
      "Template language expression cannot be evaluated: the template variable 'nope' cannot be found.",
  });
});

test('results cross the contract as plain JSON (whole floats become numbers, binaries $content objects)', () => {
  assert.equal(evaluate("@float('3')"), 3);
  assert.deepEqual(evaluate("@createArray(float('1'), 2)"), [1, 2]);
  assert.deepEqual(evaluate("@binary('hi')"), {
    '$content-type': 'application/octet-stream',
    $content: 'aGk=',
  });
  assert.equal(JSON.stringify(evaluate('@json(\'{"a": [1.0, 2]}\')')), '{"a":[1,2]}');
});

// check().

test('check reports syntax errors, unknown functions and wrong argument counts with their paths', () => {
  const problems = createExpressionEngine().check({
    typeProperties: {
      url: '@foo()',
      body: { value: "@concat('x'", type: 'Expression' },
      headers: { 'Content-Type': '@equals(1)' },
      list: ['ok', '@{toUpper(}'],
      fine: { value: "@concat('a', pipeline().parameters.x)", type: 'Expression' },
    },
    activities: [{ value: '@bad(', type: 'Expression' }],
  });
  assert.deepEqual(
    problems.map((problem) => problem.path),
    [
      'typeProperties.url',
      'typeProperties.body',
      'typeProperties.headers["Content-Type"]',
      'typeProperties.list[1]',
    ],
  );
  assert.equal(problems[0]?.message, "The template function 'foo' is not defined or not valid.");
  assert.match(problems[1]?.message ?? '', /^The template language expression 'concat\('x'' is not valid/);
  assert.equal(
    problems[2]?.message,
    "The template language function 'equals' expects 2 parameter(s). The function was invoked with '1' parameter(s).",
  );
});

test('check accepts every documented function name', () => {
  const names =
    `concat endsWith guid indexOf lastIndexOf replace split startsWith substring toLower toUpper trim
    contains empty first intersection join last length skip take union and equals greater greaterOrEquals if less
    lessOrEquals not or array base64 base64ToBinary base64ToString binary bool coalesce createArray dataUri
    dataUriToBinary dataUriToString decodeBase64 decodeDataUri decodeUriComponent encodeUriComponent float int json
    string uriComponent uriComponentToBinary uriComponentToString xml xpath add div max min mod mul rand range sub
    addDays addHours addMinutes addSeconds addToTime convertFromUtc convertTimeZone convertToUtc dayOfMonth
    dayOfWeek dayOfYear formatDateTime getFutureTime getPastTime startOfDay startOfHour startOfMonth
    subtractFromTime ticks utcNow utcnow`.split(/\s+/);
  assert.equal(names.length, 85);
  const engine = createExpressionEngine();
  for (const name of names) {
    const messages = engine.check([`@${name}(1, 2, 3)`]).map((problem) => problem.message);
    assert.ok(
      messages.every((message) => !message.includes('not defined')),
      `${name}: ${messages.join()}`,
    );
  }
});
