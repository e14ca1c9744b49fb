/**
 * Reading an MLmodel for the python runtime: the pyfunc loader, the sklearn pickle, and the ColSpec
 * signature whether MLflow wrote it as JSON text or as a YAML list; TensorSpec signatures and models
 * without the python_function flavor.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readMlflowModel } from './mlflow-model.ts';

const SKLEARN = `
flavors:
  python_function:
    loader_module: mlflow.sklearn
    model_path: model.pkl
  sklearn:
    pickled_model: model.pkl
    serialization_format: cloudpickle
signature:
  inputs: '[{"type": "double", "name": "a", "required": true}, {"type": "long", "name": "b"}]'
  outputs: '[{"type": "long"}]'
`;

test('the sklearn flavor and a ColSpec signature written as JSON text', () => {
  assert.deepEqual(readMlflowModel(SKLEARN, 'MLmodel'), {
    flavors: ['python_function', 'sklearn'],
    pyfunc: {
      loaderModule: 'mlflow.sklearn',
      sklearnModel: 'model.pkl',
      serializationFormat: 'cloudpickle',
      columns: [
        { name: 'a', type: 'double' },
        { name: 'b', type: 'long' },
      ],
    },
  });
});

test('a signature as a YAML list, positional columns, and no signature', () => {
  const listed = readMlflowModel(
    'flavors:\n  python_function:\n    loader_module: m\nsignature:\n  inputs:\n  - type: string\n',
    'MLmodel',
  );
  assert.deepEqual(listed.pyfunc, { loaderModule: 'm', columns: [{ type: 'string' }] });
  const none = readMlflowModel('flavors:\n  python_function:\n    loader_module: m\n', 'MLmodel');
  assert.deepEqual(none.pyfunc, { loaderModule: 'm' });
});

test('a TensorSpec signature gives no columns', () => {
  const text =
    'flavors:\n  python_function:\n    loader_module: m\nsignature:\n' +
    `  inputs: '[{"type": "tensor", "tensor-spec": {"dtype": "float32", "shape": [-1, 4]}}]'\n`;
  assert.equal(readMlflowModel(text, 'MLmodel').pyfunc?.columns, undefined);
});

test('no python_function flavor, and unreadable files', () => {
  assert.deepEqual(readMlflowModel('flavors:\n  onnx:\n    data: model.onnx\n', 'MLmodel'), {
    flavors: ['onnx'],
    pyfunc: undefined,
  });
  assert.throws(() => readMlflowModel('flavors: [', 'MLmodel'), /MLmodel is not valid YAML/);
  assert.throws(() => readMlflowModel('name: x\n', 'MLmodel'), /MLmodel has no 'flavors' section/);
  assert.throws(
    () => readMlflowModel("flavors:\n  python_function: {}\nsignature:\n  inputs: '[oops'\n", 'MLmodel'),
    /MLmodel: the signature's inputs are not valid JSON/,
  );
});
