import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeText, parseJsonFile } from './json-text.ts';
import { PipelineDefinitionError } from './errors.ts';
import { ValidationError } from '../../core/errors.ts';

const TEXT = '{"name": "Pipé"}';

function utf16(text: string, bigEndian: boolean, bom: boolean): Uint8Array {
  const bytes: number[] = bom ? (bigEndian ? [0xfe, 0xff] : [0xff, 0xfe]) : [];
  for (const char of text) {
    const code = char.charCodeAt(0);
    bytes.push(...(bigEndian ? [code >> 8, code & 0xff] : [code & 0xff, code >> 8]));
  }
  return new Uint8Array(bytes);
}

test('decodes UTF-8 with and without a BOM', () => {
  const plain = new TextEncoder().encode(TEXT);
  assert.equal(decodeText(plain), TEXT);
  assert.equal(decodeText(new Uint8Array([0xef, 0xbb, 0xbf, ...plain])), TEXT);
});

test('decodes UTF-16 LE and BE, with a BOM or recognised without one', () => {
  assert.equal(decodeText(utf16(TEXT, false, true)), TEXT);
  assert.equal(decodeText(utf16(TEXT, true, true)), TEXT);
  assert.equal(decodeText(utf16(TEXT, false, false)), TEXT);
  assert.equal(decodeText(utf16(TEXT, true, false)), TEXT);
});

test('duplicate keys keep the last value, as the service does', () => {
  assert.deepEqual(parseJsonFile('{"author": "a", "author": "b"}', 'manifest.json'), { author: 'b' });
});

test('a BOM character left in text is ignored', () => {
  assert.deepEqual(parseJsonFile('\uFEFF{"a": 1}', 'x.json'), { a: 1 });
});

test('invalid JSON is a PipelineDefinitionError naming the file and the position', () => {
  assert.throws(
    () => parseJsonFile('{"name": "x",}', 'pipeline/p.json'),
    (error: unknown) => {
      assert.ok(error instanceof PipelineDefinitionError);
      assert.ok(error instanceof ValidationError);
      assert.equal(error.status, 400);
      assert.match(error.message, /^pipeline\/p\.json is not valid JSON: .*position 13/);
      return true;
    },
  );
});
