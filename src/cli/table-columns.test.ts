/**
 * Table cells that no column path can express: a deployment's model as `name:version` instead of its
 * ARM id, and a job's first error in one short line.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { modelLabel, TABLES } from './entities.ts';
import { errorLabel, JOB_TABLE } from './job-entity.ts';
import { formatTable } from './output/table.ts';

const ID =
  'azureml:/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/nightshift/providers/' +
  'Microsoft.MachineLearningServices/workspaces/default/models/breast-cancer-rf/versions/3';

test('a model reference reads name:version', () => {
  assert.equal(modelLabel(ID), 'breast-cancer-rf:3');
  assert.equal(modelLabel('azureml:iris:2'), 'iris:2');
  assert.equal(modelLabel('azureml:iris@latest'), 'iris@latest');
  assert.equal(modelLabel(undefined), undefined);
  const table = formatTable([{ name: 'd', endpoint_name: 'e', model: ID }], { columns: TABLES.deployment });
  assert.match(table.split('\n')[2] ?? '', /^d\s+e\s+breast-cancer-rf:3$/);
});

test("a failed job's table row carries its first error, short", () => {
  const long = `ValueError: ${'x'.repeat(200)}`;
  assert.equal(
    errorLabel({ code: 'UserScriptError', message: 'ValueError: bad\n  at line 3' }),
    'UserScriptError: ValueError: bad',
  );
  const cut = errorLabel({ code: 'UserScriptError', message: long }) ?? '';
  assert.equal(cut.length, 80);
  assert.ok(cut.endsWith('…'));
  assert.equal(errorLabel(null), undefined);
  const job = {
    name: 'j',
    status: 'Failed',
    error: { code: 'InitFailed', message: 'RuntimeError: corrupt' },
  };
  const lines = formatTable(job, { columns: JOB_TABLE }).split('\n');
  assert.match(lines[0] ?? '', /\sError$/);
  assert.match(lines[2] ?? '', /^j\s+Failed\s+.*InitFailed: RuntimeError: corrupt$/);
});
