import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ActivityDefinition, PipelineDefinition } from './model.ts';
import { validatePipeline, type ValidateOptions } from './validate.ts';

const options: ValidateOptions = { checkExpressions: () => [] };
const expr = (value: string) => ({ value, type: 'Expression' });

function one(type: string, typeProperties: unknown, extra: Record<string, unknown> = {}): ActivityDefinition {
  return { name: 'X', type, typeProperties: typeProperties as Record<string, unknown>, ...extra };
}

function messages(
  activities: ActivityDefinition[],
  extra: Record<string, unknown> = {},
  with_: Partial<ValidateOptions> = {},
): string[] {
  const definition: PipelineDefinition = { name: 'P', properties: { activities, ...extra } };
  return validatePipeline(definition, { ...options, ...with_ }).map((problem) => problem.message);
}

const WAIT = { name: 'W', type: 'Wait', typeProperties: { waitTimeInSeconds: 1 } };

test('WebActivity needs a method and an http(s) URL, and a body for POST', () => {
  assert.deepEqual(messages([one('WebActivity', {})]), [
    "Activity 'X': typeProperties.method is required: set it to GET, POST, PUT, DELETE or PATCH.",
    "Activity 'X': typeProperties.url is required: set the address to call (text or an expression).",
  ]);
  assert.deepEqual(messages([one('WebActivity', { method: 'post', url: 'ftp://x' })]), [
    `Activity 'X': typeProperties.url is "ftp://x"; it must be an http:// or https:// URL, or an expression.`,
    "Activity 'X': typeProperties.body is required for POST: set the request body (text, an object, or an expression).",
  ]);
  assert.deepEqual(
    messages([one('WebActivity', { method: 'FETCH', url: expr('@pipeline().parameters.u') })], {
      parameters: { u: { type: 'String' } },
    }),
    [
      `Activity 'X': typeProperties.method is "FETCH"; use GET, POST, PUT, DELETE or PATCH (written as text, not an expression).`,
    ],
  );
});

test('a GET may carry a body, as real exports do; headers may be JSON text', () => {
  assert.deepEqual(
    messages([
      one('WebActivity', { method: 'get', url: 'https://x', body: { job_id: 1 }, headers: '{"a": "b"}' }),
    ]),
    [],
  );
  assert.deepEqual(messages([one('WebActivity', { method: 'GET', url: 'https://x', headers: 'a: b' })]), [
    `Activity 'X': typeProperties.headers is text that is not a JSON object; write the headers as an object, e.g. {"Content-Type": "application/json"}.`,
  ]);
  assert.deepEqual(
    messages([one('WebActivity', { method: 'GET', url: 'https://x', headers: { a: ['x'] } })]),
    ["Activity 'X': typeProperties.headers['a'] is a list; a header value must be text or an expression."],
  );
});

test('WebActivity timeouts, flags and the Fabric connection form', () => {
  assert.deepEqual(
    messages([
      one('WebActivity', {
        method: 'GET',
        url: 'https://x',
        httpRequestTimeout: '00:11:00',
        turnOffAsync: 'yes',
      }),
    ]),
    [
      `Activity 'X': typeProperties.httpRequestTimeout is "00:11:00", longer than the maximum of 00:10:00.`,
      `Activity 'X': typeProperties.turnOffAsync is "yes"; use true or false.`,
    ],
  );
  assert.deepEqual(
    messages([
      one('WebActivity', { method: 'GET', relativeUrl: '/x', externalReferences: { connection: 'id' } }),
    ]),
    [
      'Activity \'X\': typeProperties.url is required: this is a Fabric Web activity that calls a Fabric connection (relativeUrl), which Nightshift cannot use; set "url" to the full address instead.',
    ],
  );
});

test('WebActivity authentication needs a known type and its fields', () => {
  const web = (authentication: unknown) =>
    one('WebActivity', { method: 'GET', url: 'https://x', authentication });
  assert.deepEqual(messages([web({ type: 'msi', resource: 'https://ml.azure.com' })]), []);
  assert.deepEqual(
    messages([
      web({
        type: 'ServicePrincipal',
        tenant: 't',
        servicePrincipalId: 'c',
        servicePrincipalKey: { type: 'SecureString', value: 's' },
        resource: 'r',
      }),
    ]),
    [],
  );
  assert.deepEqual(
    messages([
      web({ type: 'Token' }),
      { ...web({ type: 'MSI' }), name: 'Y' },
      { ...web({ type: 'ServicePrincipal', username: 'c', resource: 'r' }), name: 'Z' },
    ]),
    [
      `Activity 'X': typeProperties.authentication.type is "Token"; use MSI, ServicePrincipal, UserAssignedManagedIdentity, Basic or ClientCertificate, or remove "authentication" and set an Authorization header.`,
      `Activity 'Y': typeProperties.authentication.resource is required for MSI authentication: set "resource".`,
      `Activity 'Z': typeProperties.authentication.userTenant is required for ServicePrincipal authentication: set "userTenant" or "tenant".`,
      `Activity 'Z': typeProperties.authentication.password is required for ServicePrincipal authentication: set "password" or "pfx" or "servicePrincipalKey".`,
    ],
  );
});

test('Until needs an expression and activities; its timeout is at most 90 days', () => {
  assert.deepEqual(messages([one('Until', { activities: [] })]), [
    "Activity 'X': typeProperties.expression is required: set it to an expression that gives true when the loop should stop.",
    "Activity 'X': typeProperties.activities must hold at least one activity to run in the Until loop.",
  ]);
  assert.deepEqual(
    messages([one('Until', { expression: true, activities: [WAIT], timeout: '91.00:00:00' })]),
    [
      `Activity 'X': typeProperties.expression is true; it must be an expression that gives true when the loop should stop, written {"value": "@...", "type": "Expression"}.`,
      `Activity 'X': typeProperties.timeout is "91.00:00:00", longer than the maximum of 90 days.`,
    ],
  );
  assert.deepEqual(
    messages([one('Until', { expression: expr('@true'), activities: [WAIT], timeout: '1:2' })]),
    [
      `Activity 'X': typeProperties.timeout is "1:2", not a timespan; write d.hh:mm:ss, e.g. "0.12:00:00" for 12 hours.`,
    ],
  );
});

test('Wait takes whole seconds, a numeric string, or an expression', () => {
  assert.deepEqual(
    messages([
      one('Wait', { waitTimeInSeconds: '120' }),
      { ...one('Wait', { waitTimeInSeconds: expr('@add(1, 2)') }), name: 'Y' },
    ]),
    [],
  );
  assert.deepEqual(
    messages([
      one('Wait', {}),
      { ...one('Wait', { waitTimeInSeconds: -1 }), name: 'Y' },
      { name: 'Z', type: 'Wait' },
    ]),
    [
      "Activity 'X': typeProperties.waitTimeInSeconds is required: set the number of seconds to wait.",
      "Activity 'Y': typeProperties.waitTimeInSeconds is -1; use an integer of at least 0, or an expression.",
      "Activity 'Z': typeProperties is required for a Wait activity and must be an object.",
    ],
  );
});

test('SetVariable names a declared variable and gives a value that fits its type', () => {
  const variables = {
    variables: { items: { type: 'array' }, Count: { type: 'Integer' }, Name: { type: 'String' } },
  };
  assert.deepEqual(messages([one('SetVariable', { variableName: 'Name', value: 'x' })], variables), []);
  assert.deepEqual(
    messages(
      [
        one('SetVariable', { variableName: 'missing', value: 'x' }),
        { ...one('SetVariable', { variableName: 'name', value: 'x' }), name: 'Y' },
        { ...one('SetVariable', { variableName: 'items', value: 'a' }), name: 'Z' },
        { ...one('SetVariable', { variableName: 'Count' }), name: 'V' },
      ],
      variables,
    ),
    [
      "Activity 'X': typeProperties.variableName names 'missing', which the pipeline does not declare; declare it in properties.variables.",
      "Activity 'Y': typeProperties.variableName names 'name', which the pipeline does not declare; the declared variable is spelled 'Name'.",
      `Activity 'Z': typeProperties.value is "a", which does not fit the Array variable 'items'; give a value of that type or an expression.`,
      "Activity 'V': typeProperties.value is required: set the new value (a literal or an expression).",
    ],
  );
});

test('pipelineReturnValue needs setSystemVariable and typed entries', () => {
  const entries = [
    { key: 'url', value: { type: 'Expression', content: '@pipeline().RunId' } },
    { key: 'n', value: { type: 'Int', content: 3 } },
  ];
  assert.deepEqual(
    messages([
      one('SetVariable', { variableName: 'pipelineReturnValue', setSystemVariable: 'true', value: entries }),
    ]),
    [],
  );
  assert.deepEqual(
    messages([
      one('SetVariable', {
        variableName: 'pipelineReturnValue',
        value: [{ key: 'a', value: { type: 'Text', content: 'x' } }, { value: {} }],
      }),
      { ...one('SetVariable', { variableName: 'other', setSystemVariable: true, value: [] }), name: 'Y' },
    ]),
    [
      "Activity 'X': typeProperties.setSystemVariable must be true to set 'pipelineReturnValue'.",
      `Activity 'X': typeProperties.value[0].value.type is "Text"; use one of Expression, String, Int, Float, Boolean, Null, Array, Object.`,
      "Activity 'X': typeProperties.value[1].key is required: name the returned value.",
      `Activity 'Y': typeProperties.variableName is "other"; the only system variable is 'pipelineReturnValue'.`,
    ],
  );
});

test('AppendVariable only adds to Array variables', () => {
  const variables = { variables: { list: { type: 'Array' }, flag: { type: 'Boolean' } } };
  assert.deepEqual(messages([one('AppendVariable', { variableName: 'list', value: 1 })], variables), []);
  assert.deepEqual(messages([one('AppendVariable', { variableName: 'flag' })], variables), [
    "Activity 'X': typeProperties.variableName names a Bool variable; AppendVariable only adds to Array variables (use SetVariable instead).",
    "Activity 'X': typeProperties.value is required: set the element to append.",
  ]);
});

test('IfCondition and Filter need their expressions', () => {
  assert.deepEqual(
    messages([one('IfCondition', {}), { ...one('Filter', { items: expr('@createArray(1)') }), name: 'Y' }]),
    [
      "Activity 'X': typeProperties.expression is required: set it to an expression that gives true or false.",
      "Activity 'Y': typeProperties.condition is required: set it to an expression that gives true for the items to keep, using item().",
    ],
  );
});

test('Switch needs `on`, unique text case values, at most 25 cases', () => {
  const cases = Array.from({ length: 26 }, (_, index) => ({ value: String(index), activities: [] }));
  cases[1] = { value: '0', activities: [] };
  cases[2] = { value: 3 as unknown as string, activities: [] };
  assert.deepEqual(messages([one('Switch', { cases })]), [
    "Activity 'X': typeProperties.on is required: set it to an expression that gives the text to match against the cases.",
    "Activity 'X': typeProperties.cases has 26 cases; a Switch has at most 25.",
    "Activity 'X': typeProperties.cases[1].value repeats the case '0'; case values must be unique.",
    "Activity 'X': typeProperties.cases[2].value is 3; each case needs a text value to match.",
  ]);
});

test('ForEach needs items and activities; isSequential may be the string "true"; batchCount is 1..50', () => {
  assert.deepEqual(
    messages([one('ForEach', { items: expr('@range(0, 3)'), isSequential: 'true', activities: [WAIT] })]),
    [],
  );
  assert.deepEqual(messages([one('ForEach', { isSequential: 'yes', batchCount: 51, activities: [WAIT] })]), [
    "Activity 'X': typeProperties.items is required: set it to an expression that gives the list to loop over.",
    `Activity 'X': typeProperties.isSequential is "yes"; use true or false.`,
    "Activity 'X': typeProperties.batchCount is 51; use an integer from 1 to 50, or an expression.",
  ]);
});

test('ExecutePipeline names a pipeline, checked against the store when one is given', () => {
  const call = one('ExecutePipeline', {
    pipeline: { referenceName: 'Child', type: 'PipelineReference' },
    waitOnCompletion: true,
    parameters: { a: 1 },
  });
  assert.deepEqual(messages([call]), []);
  assert.deepEqual(messages([call], {}, { pipelineExists: (name) => name === 'Other' }), [
    "Activity 'X': typeProperties.pipeline.referenceName names the pipeline 'Child', which does not exist; import it first or fix the name.",
  ]);
  assert.deepEqual(messages([one('ExecutePipeline', { parameters: [] })]), [
    `Activity 'X': typeProperties.pipeline.referenceName is required: name the pipeline to run, as {"referenceName": "<name>", "type": "PipelineReference"}.`,
    "Activity 'X': typeProperties.parameters is a list; it must be an object of parameter values.",
  ]);
});

test('Fail needs a message and an error code', () => {
  assert.deepEqual(messages([one('Fail', { message: '', errorCode: expr('@string(600)') })]), []);
  assert.deepEqual(messages([one('Fail', {})]), [
    "Activity 'X': typeProperties.message is required: set the failure message (text or an expression).",
    "Activity 'X': typeProperties.errorCode is required: set the error code to report (text or an expression).",
  ]);
});

test('policy: timeout timespan, retry ≥ 0, retryIntervalInSeconds 30..86400, boolean flags', () => {
  const policy = {
    timeout: '0.12:00:00',
    retry: '3',
    retryIntervalInSeconds: 30,
    secureInput: 'false',
    secureOutput: true,
  };
  assert.deepEqual(messages([one('Wait', { waitTimeInSeconds: 1 }, { policy })]), []);
  assert.deepEqual(
    messages([
      one(
        'Wait',
        { waitTimeInSeconds: 1 },
        { policy: { timeout: '12 hours', retry: -1, retryIntervalInSeconds: 10, secureOutput: 1 } },
      ),
    ]),
    [
      `Activity 'X': policy.timeout is "12 hours", not a timespan; write d.hh:mm:ss, e.g. "0.12:00:00" for 12 hours.`,
      "Activity 'X': policy.retry is -1; use an integer of at least 0, or an expression.",
      "Activity 'X': policy.retryIntervalInSeconds is 10; use an integer from 30 to 86400, or an expression.",
      "Activity 'X': policy.secureOutput is 1; use true or false.",
    ],
  );
});

test('parameter and variable types accept the tolerant sets in any case', () => {
  const parameters = {
    a: { type: 'string' },
    b: { type: 'SECURESTRING' },
    c: { type: 'Object' },
    d: { type: 'Integer' },
    e: {},
  };
  const variables = { v: { type: 'Integer' }, w: { type: 'boolean' }, x: { type: 'Object' } };
  assert.deepEqual(messages([], { parameters, variables, concurrency: 0 }), [
    `Parameter 'd' has type "Integer"; use one of String, Int, Float, Bool, Array, Object or SecureString (any case).`,
    `Parameter 'e' has no type: set "type" to one of String, Int, Float, Bool, Array, Object or SecureString.`,
    `Variable 'x' has type "Object"; use one of String, Bool, Boolean, Integer, Int, Float or Array (any case).`,
    'properties.concurrency is 0; use an integer of at least 1 (the most runs at once).',
  ]);
});
