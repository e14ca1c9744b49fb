import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';

import { isRemoteReference, resolveLocalPath } from './local-path.ts';
import { SpecError } from './spec-error.ts';
import { loadYamlSpec, parseYamlSpec, specFieldError } from './yaml-source.ts';

const EXAMPLES = join(import.meta.dirname, '../../../test/fixtures/azureml-examples');
const BATCH = join(EXAMPLES, 'cli/endpoints/batch');
const MNIST = join(BATCH, 'deploy-models/mnist-classifier');
const HEART = join(BATCH, 'deploy-models/heart-classifier-mlflow');

const scratch = mkdtempSync(join(tmpdir(), 'nightshift-spec-'));
after(() => {
  rmSync(scratch, { recursive: true, force: true });
});

function writeScratch(name: string, text: string): string {
  const file = join(scratch, name);
  writeFileSync(file, text);
  return file;
}

function catchSpecError(fn: () => unknown): SpecError {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof SpecError, `expected SpecError, got ${String(err)}`);
    return err;
  }
  assert.fail('expected a SpecError');
}

void describe('loadYamlSpec on azureml-examples files', () => {
  const files = [
    join(MNIST, 'endpoint.yml'),
    join(MNIST, 'deployment-torch/deployment.yml'),
    join(HEART, 'endpoint.yml'),
    join(HEART, 'heart-dataset-unlabeled.yml'),
    join(HEART, 'deployment-simple/deployment.yml'),
    join(HEART, 'deployment-custom/deployment.yml'),
    join(BATCH, 'mnist-torch-deployment.yml'),
    join(EXAMPLES, 'cli/assets/model/local-mlflow.yml'),
  ];
  for (const file of files) {
    void it(`loads ${file.slice(EXAMPLES.length + 1)} and drops $schema`, () => {
      const source = loadYamlSpec(file, []);
      assert.equal(typeof source.doc.name, 'string');
      assert.equal('$schema' in source.doc, false);
      assert.equal(source.file, file);
      assert.deepEqual(source.overrides, []);
    });
  }

  void it('reads a model deployment with an inline model and every settings field', () => {
    const { doc, baseDir } = loadYamlSpec(join(MNIST, 'deployment-torch/deployment.yml'), []);
    assert.equal(baseDir, join(MNIST, 'deployment-torch'));
    assert.equal(doc.type, 'model');
    assert.deepEqual(doc.model, { name: 'mnist-classifier-torch', path: 'model' });
    assert.equal(doc.compute, 'azureml:batch-cluster');
    assert.deepEqual(doc.resources, { instance_count: 1 });
    assert.deepEqual(doc.settings, {
      max_concurrency_per_instance: 2,
      mini_batch_size: 10,
      output_action: 'append_row',
      output_file_name: 'predictions.csv',
      retry_settings: { max_retries: 3, timeout: 30 },
      error_threshold: -1,
      logging_level: 'info',
    });
  });

  void it('reads a legacy flat deployment with settings at the root', () => {
    const { doc } = loadYamlSpec(join(BATCH, 'mnist-torch-deployment.yml'), []);
    assert.equal(doc.settings, undefined);
    assert.equal(doc.mini_batch_size, 10);
    assert.deepEqual(doc.retry_settings, { max_retries: 3, timeout: 30 });
  });

  void it('has every local file the examples reference', () => {
    const torch = loadYamlSpec(join(MNIST, 'deployment-torch/deployment.yml'), []);
    const env = torch.doc.environment as { conda_file: string };
    const code = torch.doc.code_configuration as { code: string; scoring_script: string };
    const model = torch.doc.model as { path: string };
    assert.ok(existsSync(resolveLocalPath(torch, env.conda_file)));
    assert.ok(existsSync(join(resolveLocalPath(torch, code.code), code.scoring_script)));
    assert.ok(existsSync(resolveLocalPath(torch, model.path)));

    const data = loadYamlSpec(join(HEART, 'heart-dataset-unlabeled.yml'), []);
    assert.ok(existsSync(resolveLocalPath(data, data.doc.path as string)));
    const mlflow = loadYamlSpec(join(EXAMPLES, 'cli/assets/model/local-mlflow.yml'), []);
    assert.ok(existsSync(join(resolveLocalPath(mlflow, mlflow.doc.path as string), 'MLmodel')));
  });
});

void describe('--set overrides', () => {
  const endpoint = join(HEART, 'endpoint.yml');

  void it('creates nested mappings and types values as YAML scalars', () => {
    const source = loadYamlSpec(endpoint, [
      'defaults.deployment_name=blue',
      'tags.a=b',
      'tags.count=5',
      'tags.enabled=true',
      'tags.version="5"',
      'tags.nothing=null',
      'description=with = sign',
    ]);
    assert.deepEqual(source.doc.defaults, { deployment_name: 'blue' });
    assert.deepEqual(source.doc.tags, { a: 'b', count: 5, enabled: true, version: '5', nothing: null });
    assert.equal(source.doc.description, 'with = sign');
    assert.deepEqual(source.overrides, [
      'defaults.deployment_name',
      'tags.a',
      'tags.count',
      'tags.enabled',
      'tags.version',
      'tags.nothing',
      'description',
    ]);
  });

  void it('overrides deep existing fields and list items', () => {
    const source = loadYamlSpec(join(MNIST, 'deployment-torch/deployment.yml'), [
      'settings.retry_settings.max_retries=5',
      'settings.retry_settings.timeout=2.5',
      'settings.logging_level=debug',
    ]);
    const settings = source.doc.settings as { retry_settings: unknown; logging_level: unknown };
    assert.deepEqual(settings.retry_settings, { max_retries: 5, timeout: 2.5 });
    assert.equal(settings.logging_level, 'debug');

    const list = parseYamlSpec('items:\n  - name: a\n  - name: b\n', 'list.yml', ['items[1].name=c']);
    assert.deepEqual(list.doc.items, [{ name: 'a' }, { name: 'c' }]);
    assert.equal(list.locate('items.1.name'), undefined);
    assert.deepEqual(list.locate('items[0].name'), { line: 2, column: 11 });
    assert.match(specFieldError(list, 'items.1.name', 'bad').message, /\(from --set\)/);
  });

  void it('keeps text that would parse as a collection or a comment', () => {
    const source = parseYamlSpec('name: x\n', 'x.yml', ['a=[1, 2]', 'b=k: v', 'c=#hash', 'd=']);
    assert.equal(source.doc.a, '[1, 2]');
    assert.equal(source.doc.b, 'k: v');
    assert.equal(source.doc.c, '#hash');
    assert.equal(source.doc.d, '');
  });

  void it('rejects malformed overrides with InvalidSetOverride', () => {
    for (const bad of ['novalue', '=x', 'a..b=1', '__proto__.polluted=1', 'name.first=x']) {
      const err = catchSpecError(() => parseYamlSpec('name: x\n', 'x.yml', [bad]));
      assert.equal(err.code, 'InvalidSetOverride', bad);
    }
    const err = catchSpecError(() => parseYamlSpec('name: x\n', 'x.yml', ['name.first=x']));
    assert.equal(err.field, 'name.first');
    assert.match(err.message, /^x\.yml: field 'name\.first' \(from --set\): 'name' is a string/);
  });
});

void describe('malformed files', () => {
  void it('reports file, line and column of a YAML syntax error', () => {
    const file = writeScratch('broken.yml', 'name: a\ndescription: foo: bar\nauth_mode: aad_token\n');
    const err = catchSpecError(() => loadYamlSpec(file, []));
    assert.equal(err.code, 'InvalidSpec');
    assert.equal(err.file, file);
    assert.equal(err.line, 2);
    assert.equal(err.column, 14);
    assert.ok(err.message.startsWith(`${file}:2:14: `), err.message);
  });

  void it('reports a bad indentation on its own line', () => {
    const err = catchSpecError(() => parseYamlSpec('name: a\nsettings:\n  a: 1\n b: 2\n', 'endpoint.yml'));
    assert.equal(err.file, 'endpoint.yml');
    assert.equal(err.line, 4);
    assert.equal(typeof err.column, 'number');
  });

  void it('rejects a top level that is not a mapping', () => {
    const list = catchSpecError(() => parseYamlSpec('- a\n- b\n', 'list.yml'));
    assert.equal(list.code, 'InvalidSpec');
    assert.equal(list.message, 'list.yml:1:1: expected a mapping, found a list');
    const scalar = catchSpecError(() => parseYamlSpec('\n\njust text\n', 'text.yml'));
    assert.equal(scalar.line, 3);
    const empty = catchSpecError(() => parseYamlSpec('# only a comment\n', 'empty.yml'));
    assert.match(empty.message, /^empty\.yml: expected a mapping, found an empty document$/);
  });

  void it('rejects duplicate keys and several documents', () => {
    const dup = catchSpecError(() => parseYamlSpec('name: a\nname: b\n', 'dup.yml'));
    assert.equal(dup.line, 2);
    const multi = catchSpecError(() => parseYamlSpec('name: a\n---\nname: b\n', 'multi.yml'));
    assert.equal(multi.code, 'InvalidSpec');
  });

  void it('rejects a self-referencing alias and an alias bomb', () => {
    const cycle = catchSpecError(() => parseYamlSpec('name: a\nx: &x\n  y: *x\n', 'cycle.yml'));
    assert.equal(cycle.message, 'cycle.yml: a YAML alias refers to its own anchor (a cycle)');
    const rows = ['a: &a [x, x, x, x, x, x, x, x, x, x]'];
    for (const [prev, name] of ['ab', 'bc', 'cd'])
      rows.push(`${name}: &${name} [${Array(10).fill(`*${prev}`).join(', ')}]`);
    const bomb = catchSpecError(() => parseYamlSpec(rows.join('\n'), 'bomb.yml'));
    assert.equal(bomb.message, 'bomb.yml: it expands more than 100 YAML aliases');
  });

  void it('reports a missing file as SpecFileNotFound', () => {
    const missing = join(scratch, 'nope.yml');
    const err = catchSpecError(() => loadYamlSpec(missing, []));
    assert.equal(err.code, 'SpecFileNotFound');
    assert.equal(err.message, `${missing}: no such file`);
    assert.equal(catchSpecError(() => loadYamlSpec(scratch, [])).code, 'InvalidSpec');
  });
});

void describe('field locations', () => {
  const text = [
    '$schema: https://azuremlschemas.azureedge.net/latest/batchEndpoint.schema.json',
    'name: heart-classifier-batch',
    'auth_mode:   key',
    'settings:',
    '  retry_settings:',
    '    timeout: abc',
    'tags:',
    '  - a',
    '  - b',
    '',
  ].join('\n');

  void it('locates scalar values, blocks and list items', () => {
    const source = parseYamlSpec(text, 'endpoint.yml');
    assert.deepEqual(source.locate('auth_mode'), { line: 3, column: 14 });
    assert.deepEqual(source.locate('settings'), { line: 4, column: 1 });
    assert.deepEqual(source.locate('settings.retry_settings'), { line: 5, column: 3 });
    assert.deepEqual(source.locate('settings.retry_settings.timeout'), { line: 6, column: 14 });
    assert.deepEqual(source.locate('tags[1]'), { line: 9, column: 5 });
    assert.deepEqual(source.locate('tags.1'), { line: 9, column: 5 });
    assert.equal(source.locate('missing'), undefined);
  });

  void it('specFieldError names file, line, column and field', () => {
    const source = parseYamlSpec(text, 'endpoint.yml');
    const err = specFieldError(source, 'auth_mode', "must be 'aad_token'");
    assert.equal(err.code, 'InvalidSpec');
    assert.equal(err.message, "endpoint.yml:3:14: field 'auth_mode': must be 'aad_token'");
    assert.equal(err.field, 'auth_mode');
    assert.equal(err.line, 3);
    assert.equal(err.reason, "must be 'aad_token'");
  });

  void it('falls back to the nearest existing parent for a missing field', () => {
    const source = parseYamlSpec(text, 'endpoint.yml');
    const err = specFieldError(source, 'settings.retry_settings.max_retries', 'is required');
    assert.equal(err.line, 5);
    const top = specFieldError(source, 'description', 'is required');
    assert.equal(top.message, "endpoint.yml: field 'description': is required");
  });

  void it('says a field came from --set instead of pointing into the file', () => {
    const source = parseYamlSpec(text, 'endpoint.yml', ['auth_mode=token']);
    assert.equal(source.locate('auth_mode'), undefined);
    const err = specFieldError(source, 'auth_mode', "must be 'aad_token'");
    assert.equal(err.message, "endpoint.yml: field 'auth_mode' (from --set): must be 'aad_token'");
    assert.deepEqual(source.locate('name'), { line: 2, column: 7 });
  });

  void it('locates fields of a real example deployment', () => {
    const source = loadYamlSpec(join(MNIST, 'deployment-torch/deployment.yml'), []);
    assert.deepEqual(source.locate('settings.mini_batch_size'), { line: 21, column: 20 });
    assert.deepEqual(source.locate('model.path'), { line: 8, column: 9 });
  });
});

void describe('resolveLocalPath', () => {
  const source = { baseDir: '/specs/deploy' };

  void it('resolves relative paths against the YAML folder', () => {
    assert.equal(resolveLocalPath(source, 'code'), '/specs/deploy/code');
    assert.equal(
      resolveLocalPath(source, './environment/conda.yaml'),
      '/specs/deploy/environment/conda.yaml',
    );
    assert.equal(resolveLocalPath(source, '../model'), '/specs/model');
    assert.equal(resolveLocalPath(source, '/abs/data/'), '/abs/data');
  });

  void it('leaves remote references alone', () => {
    const remote = [
      'azureml:heart-classifier-mlflow@latest',
      'azureml:mnist-env:1',
      'azureml://datastores/workspaceblobstore/paths/data/',
      'azureml://registries/azureml/models/mnist/versions/1',
      'https://azuremlexampledata.blob.core.windows.net/data/heart-disease-uci/data',
      'http://example.com/x.csv',
      'wasbs://container@account.blob.core.windows.net/path',
      '/subscriptions/0000/resourceGroups/rg/providers/Microsoft.MachineLearningServices/workspaces/ws/data/d/versions/1',
    ];
    for (const value of remote) {
      assert.equal(isRemoteReference(value), true, value);
      assert.equal(resolveLocalPath(source, value), value);
    }
    assert.equal(isRemoteReference('model'), false);
    assert.equal(isRemoteReference('C:\\models\\x'), false);
  });
});
