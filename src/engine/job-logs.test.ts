import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { JobCounts } from '../core/jobs.ts';
import { createJobLogs } from './job-logs.ts';

const counts = (succeeded: number): JobCounts => ({
  miniBatches: { total: 4, pending: 4 - succeeded, running: 0, succeeded, failed: 0, canceled: 0 },
  items: { total: 4, succeeded, failed: 0 },
  rows: succeeded * 10,
  workerSeconds: succeeded,
});

test('the progress overview gets a line only when the counts changed', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'ns-job-logs-'));
  try {
    const logs = createJobLogs(dir);
    await logs.init();
    for (const done of [0, 0, 1, 1, 1, 2]) await logs.progress(counts(done));
    const file = (await readdir(dir)).find((f) => f.startsWith('job_progress_overview'));
    assert.ok(file, 'no overview written');
    const lines = (await readFile(join(dir, file), 'utf8')).trim().split('\n');
    assert.deepEqual(
      lines.map((l) => /processed/.exec(l) && l.split(' ')[2]),
      ['0/4', '1/4', '2/4'],
    );
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
