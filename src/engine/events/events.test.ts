import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { JobRecord } from '../../core/jobs.ts';
import type { JobRepository } from '../../store/contract.ts';
import { retryDelay } from './deliveries.ts';
import { eventBody, jobEvent } from './job-events.ts';
import { signBody, verifySignature } from './signature.ts';
import { observeJobStatus } from './status-listener.ts';

const job = {
  name: 'job-1',
  endpointName: 'scorer',
  deploymentName: 'blue',
  status: 'Failed',
  tags: { team: 'risk' },
  output: { uri: 'azureml://datastores/workspaceblobstore/paths/out/p.csv' },
  error: { code: 'InitFailed', message: 'model file not found' },
  systemData: { createdAt: '2026-01-01T00:00:00.000Z', createdBy: 'ana' },
} as unknown as JobRecord;

test("a job maps to Azure ML's run fields; the experiment id is stable per endpoint", () => {
  const a = jobEvent(job, 'Microsoft.MachineLearningServices.RunStatusChanged', '/ws', new Date(0));
  const b = jobEvent(
    { ...job, name: 'job-2' },
    'Microsoft.MachineLearningServices.RunStatusChanged',
    '/ws',
    new Date(0),
  );
  assert.equal(a.data.experimentId, b.data.experimentId);
  assert.notEqual(a.id, b.id);
  assert.equal(a.subject, `experiments/${a.data.experimentId}/runs/job-1`);
  assert.deepEqual(a.data.runTags, { team: 'risk' });
  assert.equal(a.data.runProperties.errorCode, 'InitFailed');
  assert.equal(a.data.runStatus, 'Failed');
  const grid = eventBody(a, 'EventGridSchema');
  assert.deepEqual(JSON.parse(grid.body), [a]);
  const cloud = JSON.parse(eventBody(a, 'CloudEventSchemaV1_0').body) as Record<string, unknown>;
  assert.equal(cloud.specversion, '1.0');
  assert.equal(cloud.source, '/ws');
  assert.equal(cloud.type, a.eventType);
});

test('the signature covers the timestamp and the body', () => {
  const header = signBody('s3cret-s3cret-s3cret', 1700000000, '[{"a":1}]');
  assert.match(header, /^v1=[0-9a-f]{64}$/);
  assert.ok(verifySignature('s3cret-s3cret-s3cret', '1700000000', '[{"a":1}]', header));
  assert.ok(!verifySignature('s3cret-s3cret-s3cret', '1700000001', '[{"a":1}]', header));
  assert.ok(!verifySignature('s3cret-s3cret-s3cret', '1700000000', '[{"a":2}]', header));
});

test('retry waits double from the base up to the cap', () => {
  const schedule = { baseMs: 10_000, maxDelayMs: 3_600_000, maxTtlMs: 86_400_000 };
  assert.deepEqual(
    [1, 2, 3, 4, 10, 20].map((n) => retryDelay(schedule, n)),
    [10_000, 20_000, 40_000, 80_000, 3_600_000, 3_600_000],
  );
});

test('the listener hears each real status change once, and a throwing listener fails nothing', async () => {
  let status = 'Preparing';
  const inner = {
    update: (name: string, patch: Partial<JobRecord>) => {
      if (patch.status) status = patch.status;
      return Promise.resolve({ ...job, name, status } as JobRecord);
    },
    get: () => Promise.resolve(job),
  } as unknown as JobRepository;
  const heard: string[] = [];
  const errors: unknown[] = [];
  const observed = observeJobStatus(
    inner,
    {
      statusChanged: (j) => {
        heard.push(j.status);
        if (j.status === 'Completed') throw new Error('listener broke');
      },
    },
    (e) => errors.push(e),
  );
  for (const s of ['Running', 'Finalizing', 'Finalizing', 'Completed'] as const) {
    assert.ok(await observed.update('job-1', { status: s }));
  }
  await observed.update('job-1', { result: 'no status in this patch' });
  assert.deepEqual(heard, ['Running', 'Finalizing', 'Completed']);
  assert.equal(errors.length, 1);
  assert.equal(await observed.get('job-1'), job, 'the other calls pass through');
});
