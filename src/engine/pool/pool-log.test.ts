import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { createErrorScrubber } from '../error-view.ts';
import { createPoolLog } from './pool-log.ts';

let dir = '';
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'nightshift-pool-log-'));
});
after(() => rm(dir, { recursive: true, force: true }));

const scrub = createErrorScrubber({
  dataDir: '/srv/ns',
  sourceRoot: '/opt/nightshift',
  folders: [
    {
      path: '/srv/ns/datastores/workspaceblobstore/in',
      uri: 'azureml://datastores/workspaceblobstore/paths/in',
    },
  ],
});

void test('failed items and failed attempts are logged by datastore URI, without our frames', async () => {
  const logDir = join(dir, 'logs');
  const log = createPoolLog(logDir, 'node-0', scrub);
  const logs = log.worker('process0');
  const task = {
    miniBatchId: 'mb-1',
    files: [
      '/srv/ns/datastores/workspaceblobstore/in/a.csv',
      '/srv/ns/datastores/workspaceblobstore/in/b.csv',
    ],
    partPath: '/srv/ns/jobs/j/parts/000001.part',
    attempt: 2,
  };
  const failure = {
    file: '/srv/ns/datastores/workspaceblobstore/in/b.csv',
    message:
      "Error processing input file: '/srv/ns/datastores/workspaceblobstore/in/b.csv'. Line 3: 'x' is not a number.",
    stack: 'InputFileError: bad\n    at scan (file:///opt/nightshift/src/runtimes/readers/csv-reader.ts:9:9)',
  };
  const startedAt = new Date('2026-01-01T00:00:00Z');
  const outcome = { succeeded: 1, failed: 1, itemFailures: [failure], rowsWritten: 4 };
  log.attempt(logs, 'node-0/process0', task, { result: { kind: 'done', outcome }, startedAt, elapsedMs: 12 });
  log.attempt(logs, 'node-0/process0', task, {
    result: {
      kind: 'exception',
      message: 'cannot open /srv/ns/tmp/workers/w-0a1b2c3d/x.tmp',
      stack: 'Error: cannot open\n    at handleRun (/opt/nightshift/src/runtimes/worker-main.ts:1:1)',
    },
    startedAt,
    elapsedMs: 3,
  });
  log.initFailed(logs, 'node-0/process0', { message: 'no model in /srv/ns/models/m' });
  await log.close();
  const errors = await readFile(join(logDir, 'user', 'error', 'node-0', 'process0.txt'), 'utf8');
  const entries = errors
    .split('\n\n')
    .filter(Boolean)
    .map((e) => e.replace(/^\S+ /, ''));
  assert.deepEqual(entries, [
    'mini batch mb-1 attempt 2: item azureml://datastores/workspaceblobstore/paths/in/b.csv failed on node-0/process0:\n' +
      "Error processing input file: 'azureml://datastores/workspaceblobstore/paths/in/b.csv'. Line 3: 'x' is not a number.",
    'mini batch mb-1 attempt 2 failed (exception) on node-0/process0:\ncannot open $TMPDIR/x.tmp',
    'init() failed on node-0/process0:\nno model in <data-dir>/models/m',
  ]);
  const summary = await readFile(join(logDir, 'sys', 'node', 'node-0', 'process0.txt'), 'utf8');
  assert.match(summary, /mini_batch=mb-1 attempt=2 result=ok items=2 succeeded=1 failed=1 rows=4 /);
  assert.match(summary, /mini_batch=mb-1 attempt=2 result=exception items=2 succeeded=0 failed=2 rows=0 /);
  assert.doesNotMatch(summary, /\/srv\/ns/);
});
