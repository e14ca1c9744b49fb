import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { parse } from 'yaml';

import { formatOutput, isOutputFormat } from './format-output.ts';
import { OutputError } from './output-error.ts';
import type { TableSpec } from './table.ts';

const endpoint = {
  name: 'heart-classifier-batch',
  id: '/subscriptions/0000/resourceGroups/rg/providers/Microsoft.MachineLearningServices/workspaces/ws/batchEndpoints/heart-classifier-batch',
  description: 'A heart condition classifier for batch inference',
  auth_mode: 'aad_token',
  defaults: { deployment_name: 'classifier-xgboost-mlflow' },
  tags: {},
  provisioning_state: 'Succeeded',
  scoring_uri: 'https://heart-classifier-batch.eastus.inference.ml.azure.com/jobs',
};

const jobs = [
  { name: 'batchjob-1', status: 'Completed', experiment_name: 'heart', tags: { a: 'b' }, outputs: ['score'] },
  { name: 'batchjob-2', status: 'Running', experiment_name: 'heart', tags: {}, outputs: [] },
];

void describe('formatOutput json', () => {
  void it('pretty prints with 2-space indent, sorted keys and a final newline', () => {
    const text = formatOutput({ b: 1, a: { d: true, c: null } }, { output: 'json' });
    assert.equal(text, '{\n  "a": {\n    "c": null,\n    "d": true\n  },\n  "b": 1\n}\n');
  });

  void it('applies the query first', () => {
    assert.equal(formatOutput(endpoint, { output: 'json', query: 'name' }), '"heart-classifier-batch"\n');
    assert.equal(
      formatOutput(jobs, { output: 'json', query: '[].name' }),
      '[\n  "batchjob-1",\n  "batchjob-2"\n]\n',
    );
  });

  void it('prints nothing for a null result, as az does', () => {
    assert.equal(formatOutput(endpoint, { output: 'json', query: 'missing' }), '');
    assert.equal(formatOutput(null, { output: 'table' }), '');
    assert.equal(formatOutput(undefined, { output: 'tsv' }), '');
    assert.equal(formatOutput([], { output: 'json' }), '[]\n');
  });
});

void describe('formatOutput tsv', () => {
  void it('prints a scalar bare: --query name -o tsv on an object', () => {
    assert.equal(formatOutput(endpoint, { output: 'tsv', query: 'name' }), 'heart-classifier-batch\n');
  });

  void it('prints a list of scalars one per line: --query "[].name" -o tsv', () => {
    assert.equal(formatOutput(jobs, { output: 'tsv', query: '[].name' }), 'batchjob-1\nbatchjob-2\n');
  });

  void it("prints an object's values in sorted key order, nested objects empty and lists as their length", () => {
    const text = formatOutput(jobs[0], { output: 'tsv' });
    assert.equal(text, 'heart\tbatchjob-1\t1\tCompleted\t\n');
  });

  void it('prints one row per object, in the order a multiselect hash asks for', () => {
    const text = formatOutput(jobs, { output: 'tsv', query: '[].{status: status, name: name}' });
    assert.equal(text, 'Completed\tbatchjob-1\nRunning\tbatchjob-2\n');
  });

  void it('spells booleans and null like az', () => {
    assert.equal(formatOutput(true, { output: 'tsv' }), 'true\n');
    assert.equal(formatOutput({ a: true, b: null, c: 2.5 }, { output: 'tsv' }), 'True\tNone\t2.5\n');
    assert.equal(
      formatOutput(
        [
          [1, 'x'],
          [2, 'y'],
        ],
        { output: 'tsv' },
      ),
      '1\tx\n2\ty\n',
    );
  });
});

void describe('formatOutput table', () => {
  void it('derives sorted columns from a list, skipping id, nulls and collections', () => {
    const text = formatOutput(
      [endpoint, { ...endpoint, name: 'mnist-batch', provisioning_state: 'Creating' }],
      { output: 'table' },
    );
    assert.equal(
      text,
      [
        'Auth_mode    Description                                       Name                    Provisioning_state    Scoring_uri',
        '-----------  ------------------------------------------------  ----------------------  --------------------  -----------------------------------------------------------------',
        'aad_token    A heart condition classifier for batch inference  heart-classifier-batch  Succeeded             https://heart-classifier-batch.eastus.inference.ml.azure.com/jobs',
        'aad_token    A heart condition classifier for batch inference  mnist-batch             Creating              https://heart-classifier-batch.eastus.inference.ml.azure.com/jobs',
        '',
      ].join('\n'),
    );
  });

  void it('uses the TableSpec columns when there is no query', () => {
    const spec: TableSpec = [
      { header: 'Name', path: 'name' },
      { header: 'Status', path: 'status' },
      { header: 'Tag', path: 'tags.a' },
    ];
    const text = formatOutput(jobs, { output: 'table', table: spec });
    assert.equal(
      text,
      'Name        Status     Tag\n----------  ---------  -----\nbatchjob-1  Completed  b\nbatchjob-2  Running\n',
    );
  });

  void it('prints a single object as one row', () => {
    const spec: TableSpec = [
      { header: 'Name', path: 'name' },
      { header: 'Deployment', path: 'defaults.deployment_name' },
    ];
    const text = formatOutput(endpoint, { output: 'table', table: spec });
    assert.equal(
      text,
      'Name                    Deployment\n' +
        '----------------------  -------------------------\n' +
        'heart-classifier-batch  classifier-xgboost-mlflow\n',
    );
  });

  void it('lets a query replace the TableSpec and keeps the query key order', () => {
    const spec: TableSpec = [{ header: 'Name', path: 'name' }];
    const text = formatOutput(jobs, { output: 'table', table: spec, query: '[].{Job: name, State: status}' });
    assert.equal(
      text,
      'Job         State\n----------  ---------\nbatchjob-1  Completed\nbatchjob-2  Running\n',
    );
  });

  void it('prints scalars under a Result column', () => {
    assert.equal(
      formatOutput(jobs, { output: 'table', query: '[].name' }),
      'Result\n----------\nbatchjob-1\nbatchjob-2\n',
    );
  });
});

void describe('formatOutput yaml', () => {
  void it('round-trips through a YAML parser with sorted keys', () => {
    const text = formatOutput(endpoint, { output: 'yaml' });
    assert.deepEqual(parse(text), endpoint);
    assert.ok(
      text.startsWith('auth_mode: aad_token\ndefaults:\n  deployment_name: classifier-xgboost-mlflow\n'),
    );
    assert.ok(text.endsWith('\n'));
  });

  void it('writes lists without extra indentation, as PyYAML does', () => {
    assert.equal(formatOutput({ outputs: ['a', 'b'] }, { output: 'yaml' }), 'outputs:\n- a\n- b\n');
    assert.deepEqual(parse(formatOutput(jobs, { output: 'yaml' })), jobs);
  });
});

void describe('formatOutput none and errors', () => {
  void it('prints nothing for -o none but still checks the query', () => {
    assert.equal(formatOutput(endpoint, { output: 'none' }), '');
    assert.throws(() => formatOutput(endpoint, { output: 'none', query: '[' }), OutputError);
  });

  void it('throws a typed error for a malformed JMESPath expression', () => {
    assert.throws(
      () => formatOutput(jobs, { output: 'json', query: '[].name[' }),
      (err: unknown) =>
        err instanceof OutputError &&
        err.code === 'InvalidQuery' &&
        err.message.startsWith("argument --query: invalid JMESPath query '[].name[': "),
    );
  });

  void it('throws a typed error when the query fails on this data', () => {
    assert.throws(
      () => formatOutput({ a: 1 }, { output: 'json', query: 'length(a)' }),
      (err: unknown) => err instanceof OutputError && /query 'length\(a\)' failed: /.test(err.message),
    );
  });

  void it('refuses a table with no printable columns', () => {
    assert.throws(
      () => formatOutput([{ tags: { a: 'b' } }], { output: 'table' }),
      (err: unknown) => err instanceof OutputError && err.code === 'TableUnavailable',
    );
  });

  void it('recognises the output format names', () => {
    assert.equal(isOutputFormat('tsv'), true);
    assert.equal(isOutputFormat('xml'), false);
  });
});
