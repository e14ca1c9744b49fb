/**
 * Trigger JSON as Data Factory writes it: what each type keeps, and a bad field refused with a message
 * that names it; tumbling window arithmetic for calendar months and dependencies.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ValidationError } from '../../core/errors.ts';
import { checkTriggerName, parseTrigger, type TumblingWindowSpec } from './definition.ts';
import { dueAt, firstNotDue, windowAt, windowsCovering } from './windows.ts';

const run = { pipelineReference: { referenceName: 'P' }, parameters: { a: '@trigger().scheduledTime' } };

function fieldOf(body: unknown): string | undefined {
  try {
    parseTrigger('t', body);
  } catch (error) {
    assert.ok(error instanceof ValidationError, String(error));
    return error.details[0]?.target ?? error.message;
  }
  return undefined;
}

test('each trigger type keeps what it runs and how', () => {
  const tw = parseTrigger('tw', {
    properties: {
      type: 'TumblingWindowTrigger',
      runtimeState: 'Started',
      typeProperties: {
        frequency: 'Hour',
        interval: 2,
        startTime: '2024-01-01T00:00:00Z',
        delay: '00:10:00',
        retryPolicy: { count: 2, intervalInSeconds: 60 },
        dependsOn: [{ type: 'SelfDependencyTumblingWindowTriggerReference', offset: '-02:00:00' }],
      },
      pipeline: run,
    },
  });
  assert.equal(tw.spec.type, 'TumblingWindowTrigger');
  assert.equal(tw.pipelines[0]?.pipelineName, 'P');
  assert.equal('runtimeState' in tw.properties, false);
  const spec = tw.spec;
  assert.deepEqual(
    [spec.delayMs, spec.maxConcurrency, spec.retry],
    [600_000, 1, { count: 2, intervalMs: 60_000 }],
  );
  assert.deepEqual(spec.dependsOn, [{ triggerName: 'tw', offsetMs: -7_200_000 }]);
  const blob = parseTrigger('b', {
    properties: {
      type: 'BlobEventsTrigger',
      typeProperties: {
        scope:
          '/subscriptions/s/resourceGroups/g/providers/Microsoft.MachineLearningServices/workspaces/w/datastores/drops',
        events: ['Microsoft.Storage.BlobCreated'],
        blobPathBeginsWith: '/landing/blobs/in/',
      },
      pipelines: [run],
    },
  });
  assert.deepEqual(blob.spec, {
    type: 'BlobEventsTrigger',
    datastore: 'drops',
    container: 'landing',
    prefix: 'in/',
    suffix: '',
    ignoreEmptyBlobs: true,
    events: ['Microsoft.Storage.BlobCreated'],
  });
});

test('trigger names follow Data Factory rules', () => {
  for (const good of ['nightly', 'Score_new-CSV', '_x', '1st', 'a'.repeat(260)]) checkTriggerName(good);
  for (const bad of ['', '#claims', '-x', 'a.b', 'a/b', 'a:b', 'a%b', 'a\u0000b', 'a'.repeat(261)]) {
    assert.throws(() => {
      checkTriggerName(bad);
    }, ValidationError);
  }
});

test('a bad field is refused by name', () => {
  const tp = (typeProperties: unknown, type = 'TumblingWindowTrigger') => ({
    properties: { type, typeProperties, pipeline: run, pipelines: [run] },
  });
  const window = { frequency: 'Minute', interval: 1, startTime: '2024-01-01T00:00:00Z' };
  assert.match(fieldOf({}) ?? '', /properties/);
  assert.match(fieldOf(tp({ ...window, interval: 0 })) ?? '', /typeProperties\.interval/);
  assert.match(fieldOf(tp({ ...window, startTime: 'soon' })) ?? '', /typeProperties\.startTime/);
  assert.match(fieldOf(tp({ ...window, delay: '1 hour' })) ?? '', /typeProperties\.delay/);
  assert.match(fieldOf(tp({ ...window, maxConcurrency: 51 })) ?? '', /typeProperties\.maxConcurrency/);
  assert.match(
    fieldOf(tp({ ...window, retryPolicy: { count: 1, intervalInSeconds: 5 } })) ?? '',
    /retryPolicy\.intervalInSeconds/,
  );
  assert.match(
    fieldOf(
      tp({
        ...window,
        dependsOn: [{ type: 'SelfDependencyTumblingWindowTriggerReference', offset: '01:00:00' }],
      }),
    ) ?? '',
    /dependsOn\[0\]\.offset/,
  );
  const blob = { scope: 'drops', events: ['Microsoft.Storage.BlobCreated'] };
  assert.match(
    fieldOf(tp({ ...blob, events: ['Created'] }, 'BlobEventsTrigger')) ?? '',
    /typeProperties\.events/,
  );
  assert.match(
    fieldOf(tp({ ...blob, blobPathBeginsWith: 'in/' }, 'BlobEventsTrigger')) ?? '',
    /blobPathBeginsWith/,
  );
  assert.match(fieldOf(tp({ ...blob, scope: 'a/b' }, 'BlobEventsTrigger')) ?? '', /typeProperties\.scope/);
  assert.match(
    fieldOf(tp({ ...blob, blobPathBeginsWith: '/c/blobs/../../etc/' }, 'BlobEventsTrigger')) ?? '',
    /blobPathBeginsWith/,
  );
  assert.match(
    fieldOf({ properties: { type: 'BlobEventsTrigger', typeProperties: blob, pipelines: [] } }) ?? '',
    /properties\.pipelines/,
  );
  assert.match(
    fieldOf({
      properties: {
        type: 'ScheduleTrigger',
        typeProperties: { recurrence: { frequency: 'Fortnight' } },
        pipelines: [run],
      },
    }) ?? '',
    /recurrence/,
  );
});

const monthly: TumblingWindowSpec = {
  type: 'TumblingWindowTrigger',
  frequency: 'Month',
  interval: 1,
  startMs: Date.parse('2024-01-31T00:00:00Z'),
  delayMs: 0,
  maxConcurrency: 1,
  retry: { count: 0, intervalMs: 30_000 },
  dependsOn: [],
};

test('month windows follow the calendar, and are due at their end plus the delay', () => {
  const starts = [0, 1, 2, 3, 12].map((i) =>
    new Date(windowAt(monthly, i).startMs).toISOString().slice(0, 10),
  );
  // A month without the start's day starts on its last day (no rolling into the next month).
  assert.deepEqual(starts, ['2024-01-31', '2024-02-29', '2024-03-31', '2024-04-30', '2025-01-31']);
  for (let i = 0; i < 5; i += 1) assert.equal(windowAt(monthly, i).endMs, windowAt(monthly, i + 1).startMs);
  assert.equal(firstNotDue(monthly, dueAt(monthly, 2) - 1), 2);
  assert.equal(firstNotDue(monthly, dueAt(monthly, 2)), 3);
  const hourly: TumblingWindowSpec = {
    ...monthly,
    frequency: 'Hour',
    startMs: Date.parse('2024-01-01T00:00:00Z'),
    delayMs: 900_000,
  };
  assert.equal(firstNotDue(hourly, Date.parse('2024-01-01T03:14:59Z')), 2);
  assert.equal(firstNotDue(hourly, Date.parse('2024-01-01T03:15:00Z')), 3);
  assert.deepEqual(
    windowsCovering(hourly, Date.parse('2024-01-01T01:30:00Z'), Date.parse('2024-01-01T03:00:00Z')),
    [1, 2],
  );
});
