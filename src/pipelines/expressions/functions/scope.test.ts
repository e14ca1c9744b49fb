import { test } from 'node:test';
import assert from 'node:assert/strict';
import { errorTable, evaluate, resultTable } from '../../../../test/support/pipelines/fake-context.ts';

const activities = {
  Sample: {
    output: {
      float: 0.016666666666666666,
      billingReference: {
        billableDuration: [{ meterType: 'AzureIR', duration: 0.016666666666666666, unit: 'Hours' }],
      },
      pipelineReturnValue: { test: 'value' },
    },
  },
  Broken: {
    status: 'Failed',
    output: null,
    error: { errorCode: '2108', message: 'Bad request', failureType: 'UserError', target: 'Broken' },
  },
};

resultTable(
  test,
  [
    ['@pipeline().DataFactory', 'factory1'],
    ['@pipeline().Pipeline', 'pipeline1'],
    ['@pipeline().RunId', '11111111-2222-3333-4444-555555555555'],
    ['@pipeline().TriggerTime', '2024-05-01T10:00:00.1234567Z'],
    ['@pipeline().runid', '11111111-2222-3333-4444-555555555555'],
    ['@pipeline().TriggeredByPipelineName', null],
    ['@pipeline().parameters.parameter', 'value'],
    ['@pipeline().parameters.list[0].field1.field2', 'value1'],
    ['@pipeline().globalParameters.OpsPrincipalClientId', 'id'],
    [
      '/repos/@{pipeline().globalParameters.OpsPrincipalClientId}/@{pipeline().parameters.parameter}',
      '/repos/id/value',
    ],
    ["@variables('abc')", 'defaultvalue_'],
    ["@variables('list')[0].field1.field2[0]", 'value1'],
    ["@concat(variables('abc'), pipeline().parameters.parameter)", 'defaultvalue_value'],
    ["@activity('Sample').output.pipelineReturnValue.test", 'value'],
    ["@activity('Sample').output.billingReference.billableDuration[0].duration", 0.016666666666666666],
    ["@concat(activity('Sample').output.float, 'test')", '0.016666666666666666test'],
    ["@activity('Sample').status", 'Succeeded'],
    ["@activity('Sample').error", null],
    ["@activity('Broken').error.message", 'Bad request'],
    ["@activity('broken').status", 'Failed'],
    ["@body('Sample').pipelineReturnValue.test", 'value'],
    ["@actions('Broken')?.status", 'Failed'],
    ['@item().field1.field2', 'value1'],
    ['@trigger()?.outputs?.windowStartTime', null],
  ],
  {
    parameters: { parameter: 'value', list: [{ field1: { field2: 'value1' } }] },
    globalParameters: { OpsPrincipalClientId: 'id' },
    variables: { abc: 'defaultvalue_', list: [{ field1: { field2: ['value1'] } }] },
    activities,
    item: { field1: { field2: 'value1' } },
  },
);

test('item() is the current loop element, whatever its type', () => {
  assert.equal(evaluate('@item()', { item: 'value' }), 'value');
  assert.equal(evaluate('@item() ', { item: 3 }), 3);
  assert.equal(evaluate('@item()', { item: null }), null);
});

test('trigger() reads the trigger values the runner provides', () => {
  const trigger = { startTime: '2024-05-01T00:00:00Z', outputs: { windowStartTime: '2024-04-30T00:00:00Z' } };
  assert.equal(evaluate('@trigger().outputs.windowStartTime', { trigger }), '2024-04-30T00:00:00Z');
});

test('dataset() and linkedService() read the runner-provided values when present', () => {
  assert.equal(evaluate('@dataset().path', { pipeline: { dataset: { path: 'in/' } } }), 'in/');
  assert.equal(
    evaluate('@linkedService().url', { pipeline: { linkedService: { url: 'https://x' } } }),
    'https://x',
  );
});

errorTable(test, [
  [
    "@variables('variable')",
    /^Template language expression cannot be evaluated: the template variable 'variable' cannot be found\.$/,
  ],
  [
    "@activity('activityName').output.outputName",
    /^The template action 'activityName' is not defined at current scope\.$/,
  ],
  ['@item()', /^The template function 'item' is not expected at this location\.$/],
  ['@dataset().x', /^The template function 'dataset' is not expected at this location\.$/],
  ['@pipeline().parameters.parameter', /property 'parameter' doesn't exist, available properties are ''/],
  [
    '@pipeline().globalParameters.parameter',
    /'pipeline\(\).globalParameters.parameter' cannot be evaluated because property 'parameter'/,
  ],
  ["@pipeline('x')", /'pipeline' expects 0 parameter/],
  ['@variables(1)', /'variables' expects its parameter to be a string/],
]);
