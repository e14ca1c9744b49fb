import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import type { JobRecord } from '../core/jobs.ts';
import { createLocalFolderDatastore } from '../storage/local/local-folder.ts';
import { createSqliteStore } from '../store/sqlite/sqlite-store.ts';
import type { DatastoreService } from '../workspace/datastores.ts';
import { artifactParts, localParts } from './job-parts.ts';
import { jobDir, partPath } from './job-plan.ts';
import { partKey } from './remote/artifact-store.ts';
import { adoptParentParts, reusedWorker } from './rerun-parts.ts';

/** A rerun of `parent` whose mini-batches 0-3 were taken over (3 wrote no rows) and 4 is to score. */
async function setUp(t: { after(fn: () => void): void }) {
  const dir = mkdtempSync(join(tmpdir(), 'ns-rerun-parts-'));
  const store = createSqliteStore(join(dir, 'meta.db'));
  t.after(() => {
    void store.close();
    rmSync(dir, { recursive: true, force: true });
  });
  const dataDir = join(dir, 'data');
  mkdirSync(join(dir, 'artifacts'));
  const artifacts = createLocalFolderDatastore(join(dir, 'artifacts'));
  const datastores = { backend: () => Promise.resolve(artifacts) } as unknown as DatastoreService;
  const child = {
    name: 'child',
    rerunOf: { job: 'parent', failedOnly: true, reusedMiniBatches: 4 },
    settings: { outputAction: 'AppendRow' },
  } as unknown as JobRecord;
  for (const job of ['parent', 'child']) {
    await store.jobs.addMiniBatches(
      job,
      [0, 1, 2, 3, 4].map((index) => ({ index, files: [`f${index}`] })),
    );
  }
  const worker = reusedWorker('parent');
  for (const index of [0, 1, 2, 3]) {
    await store.jobs.startAttempt('child', index, worker);
    const rowsWritten = index === 3 ? 0 : 1;
    await store.jobs.finishAttempt('child', index, {
      ...{ state: 'succeeded', succeeded: 1, failed: 0, rowsWritten, worker, elapsedMs: 0 },
    });
  }
  const parentPart = (index: number, text: string) => {
    const path = partPath(jobDir(dataDir, 'parent'), index);
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, text);
  };
  const deps = { jobs: store.jobs, dataDir, datastores, artifactStore: 'artifacts' };
  return { deps, dataDir, artifacts, child, parentPart, store };
}

async function text(stream: AsyncIterable<unknown> | undefined): Promise<string | undefined> {
  if (!stream) return undefined;
  let out = '';
  for await (const chunk of stream) out += String(chunk);
  return out;
}

test("a rerun links the parent's parts on this server, streams those in the artifact store, and leaves the rest", async (t) => {
  const { deps, dataDir, artifacts, child, parentPart } = await setUp(t);
  parentPart(0, 'row 0\n');
  await artifacts.write(partKey('parent', 1), 'row 1\n');
  // Mini-batch 2's part is nowhere (the parent ran elsewhere): the driver scores it again.
  const mine = (index: number) => partPath(jobDir(dataDir, 'child'), index);
  const parts = localParts(mine);
  assert.equal(await adoptParentParts(deps, child, parts), 2);
  assert.equal(readFileSync(mine(0), 'utf8'), 'row 0\n');
  assert.equal(statSync(mine(0)).ino, statSync(partPath(jobDir(dataDir, 'parent'), 0)).ino, 'a hard link');
  assert.equal(readFileSync(mine(1), 'utf8'), 'row 1\n');
  assert.equal(await parts.has(2), false);
  assert.equal(await parts.has(3), false, 'a mini-batch without rows has no part to take over');
  assert.equal(await parts.has(4), false, 'a mini-batch to score is not taken over');
  // Started again (a restart), it finds its parts in place and adopts nothing twice.
  assert.equal(await adoptParentParts(deps, child, parts), 0);
});

test("a rerun scored by workers elsewhere gets the parent's parts in the artifact store", async (t) => {
  const { deps, artifacts, child, parentPart } = await setUp(t);
  parentPart(0, 'row 0\n');
  await artifacts.write(partKey('parent', 1), 'row 1\n');
  const parts = artifactParts(artifacts, 'child');
  assert.equal(await adoptParentParts(deps, child, parts), 2);
  assert.equal(await text(await parts.read(0)), 'row 0\n');
  assert.equal(await text(await parts.read(1)), 'row 1\n');
});

test('a full rerun, or one whose output is summary only, takes nothing over', async (t) => {
  const { deps, dataDir, child, parentPart } = await setUp(t);
  parentPart(0, 'row 0\n');
  const parts = localParts((index) => partPath(jobDir(dataDir, 'child'), index));
  const full = { ...child, rerunOf: { job: 'parent', failedOnly: false, reusedMiniBatches: 0 } };
  assert.equal(await adoptParentParts(deps, full, parts), 0);
  const summary = { ...child, settings: { ...child.settings, outputAction: 'SummaryOnly' as const } };
  assert.equal(await adoptParentParts(deps, summary, parts), 0);
  assert.equal(await parts.has(0), false);
});

test("a rerun numbered anew (a failed file cut into ranges) takes each part from the parent's mini-batch with its entries", async (t) => {
  const { deps, dataDir, store, parentPart } = await setUp(t);
  const child = {
    name: 'spread',
    rerunOf: { job: 'parent', failedOnly: true, reusedMiniBatches: 4 },
    settings: { outputAction: 'AppendRow' },
  } as unknown as JobRecord;
  // The parent's f1 failed and is scored again in two ranges: f2 onwards move up one.
  const files = [['f0'], ['f1#bytes=0-10&row=0'], ['f1#bytes=10-20&row=5'], ['f2'], ['f3'], ['f4']];
  await store.jobs.addMiniBatches(
    'spread',
    files.map((f, index) => ({ index, files: f })),
  );
  const worker = reusedWorker('parent');
  for (const index of [0, 3, 4, 5]) {
    await store.jobs.startAttempt('spread', index, worker);
    await store.jobs.finishAttempt('spread', index, {
      ...{ state: 'succeeded', succeeded: 1, failed: 0, rowsWritten: 1, worker, elapsedMs: 0 },
    });
  }
  for (const index of [0, 2, 3, 4]) parentPart(index, `row ${index}\n`);
  const mine = (index: number) => partPath(jobDir(dataDir, 'spread'), index);
  assert.equal(await adoptParentParts(deps, child, localParts(mine)), 4);
  const adopted = [0, 3, 4, 5].map((index) => readFileSync(mine(index), 'utf8'));
  assert.deepEqual(adopted, ['row 0\n', 'row 2\n', 'row 3\n', 'row 4\n']);
});
