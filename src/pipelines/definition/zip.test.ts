import { test } from 'node:test';
import assert from 'node:assert/strict';
import { looksLikeZip, readZip } from './zip-reader.ts';
import { writeZip } from '../../../test/support/pipelines/zip-writer.ts';
import { PipelineDefinitionError } from './errors.ts';

const text = (data: Uint8Array): string => new TextDecoder().decode(data);

test('round-trips stored and deflated files, folders left out', async () => {
  const big = 'x'.repeat(5000);
  const zip = writeZip([
    { name: 'manifest.json', data: '{"name": "T"}', stored: true },
    { name: 'folder/', data: '', stored: true },
    { name: 'folder/Pipe.json', data: big },
  ]);
  assert.equal(looksLikeZip(zip), true);
  const entries = await readZip(zip, 't.zip');
  assert.deepEqual(
    entries.map((entry) => [entry.name, text(entry.data)]),
    [
      ['manifest.json', '{"name": "T"}'],
      ['folder/Pipe.json', big],
    ],
  );
  assert.ok(zip.length < big.length, 'the large file was deflated');
});

test('reads an empty archive', async () => {
  const zip = writeZip([]);
  assert.equal(looksLikeZip(zip), true);
  assert.deepEqual(await readZip(zip, 'empty.zip'), []);
});

test('JSON text is not a zip', () => {
  assert.equal(looksLikeZip(new TextEncoder().encode('{"name": "x"}')), false);
});

async function expectZipError(
  bytes: Uint8Array,
  pattern: RegExp,
  limits?: Parameters<typeof readZip>[2],
): Promise<void> {
  await assert.rejects(
    () => readZip(bytes, 'bad.zip', limits),
    (error: unknown) => error instanceof PipelineDefinitionError && pattern.test(error.message),
  );
}

test('a corrupted file fails its CRC check', async () => {
  const zip = writeZip([{ name: 'a.json', data: '{"a": 1}', stored: true }]);
  const at = 30 + 'a.json'.length;
  zip[at] = (zip[at] ?? 0) ^ 0xff;
  await expectZipError(zip, /^bad\.zip is not a readable ZIP archive: 'a\.json' is corrupt/);
});

test('a truncated archive has no end record', async () => {
  const zip = writeZip([{ name: 'a.json', data: '{"a": 1}' }]);
  await expectZipError(zip.subarray(0, zip.length - 10), /no end-of-central-directory record/);
});

test('compression methods other than stored and deflate are refused by number', async () => {
  const zip = writeZip([{ name: 'a.json', data: '{}', stored: true }]);
  const view = new DataView(zip.buffer, zip.byteOffset, zip.byteLength);
  const central = zip.length - 22 - (46 + 'a.json'.length);
  view.setUint16(central + 10, 12, true);
  await expectZipError(zip, /'a\.json' uses compression method 12; only stored and deflate are supported/);
});

test('encrypted entries are refused', async () => {
  // A stored encrypted entry carries a 12-byte encryption header before its 2 bytes of data.
  const zip = writeZip([{ name: 'a.json', data: `${'h'.repeat(12)}{}`, stored: true }]);
  const view = new DataView(zip.buffer, zip.byteOffset, zip.byteLength);
  const central = zip.length - 22 - (46 + 'a.json'.length);
  view.setUint16(central + 8, view.getUint16(central + 8, true) | 1, true);
  view.setUint32(central + 24, 2, true);
  await expectZipError(zip, /'a\.json' is encrypted/);
});

test('entries larger than the limit are refused before inflating', async () => {
  const zip = writeZip([{ name: 'big.json', data: 'y'.repeat(2000) }]);
  await expectZipError(zip, /'big\.json' is larger than 1000 bytes/, {
    maxEntryBytes: 1000,
    maxTotalBytes: 5000,
  });
  await expectZipError(
    writeZip([
      { name: 'a', data: 'y'.repeat(800) },
      { name: 'b', data: 'y'.repeat(800) },
    ]),
    /add up to more than 1000 bytes/,
    { maxEntryBytes: 1000, maxTotalBytes: 1000 },
  );
});

test('a deflate stream that inflates beyond its declared size is refused', async () => {
  const zip = writeZip([{ name: 'a.json', data: 'z'.repeat(100) }]);
  const view = new DataView(zip.buffer, zip.byteOffset, zip.byteLength);
  const central = zip.length - 22 - (46 + 'a.json'.length);
  view.setUint32(central + 24, 10, true);
  await expectZipError(zip, /'a\.json' (cannot be inflated|is corrupt)/);
});

test('sizes deferred to a data descriptor are read from the central directory', async () => {
  const zip = writeZip([{ name: 'p.json', data: '{"k": "v"}' }]);
  const view = new DataView(zip.buffer, zip.byteOffset, zip.byteLength);
  view.setUint16(6, view.getUint16(6, true) | 8, true);
  for (const offset of [14, 18, 22]) view.setUint32(offset, 0, true);
  const [entry] = await readZip(zip, 'p.zip');
  assert.equal(entry === undefined ? '' : text(entry.data), '{"k": "v"}');
});

test('entry names that climb out of the archive or are absolute are refused', async () => {
  for (const name of ['../evil.json', 'a/../../evil.json', '/etc/passwd', 'C:/x.json']) {
    await expectZipError(
      writeZip([{ name, data: '{}' }]),
      /^bad\.zip is not a readable ZIP archive: (invalid relative path|absolute path)/,
    );
  }
});

test('an archive listing more entries than the limit is refused before any is read', async () => {
  const files = Array.from({ length: 6 }, (_, i) => ({ name: `f${i}.json`, data: '{}' }));
  await expectZipError(writeZip(files), /it lists more than 5 entries/, { maxEntries: 5 });
  assert.equal((await readZip(writeZip(files), 'ok.zip', { maxEntries: 6 })).length, 6);
});
