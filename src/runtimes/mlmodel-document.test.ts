import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MAX_YAML_ALIASES } from '../core/spec/yaml-data.ts';
import { parseMlmodelDocument } from './mlmodel-document.ts';

void test('an MLmodel gives its root and its flavors', () => {
  const { root, flavors } = parseMlmodelDocument(
    'artifact_path: model\nflavors:\n  onnx: {data: model.onnx}\n',
    'MLmodel',
  );
  assert.equal(root.artifact_path, 'model');
  assert.deepEqual(flavors, { onnx: { data: 'model.onnx' } });
});

void test('a flavor section that refers to itself is refused, naming the file', () => {
  assert.throws(
    () => parseMlmodelDocument('flavors: &f\n  python_function: *f\n', '/m/MLmodel'),
    /^Error: \/m\/MLmodel is not valid YAML: it has a YAML alias that refers to its own anchor/,
  );
});

void test('an alias bomb is refused before it expands', () => {
  const levels = ['a: &a [x, x, x, x, x, x, x, x, x, x]'];
  for (let i = 1; i < 9; i++) {
    const previous = String.fromCharCode(96 + i);
    const name = String.fromCharCode(97 + i);
    levels.push(`${name}: &${name} [${Array(10).fill(`*${previous}`).join(', ')}]`);
  }
  levels.push('flavors: {onnx: {}}');
  assert.throws(
    () => parseMlmodelDocument(levels.join('\n'), 'MLmodel'),
    new RegExp(`MLmodel is not valid YAML: it expands more than ${MAX_YAML_ALIASES} YAML aliases`),
  );
});

void test('broken YAML and a document without flavors name the file', () => {
  assert.throws(() => parseMlmodelDocument('flavors: [', 'MLmodel'), /^Error: MLmodel is not valid YAML: /);
  assert.throws(() => parseMlmodelDocument('- a\n- b\n', 'MLmodel'), /MLmodel has no 'flavors' section/);
});
