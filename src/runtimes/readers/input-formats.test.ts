import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { InputFileError } from './input-error.ts';
import { inputFormatOf } from './input-formats.ts';

describe('inputFormatOf', () => {
  it("maps Azure's no-code extensions, in any case, plus jsonl", () => {
    assert.deepEqual(inputFormatOf('/d/a.csv'), { kind: 'tabular', format: 'csv' });
    assert.deepEqual(inputFormatOf('/d/a.PQT'), { kind: 'tabular', format: 'parquet' });
    assert.deepEqual(inputFormatOf('/d/a.parquet'), { kind: 'tabular', format: 'parquet' });
    assert.deepEqual(inputFormatOf('/d/a.jsonl'), { kind: 'tabular', format: 'jsonl' });
    for (const name of ['a.png', 'a.jpg', 'a.JPEG', 'a.tiff', 'a.bmp', 'a.gif']) {
      assert.deepEqual(inputFormatOf(`/d/${name}`), { kind: 'image' });
    }
  });

  it("rejects other files with Azure's message", () => {
    assert.throws(
      () => inputFormatOf('/mnt/batch/tasks/a-given-file.avro'),
      (error: unknown) =>
        error instanceof InputFileError &&
        error.code === 'UnsupportedFileType' &&
        error.message ===
          "Error processing input file: '/mnt/batch/tasks/a-given-file.avro'. File type 'avro' is not supported",
    );
    assert.throws(() => inputFormatOf('/d/README'), /File type '' is not supported$/);
    assert.throws(() => inputFormatOf('/d/a.tif'), /File type 'tif' is not supported$/);
  });
});
