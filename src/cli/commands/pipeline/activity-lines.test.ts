/** The stderr lines of `pipeline run --wait`. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { activityLine, clockTime, formatDuration, runSummaryLine } from './activity-lines.ts';
import type { ActivityRunView } from './pipeline-api.ts';

const now = () => new Date(2024, 0, 1, 9, 8, 7);

function record(overrides: Partial<ActivityRunView> = {}): ActivityRunView {
  return {
    activityRunId: 'a1',
    activityName: 'Check status',
    activityType: 'WebActivity',
    status: 'InProgress',
    activityRunStart: new Date(2024, 0, 1, 12, 0, 1).toISOString(),
    activityRunEnd: null,
    durationInMs: null,
    error: null,
    retryAttempt: null,
    iteration: null,
    ...overrides,
  };
}

describe('formatDuration', () => {
  it('picks a unit that reads well', () => {
    assert.equal(formatDuration(0), '0ms');
    assert.equal(formatDuration(850), '850ms');
    assert.equal(formatDuration(1234), '1.2s');
    assert.equal(formatDuration(123_000), '2m 03s');
    assert.equal(formatDuration(3_723_000), '1h 02m 03s');
  });
});

describe('clockTime', () => {
  it("shows a record's time of day, or now when it has none", () => {
    assert.equal(clockTime(new Date(2024, 0, 1, 1, 2, 3).toISOString(), now), '01:02:03');
    assert.equal(clockTime(null, now), '09:08:07');
    assert.equal(clockTime('not a time', now), '09:08:07');
  });
});

describe('activityLine', () => {
  it('writes time, name, type and status when an activity starts', () => {
    assert.equal(
      activityLine(record(), { depth: 0, ended: false, now }),
      '12:00:01  Check status  WebActivity  InProgress',
    );
  });

  it('adds the duration at the end, and the error of a failure', () => {
    const failed = record({
      status: 'Failed',
      activityRunEnd: new Date(2024, 0, 1, 12, 0, 3).toISOString(),
      durationInMs: 2000,
      error: { errorCode: '2108', message: 'Not found', failureType: 'UserError' },
    });
    assert.equal(
      activityLine(failed, { depth: 0, ended: true, now }),
      '12:00:03  Check status  WebActivity  Failed  2.0s  2108: Not found',
    );
  });

  it('indents nested activities and names the iteration and retry', () => {
    const nested = record({ activityName: 'Nap', activityType: 'Wait', iteration: 3, retryAttempt: 1 });
    assert.equal(
      activityLine(nested, { depth: 2, ended: false, now }),
      '12:00:01      Nap [iteration 3] (retry 1)  Wait  InProgress',
    );
  });

  it('does not print an error for an activity that did not fail', () => {
    const line = activityLine(
      record({ status: 'Succeeded', durationInMs: 5, error: { errorCode: 'x', message: 'stale' } }),
      { depth: 0, ended: true, now },
    );
    assert.doesNotMatch(line, /stale/);
  });
});

describe('runSummaryLine', () => {
  it('names the run, its status, duration and message', () => {
    assert.equal(
      runSummaryLine({
        runId: 'r1',
        pipelineName: 'P',
        status: 'Failed',
        durationInMs: 1500,
        message: 'Operation on target X failed: boom',
      }),
      'Run r1 of pipeline P Failed after 1.5s: Operation on target X failed: boom',
    );
  });
});
