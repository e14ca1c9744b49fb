import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHarness, expr, pipeline } from '../../../../test/support/pipelines/runner-harness.ts';

async function failWith(typeProperties: Record<string, unknown>) {
  const h = createHarness();
  const run = await h.runner.run(
    pipeline('p', [{ name: 'Stop', type: 'Fail', typeProperties }], {
      parameters: { job: { type: 'String', defaultValue: 'job-1' } },
    }),
  );
  return { run, record: h.runsOf('Stop')[0] };
}

test('Fail ends Failed with its evaluated message and error code', async () => {
  const { run, record } = await failWith({
    message: expr("@concat('Batch job ', pipeline().parameters.job, ' failed')"),
    errorCode: 'BatchJobFailed',
  });
  assert.equal(record?.status, 'Failed');
  assert.deepEqual(record.error, {
    errorCode: 'BatchJobFailed',
    message: 'Batch job job-1 failed',
    failureType: 'UserError',
    target: 'Stop',
    details: '',
  });
  assert.deepEqual(record.output, {});
  assert.equal(run.status, 'Failed');
  assert.equal(run.message, 'Operation on target Stop failed: Batch job job-1 failed');
});

test('an unevaluable message or code gives the documented message', async () => {
  const { record } = await failWith({ message: expr("@activity('Nope').output"), errorCode: 'X' });
  assert.equal(record?.error?.message, 'Failed to interpret Stop fail message or error code');
  assert.equal(record.error.details, "The template action 'Nope' is not defined at current scope.");
});

test('an empty message and a code that is not text have their documented forms', async () => {
  const { record } = await failWith({ message: '  ', errorCode: 500 });
  assert.equal(record?.error?.message, "Fail message wasn't provided");
  assert.equal(record.error.errorCode, 'ErrorCodeNotString');
});
