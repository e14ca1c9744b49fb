import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { parseMlmodel } from './mlmodel.ts';
import { locateModel } from './model-locator.ts';

const MODELS = new URL('../../../fixtures/models/', import.meta.url).pathname;
let dir = '';
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'nightshift-locate-'));
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('locateModel', () => {
  it('reads the onnx flavor and the ColSpec signature of an MLflow folder', async () => {
    const located = await locateModel('breast-cancer-rf', MODELS);
    assert.equal(located.onnxFile, join(MODELS, 'breast-cancer-rf/model.onnx'));
    assert.equal(located.signature?.kind, 'columns');
    assert.equal(located.signature.columns.length, 30);
    assert.deepEqual(located.signature.columns[0], { name: 'mean_radius', type: 'double', required: true });
  });

  it('reads a TensorSpec signature', async () => {
    const located = await locateModel(join(MODELS, 'color-classifier'), '/unused');
    assert.deepEqual(located.signature, {
      kind: 'tensors',
      tensors: [{ name: undefined, dtype: 'float32', shape: [-1, 16, 16, 3] }],
    });
  });

  it('takes a single .onnx file, or the only .onnx file of a folder, without a signature', async () => {
    assert.deepEqual(await locateModel(join(MODELS, 'iris-lr.onnx'), '/unused'), {
      onnxFile: join(MODELS, 'iris-lr.onnx'),
      mlmodelFile: undefined,
      signature: undefined,
    });
    const folder = join(dir, 'one');
    await mkdir(folder);
    await writeFile(join(folder, 'model.ONNX'), 'bytes are not checked here');
    await writeFile(join(folder, 'notes.txt'), '');
    assert.equal((await locateModel(folder, '/')).onnxFile, join(folder, 'model.ONNX'));
  });

  it('explains what it expected when it finds no model', async () => {
    await assert.rejects(locateModel(join(dir, 'absent'), '/'), /Model path '.*absent' does not exist/);
    await writeFile(join(dir, 'model.pkl'), '');
    await assert.rejects(locateModel(join(dir, 'model.pkl'), '/'), /is not an \.onnx file/);
    const empty = join(dir, 'empty');
    await mkdir(empty);
    await assert.rejects(locateModel(empty, '/'), /exactly one \.onnx file \(found: none\)/);
    const dangling = join(dir, 'dangling');
    await mkdir(dangling);
    await writeFile(join(dangling, 'MLmodel'), 'flavors:\n  onnx: {data: missing.onnx}\n');
    await assert.rejects(locateModel(dangling, '/'), /names 'missing\.onnx', which is not a file/);
  });
});

describe('parseMlmodel', () => {
  it('accepts a signature written as a YAML list as well as JSON text', () => {
    const parsed = parseMlmodel(
      'flavors: {onnx: {data: m.onnx}}\nsignature:\n  inputs:\n  - {type: long, name: age}\n',
      'MLmodel',
    );
    assert.deepEqual(parsed, {
      flavors: ['onnx'],
      onnxData: 'm.onnx',
      inputs: { kind: 'columns', columns: [{ name: 'age', type: 'long', required: true }] },
    });
  });

  it('names the file in its errors', () => {
    assert.throws(() => parseMlmodel('flavors: [', '/m/MLmodel'), /^Error: \/m\/MLmodel is not valid YAML/);
    assert.throws(
      () => parseMlmodel('artifact_path: model\n', '/m/MLmodel'),
      /\/m\/MLmodel has no 'flavors' section/,
    );
    assert.throws(
      () => parseMlmodel("flavors: {}\nsignature: {inputs: '[{'}\n", '/m/MLmodel'),
      /signature inputs are not valid JSON/,
    );
  });
});
