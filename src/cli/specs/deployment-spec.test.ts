/**
 * A misspelt field is named as the typo it is, with the field it most likely meant, before any required
 * field is reported missing: `endpont_name` is not "endpoint_name is required".
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseYamlSpec } from '../../core/spec/yaml-source.ts';
import { readDeploymentSpec } from './deployment-spec.ts';
import { closestField } from './spec-fields.ts';

function refusal(text: string): string {
  try {
    readDeploymentSpec(parseYamlSpec(text, 'deployment.yml'));
  } catch (error) {
    return (error as Error).message;
  }
  assert.fail('the spec was accepted');
}

test('a misspelt required field is named, with a did-you-mean, and not reported missing', () => {
  const message = refusal('name: d\nendpont_name: e\ntype: model\nmodel: azureml:m:1\n');
  assert.match(
    message,
    /^deployment\.yml:2:\d+: field 'endpont_name': unknown field \(did you mean 'endpoint_name'\?\); allowed fields are /,
  );
  assert.doesNotMatch(message, /is required/);
  assert.match(
    refusal('nmae: d\nendpoint_name: e\nmodel: azureml:m:1\n'),
    /field 'nmae': unknown field \(did you mean 'name'\?/,
  );
  assert.match(
    refusal('name: d\nendpoint_name: e\ntpye: model\nmodel: azureml:m:1\n'),
    /field 'tpye'.*did you mean 'type'\?/,
  );
});

test('a field far from every allowed one gets the list only', () => {
  const message = refusal('name: d\nendpoint_name: e\ntype: model\nmodel: azureml:m:1\ncolour: blue\n');
  assert.match(message, /field 'colour': unknown field; allowed fields are name, /);
});

test('the closest field is at most two edits away, one for short names', () => {
  const allowed = ['name', 'endpoint_name', 'type', 'settings', 'compute'];
  assert.equal(closestField('endpont_name', allowed), 'endpoint_name');
  assert.equal(closestField('enpdoint_name', allowed), 'endpoint_name');
  assert.equal(closestField('Setings', allowed), 'settings');
  assert.equal(closestField('nam', allowed), 'name');
  assert.equal(closestField('tp', allowed), undefined);
  assert.equal(closestField('colour', allowed), undefined);
});

test('mini_batch_size is a count of files, a size or a row count; anything else names the forms', () => {
  const spec = (value: string) =>
    `name: dep\nendpoint_name: ep1\ntype: model\nmodel: azureml:m:1\nsettings:\n  mini_batch_size: ${value}\n`;
  const read = (value: string) =>
    JSON.stringify(readDeploymentSpec(parseYamlSpec(spec(value), 'deployment.yml')));
  assert.match(read('"64 mb"'), /"miniBatchSize":"64MB"/);
  assert.match(read('100000 rows'), /"miniBatchSize":"100000 rows"/);
  assert.match(read('5'), /"miniBatchSize":5/);
  assert.match(
    refusal(spec('64 parsecs')),
    /deployment\.yml:6:\d+: field 'settings\.mini_batch_size'.*a size such as "64MB".*"100000 rows"/,
  );
});
