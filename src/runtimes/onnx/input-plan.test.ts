import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { planImages } from './image-plan.ts';
import { planTabular, tabularFeeds, toTensor, type ModelInput } from './input-plan.ts';
import type { InputSignature } from './mlmodel.ts';

// Input metadata as onnxruntime reports it; planning is pure logic over it.
const matrix = (width: number | string, type: ModelInput['type'] = 'float32'): ModelInput => ({
  name: 'input',
  type,
  shape: ['N', width],
});
const column = (name: string, shape: (number | string)[] = ['N', 1]): ModelInput => ({
  name,
  type: 'float32',
  shape,
});
const columnsSignature = (...names: string[]): InputSignature => ({
  kind: 'columns',
  columns: names.map((name) => ({ name, type: 'double', required: true })),
});
const source = { columns: ['id', 'b', 'a', 'note', 'c'], numericColumns: ['id', 'b', 'a', 'c'] };
const pixels = { scale: 'none', mean: undefined, std: undefined } as const;

describe('planTabular', () => {
  it('feeds the signature columns, in signature order, to a single [N, k] input', () => {
    const plan = planTabular([matrix(2)], columnsSignature('a', 'b'), source);
    assert.deepEqual(plan.columns, ['a', 'b']);
    assert.deepEqual(
      plan.feeds.map((feed) => feed.kind),
      ['matrix'],
    );
    assert.throws(
      () => planTabular([matrix(3)], columnsSignature('a', 'b'), source),
      /takes 3 features but there are 2 signature columns/,
    );
  });

  it('feeds one tensor per input when the inputs are named like the signature columns', () => {
    const plan = planTabular([column('b'), column('a', ['N'])], columnsSignature('a', 'b', 'c'), source);
    assert.deepEqual(plan.columns, ['b', 'a']);
    const feeds = tabularFeeds(plan, { firstRow: 0, rowCount: 2, values: Float32Array.of(1, 2, 3, 4) });
    assert.deepEqual(
      [feeds.b?.dims, [...(feeds.b?.data as Float32Array)]],
      [
        [2, 1],
        [1, 3],
      ],
    );
    assert.deepEqual([feeds.a?.dims, [...(feeds.a?.data as Float32Array)]], [[2], [2, 4]]);
    assert.throws(
      () => planTabular([column('x'), column('a')], columnsSignature('a'), source),
      /Model inputs 'x' \[N, 1\] cannot be fed/,
    );
  });

  it('takes positional signature columns from the front of the file', () => {
    const signature: InputSignature = {
      kind: 'columns',
      columns: [1, 2].map(() => ({ name: undefined, type: 'double', required: true })),
    };
    assert.deepEqual(planTabular([matrix(2)], signature, source).columns, ['id', 'b']);
  });

  it('without a signature: inputs named like columns first, else the first k numeric columns', () => {
    assert.deepEqual(planTabular([column('c'), column('a')], undefined, source).columns, ['c', 'a']);
    assert.deepEqual(planTabular([matrix(3)], undefined, source).columns, ['id', 'b', 'a']);
    assert.deepEqual(planTabular([matrix('k')], undefined, source).columns, ['id', 'b', 'a', 'c']);
    assert.throws(
      () => planTabular([matrix(5)], undefined, source),
      /takes 5 features; the file has 4 numeric columns/,
    );
    assert.throws(
      () => planTabular([column('x'), column('y')], undefined, source),
      /Cannot map the file's columns to the model inputs/,
    );
  });

  it('reads doubles for float64 and integer inputs, and refuses string inputs', () => {
    assert.equal(planTabular([matrix(2)], undefined, source).dtype, 'float32');
    assert.equal(planTabular([matrix(2, 'int64')], undefined, source).dtype, 'float64');
    assert.throws(() => planTabular([matrix(2, 'string')], undefined, source), /has type string/);
  });
});

describe('toTensor', () => {
  it('casts to the input type; integers truncate and refuse NaN like pandas', () => {
    const values = Float64Array.of(1.9, -2.5);
    assert.deepEqual([...(toTensor(matrix(2, 'int64'), values, [1, 2]).data as BigInt64Array)], [1n, -2n]);
    assert.deepEqual(
      [...(toTensor(matrix(2, 'bool'), Float32Array.of(0, 3), [1, 2]).data as Uint8Array)],
      [0, 1],
    );
    assert.equal(toTensor(matrix(2, 'float32'), values, [1, 2]).type, 'float32');
    assert.throws(
      () => toTensor(matrix(1, 'int32'), Float64Array.of(NaN), [1, 1]),
      /Cannot convert non-finite values \(NA or inf\) to integer/,
    );
  });
});

describe('planImages', () => {
  const image = (shape: (number | string)[], type: ModelInput['type'] = 'float32'): ModelInput[] => [
    { name: 'x', type, shape },
  ];

  it('reads the channel axis from the shape: NCHW, NHWC or rank 3 grayscale', () => {
    assert.deepEqual(planImages(image(['N', 3, 48, 192]), undefined, pixels).options, {
      ...pixels,
      layout: 'NCHW',
      channels: 3,
      height: 48,
      width: 192,
    });
    const nhwc = planImages(image([-1, 224, 224, 3]), undefined, pixels);
    assert.deepEqual([nhwc.options.layout, nhwc.options.channels, nhwc.batchable], ['NHWC', 3, true]);
    const gray = planImages(image(['N', 28, 28]), undefined, pixels);
    assert.deepEqual([gray.options.channels, gray.options.height], [1, 28]);
  });

  it('takes sizes from a TensorSpec of the same rank and scores free sizes one by one', () => {
    const spec: InputSignature = {
      kind: 'tensors',
      tensors: [{ name: undefined, dtype: 'uint8', shape: [-1, 32, 16, 3] }],
    };
    const fixed = planImages(image(['N', 'H', 'W', 3]), spec, pixels);
    assert.deepEqual([fixed.options.height, fixed.options.width, fixed.batchable], [32, 16, true]);
    const free = planImages(image(['N', 3, 'H', 'W']), undefined, pixels);
    assert.deepEqual([free.options.width, free.batchable], [undefined, false]);
  });

  it('refuses shapes with no channel axis, several inputs and non-image types', () => {
    assert.throws(
      () => planImages(image(['N', 'C', 'H', 'W']), undefined, pixels),
      /Cannot tell how an image fits model input 'x'/,
    );
    assert.throws(
      () => planImages([...image(['N', 3, 8, 8]), column('y')], undefined, pixels),
      /one input; this one has 2/,
    );
    assert.throws(
      () => planImages(image(['N', 3, 8, 8], 'int64'), undefined, pixels),
      /images need float32, float64 or uint8/,
    );
  });
});
