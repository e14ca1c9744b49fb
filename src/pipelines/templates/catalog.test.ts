import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ActivityDefinition, PipelineDefinition } from '../definition/model.ts';
import { validatePipeline } from '../definition/validate.ts';
import { expressionTexts } from '../definition/validate-expressions.ts';
import { loadPipelines } from '../definition/loader.ts';
import { writeZip } from '../../../test/support/pipelines/zip-writer.ts';
import { ValidationError } from '../../core/errors.ts';
import { TEMPLATE_NAMES, buildTemplate, listTemplates } from './catalog.ts';

const server = { serverUrl: 'http://127.0.0.1:5555/', tenant: 'nightshift' };

/** Stands in for ExpressionEngine.check: quotes closed and parentheses balanced outside string literals. */
function balanceCheck(value: unknown): { path: string; message: string }[] {
  return expressionTexts(value, '').flatMap(({ path, text }) => {
    let depth = 0;
    let quoted = false;
    for (const char of text) {
      if (char === "'") quoted = !quoted;
      else if (!quoted && char === '(') depth++;
      else if (!quoted && char === ')' && --depth < 0) break;
    }
    return depth === 0 && !quoted ? [] : [{ path, message: `unbalanced: ${text}` }];
  });
}

function find(activities: ActivityDefinition[], name: string): ActivityDefinition | undefined {
  for (const activity of activities) {
    if (activity.name === name) return activity;
    const props = activity.typeProperties ?? {};
    for (const key of ['activities', 'ifTrueActivities', 'ifFalseActivities']) {
      const found = Array.isArray(props[key]) ? find(props[key] as ActivityDefinition[], name) : undefined;
      if (found !== undefined) return found;
    }
  }
  return undefined;
}

function activity(definition: PipelineDefinition, name: string): ActivityDefinition {
  const found = find(definition.properties.activities, name);
  assert.ok(found, `activity ${name}`);
  return found;
}

test('every template builds a valid pipeline named as listed (Run-BatchEndpoint, or Copy-Score-Copy)', () => {
  const listed = new Map(listTemplates().map((t) => [t.name, t.pipelineName]));
  for (const name of TEMPLATE_NAMES) {
    const definition = buildTemplate(name, server);
    assert.equal(definition.name, name === 'Copy-Score-Copy' ? 'Copy-Score-Copy' : 'Run-BatchEndpoint', name);
    assert.equal(listed.get(name), definition.name, name);
    assert.deepEqual(validatePipeline(definition, { checkExpressions: balanceCheck }), [], name);
  }
});

test('templates survive export as a template-gallery zip and load back unchanged', async () => {
  for (const name of TEMPLATE_NAMES) {
    const definition = buildTemplate(name, server);
    const template = {
      $schema: 'http://schema.management.azure.com/schemas/2015-01-01/deploymentTemplate.json#',
      contentVersion: '1.0.0.0',
      parameters: { factoryName: { type: 'string' } },
      resources: [
        {
          name: `[concat(parameters('factoryName'), '/${definition.name}')]`,
          type: 'Microsoft.DataFactory/factories/pipelines',
          apiVersion: '2018-06-01',
          properties: definition.properties,
        },
      ],
    };
    const zip = writeZip([
      { name: `${definition.name}.json`, data: JSON.stringify(template) },
      { name: 'manifest.json', data: JSON.stringify({ name, description: 'x' }) },
    ]);
    const loaded = await loadPipelines(zip, { fileName: `${name}.zip` });
    assert.deepEqual(loaded.pipelines, [definition], name);
    assert.equal(loaded.manifest?.name, name);
  }
});

test('the managed-identity variant follows the documented shape', () => {
  const definition = buildTemplate('Run-BatchEndpoint-MI', server);
  assert.deepEqual(
    definition.properties.activities.map((item) => item.name),
    ['Run Batch-Endpoint', 'Wait for job'],
  );
  assert.deepEqual(activity(definition, 'Run Batch-Endpoint').typeProperties?.['authentication'], {
    type: 'MSI',
    resource: 'https://ml.azure.com',
  });
  const loop = activity(definition, 'Wait for job').typeProperties ?? {};
  assert.deepEqual(
    (loop['activities'] as ActivityDefinition[]).map((item) => item.name),
    ['Check status', 'Wait'],
  );
  assert.match(JSON.stringify(loop['expression']), /'Completed'.*'Failed'/);
  assert.deepEqual(Object.keys(definition.properties.parameters ?? {}), [
    'endpoint_uri',
    'poll_interval',
    'endpoint_input_uri',
    'endpoint_input_type',
    'endpoint_output_uri',
  ]);
  assert.deepEqual(definition.properties.parameters?.['poll_interval'], { type: 'int', defaultValue: 120 });
});

test('the service-principal variant asks the parameterised authority for a token, defaulting to this server', () => {
  const definition = buildTemplate('Run-BatchEndpoint-SP', server);
  assert.deepEqual(
    definition.properties.activities.map((item) => item.name),
    ['Authorize', 'Run Batch-Endpoint', 'Wait for job'],
  );
  const authorize = activity(definition, 'Authorize').typeProperties ?? {};
  assert.deepEqual(authorize['url'], {
    value:
      "@concat(pipeline().parameters.token_authority, '/', pipeline().parameters.tenant_id, '/oauth2/token')",
    type: 'Expression',
  });
  assert.doesNotMatch(JSON.stringify(definition), /login\.microsoftonline\.com/);
  const parameters = definition.properties.parameters ?? {};
  assert.deepEqual(parameters['token_authority'], { type: 'string', defaultValue: 'http://127.0.0.1:5555' });
  assert.deepEqual(parameters['tenant_id'], { type: 'string', defaultValue: 'nightshift' });
  assert.deepEqual(parameters['client_secret'], { type: 'securestring' });
  assert.match(
    JSON.stringify(authorize['body']),
    /grant_type=client_credentials&client_id=.*&resource=https:\/\/ml\.azure\.com/,
  );
  const invoke = activity(definition, 'Run Batch-Endpoint');
  assert.equal(invoke.typeProperties?.['authentication'], undefined);
  assert.deepEqual((invoke.typeProperties?.['headers'] as Record<string, unknown>)['Authorization'], {
    value: "@concat('Bearer ', activity('Authorize').output.access_token)",
    type: 'Expression',
  });
  assert.deepEqual(invoke.dependsOn, [{ activity: 'Authorize', dependencyConditions: ['Succeeded'] }]);
});

test('the tenant defaults to nightshift and the pipeline name can be changed', () => {
  const definition = buildTemplate('run-batchendpoint-sp', {
    serverUrl: 'http://h:1',
    pipelineName: 'Score',
  });
  assert.equal(definition.name, 'Score');
  assert.deepEqual(definition.properties.parameters?.['tenant_id'], {
    type: 'string',
    defaultValue: 'nightshift',
  });
});

test('the hardened variants stop on Canceled and fail the pipeline unless the job Completed', () => {
  for (const name of ['Run-BatchEndpoint-Hardened-MI', 'Run-BatchEndpoint-Hardened-SP'] as const) {
    const definition = buildTemplate(name, server);
    const loop = activity(definition, 'Wait for job').typeProperties ?? {};
    assert.match(JSON.stringify(loop['expression']), /'Canceled'/, name);
    assert.equal(activity(definition, 'Check status').policy?.retry, 3, name);
    const verdict = activity(definition, 'Check job outcome');
    assert.deepEqual(verdict.dependsOn, [
      { activity: 'Return job details', dependencyConditions: ['Succeeded'] },
    ]);
    const fail = activity(definition, 'Batch job did not complete');
    assert.equal(fail.type, 'Fail');
    assert.match(
      JSON.stringify(fail.typeProperties?.['errorCode']),
      /BatchJobCanceled.*BatchJobFailed.*BatchJobTimedOut/,
    );
    assert.deepEqual(activity(definition, 'Return job details').dependsOn, [
      { activity: 'Wait for job', dependencyConditions: ['Completed'] },
    ]);
  }
  const sp = buildTemplate('Run-BatchEndpoint-Hardened-SP', server);
  assert.deepEqual(activity(sp, 'Check status').dependsOn, [
    { activity: 'Refresh token', dependencyConditions: ['Succeeded'] },
  ]);
  assert.match(
    JSON.stringify(activity(sp, 'Refresh token').typeProperties?.['body']),
    /uriComponent\(pipeline\(\)\.parameters\.client_secret\)/,
  );
});

test('listTemplates names and describes every template; unknown names list the known ones', () => {
  assert.deepEqual(
    listTemplates().map((entry) => [entry.name, entry.pipelineName]),
    TEMPLATE_NAMES.map((name) => [name, name === 'Copy-Score-Copy' ? name : 'Run-BatchEndpoint']),
  );
  assert.ok(listTemplates().every((entry) => entry.description.length > 20));
  assert.throws(
    () => buildTemplate('Run-Batch', server),
    (error: unknown) =>
      error instanceof ValidationError &&
      /no pipeline template 'Run-Batch'; use one of Run-BatchEndpoint-MI, /.test(error.message),
  );
});

test('Copy-Score-Copy stages, scores after the copy and copies out only after the job Completed', () => {
  const definition = buildTemplate('Copy-Score-Copy', server);
  const names = definition.properties.activities.map((a) => a.name);
  assert.deepEqual(names, [
    'Copy to staging',
    'Run Batch-Endpoint',
    'Wait for job',
    'Return job details',
    'Check job outcome',
    'Copy predictions out',
  ]);
  assert.deepEqual(activity(definition, 'Run Batch-Endpoint').dependsOn, [
    { activity: 'Copy to staging', dependencyConditions: ['Succeeded'] },
  ]);
  assert.deepEqual(activity(definition, 'Copy predictions out').dependsOn, [
    { activity: 'Check job outcome', dependencyConditions: ['Succeeded'] },
  ]);
  assert.deepEqual(
    (activity(definition, 'Copy to staging')['inputs'] as { referenceName: string }[]).map(
      (r) => r.referenceName,
    ),
    ['CopyScoreSource'],
  );
});
