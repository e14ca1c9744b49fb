import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Tensor } from 'onnxruntime-node';
import {
  csvField,
  formatFloat32,
  predictionTexts,
  PredictionWriter,
  SinkWriteError,
} from './prediction-format.ts';

describe('formatFloat32', () => {
  it('prints the shortest digits that read back as the same float32, the way numpy does', () => {
    const cases: [number, string][] = [
      [0.1, '0.1'],
      [1, '1.0'],
      [-2.5, '-2.5'],
      [0, '0.0'],
      [1 / 3, '0.33333334'],
      [16777217, '16777216.0'],
      [3.4028234663852886e38, '3.4028235e+38'],
      [1e-7, '1e-7'],
    ];
    for (const [value, text] of cases) assert.equal(formatFloat32(Math.fround(value)), text, String(value));
    assert.equal(formatFloat32(NaN), 'nan');
  });
});

describe('csvField', () => {
  it('quotes only fields that need it and doubles inner quotes', () => {
    assert.equal(csvField('part-0.csv'), 'part-0.csv');
    assert.equal(csvField('a,b.csv'), '"a,b.csv"');
    assert.equal(csvField('say "hi"'), '"say ""hi"""');
  });
});

describe('predictionTexts', () => {
  it('writes scalars per row: int64 labels, float32, bool, strings and NaN as an empty cell', () => {
    assert.deepEqual(predictionTexts(new Tensor('int64', BigInt64Array.of(0n, 1n), [2])), ['0', '1']);
    assert.deepEqual(predictionTexts(new Tensor('float32', Float32Array.of(0.25, NaN), [2, 1])), [
      '0.25',
      '',
    ]);
    assert.deepEqual(predictionTexts(new Tensor('bool', Uint8Array.of(1, 0), [2])), ['True', 'False']);
    assert.deepEqual(predictionTexts(new Tensor('string', ['cat', 'a,b'], [2])), ['cat', '"a,b"']);
  });

  it('writes vectors and matrices per row as quoted JSON arrays', () => {
    const probabilities = new Tensor('float32', Float32Array.of(0.1, 0.9, 0.75, 0.25), [2, 2]);
    assert.deepEqual(predictionTexts(probabilities), ['"[0.1,0.9]"', '"[0.75,0.25]"']);
    const boxes = new Tensor('int64', BigInt64Array.of(1n, 2n, 3n, 4n), [1, 2, 2]);
    assert.deepEqual(predictionTexts(boxes), ['"[[1,2],[3,4]]"']);
    assert.deepEqual(predictionTexts(new Tensor('float64', Float64Array.of(NaN, 2), [1, 2])), ['"[null,2]"']);
  });
});

describe('PredictionWriter', () => {
  it('writes row,prediction,file_name lines and counts them', async () => {
    const written: string[] = [];
    const writer = new PredictionWriter(
      { write: (text) => Promise.resolve(void written.push(text)) },
      'append_row',
    );
    await writer.writeRows(8192, ['1', '0'], 'my file,1.csv');
    await writer.writeFiles(['2'], ['cat.png']);
    assert.deepEqual(written, ['8192,1,"my file,1.csv"\n8193,0,"my file,1.csv"\n', '0,2,cat.png\n']);
    assert.equal(writer.rowsWritten, 3);
  });

  it('writes nothing under summary_only and marks sink failures as such', async () => {
    const quiet = new PredictionWriter(
      { write: () => Promise.reject(new Error('must not be called')) },
      'summary_only',
    );
    await quiet.writeRows(0, ['1'], 'a.csv');
    assert.equal(quiet.rowsWritten, 0);
    const broken = new PredictionWriter(
      { write: () => Promise.reject(new Error('disk full')) },
      'append_row',
    );
    await assert.rejects(
      broken.writeRows(0, ['1'], 'a.csv'),
      (error: unknown) => error instanceof SinkWriteError && /disk full/.test(error.message),
    );
  });
});
