import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { NotFoundError } from '../core/errors.ts';
import { createLocalFolderDatastore } from '../storage/local/local-folder.ts';
import { artifactParts, openedUnlessMissing } from './job-parts.ts';

async function text(stream: Readable | undefined): Promise<string | undefined> {
  if (!stream) return undefined;
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

test('parts in an artifact store: a missing one is undefined, a present one reads whole, an empty one is empty', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'ns-parts-'));
  try {
    const parts = artifactParts(createLocalFolderDatastore(dir), 'job-1');
    await parts.write(0, Readable.from(['a,1\n', 'b,2\n']));
    await parts.write(2, Readable.from([]));
    assert.equal(await text(await parts.read(0)), 'a,1\nb,2\n');
    assert.equal(await parts.read(1), undefined);
    assert.equal(await text(await parts.read(2)), '');
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('a store that says "missing" only once the read is under way (a remote one) gives undefined too', async () => {
  const missing = new PassThrough();
  const opened = openedUnlessMissing(() => missing);
  missing.destroy(new NotFoundError('gone'));
  assert.equal(await opened, undefined);
  const broken = new PassThrough();
  const failing = openedUnlessMissing(() => broken);
  broken.destroy(new Error('connection reset'));
  await assert.rejects(failing, /connection reset/);
});
