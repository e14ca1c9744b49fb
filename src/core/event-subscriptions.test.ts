import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ValidationError } from './errors.ts';
import { eventTypesFor, passesFilters, readSubscriptionBody } from './event-subscriptions.ts';

const CHANGED = 'Microsoft.MachineLearningServices.RunStatusChanged';
const COMPLETED = 'Microsoft.MachineLearningServices.RunCompleted';

const body = (extra: Record<string, unknown> = {}, filter: Record<string, unknown> = {}) => ({
  properties: {
    destination: { endpointType: 'WebHook', properties: { endpointUrl: 'https://hooks.example.com/x' } },
    filter,
    ...extra,
  },
});

test('the three names map to Azure event types, one event of each type per change at most', () => {
  assert.deepEqual(eventTypesFor(['JobStatusChanged'], 'Running'), [CHANGED]);
  assert.deepEqual(eventTypesFor(['JobFailed'], 'Running'), []);
  assert.deepEqual(eventTypesFor(['JobFailed'], 'Failed'), [CHANGED]);
  assert.deepEqual(eventTypesFor(['JobStatusChanged', 'JobFailed'], 'Failed'), [CHANGED]);
  assert.deepEqual(eventTypesFor(['JobCompleted'], 'Completed'), [COMPLETED]);
  assert.deepEqual(eventTypesFor(['JobCompleted', 'JobFailed'], 'Completed'), [COMPLETED]);
  assert.deepEqual(eventTypesFor(['JobStatusChanged', 'JobCompleted'], 'Completed'), [CHANGED, COMPLETED]);
  assert.deepEqual(eventTypesFor(['JobCompleted'], 'Canceled'), []);
});

test("a body is read with Event Grid's defaults, and Azure's type names are accepted", () => {
  const read = readSubscriptionBody(body());
  assert.deepEqual(read.events, ['JobStatusChanged']);
  assert.equal(read.schema, 'EventGridSchema');
  assert.deepEqual(read.retryPolicy, { maxDeliveryAttempts: 30, eventTimeToLiveInMinutes: 1440 });
  assert.equal(read.signingSecret, undefined);
  const azure = readSubscriptionBody(body({}, { includedEventTypes: [COMPLETED, 'jobfailed'] }));
  assert.deepEqual(azure.events, ['JobCompleted', 'JobFailed']);
});

test('bad bodies are 400s naming the field', () => {
  const cases: [unknown, RegExp][] = [
    [{ properties: {} }, /endpointUrl/],
    [body({}, { includedEventTypes: ['ModelRegistered'] }), /includedEventTypes/],
    [body({}, { includedEventTypes: [] }), /includedEventTypes/],
    [body({ eventDeliverySchema: 'Custom' }), /eventDeliverySchema/],
    [body({ retryPolicy: { maxDeliveryAttempts: 31 } }), /maxDeliveryAttempts/],
    [body({}, { advancedFilters: [{ operatorType: 'NumberIn', key: 'data.x', values: [1] }] }), /StringIn/],
    [
      { properties: { destination: { properties: { endpointUrl: 'https://a', signingSecret: 'short' } } } },
      /signingSecret/,
    ],
    [{ properties: { destination: { endpointType: 'EventHub' } } }, /WebHook/],
  ];
  for (const [input, message] of cases) {
    assert.throws(
      () => readSubscriptionBody(input),
      (e: unknown) => e instanceof ValidationError && message.test(e.message),
    );
  }
});

test('StringIn filters compare case-insensitively and all must hold', () => {
  const event = { subject: 's', data: { experimentName: 'Scorer', runStatus: 'Failed' } };
  const filter = (key: string, values: string[]) => ({ operatorType: 'StringIn' as const, key, values });
  assert.ok(passesFilters([], event));
  assert.ok(passesFilters([filter('data.experimentName', ['scorer'])], event));
  assert.ok(!passesFilters([filter('data.experimentName', ['other'])], event));
  assert.ok(
    !passesFilters(
      [filter('data.experimentName', ['scorer']), filter('data.runStatus', ['Completed'])],
      event,
    ),
  );
  assert.ok(!passesFilters([filter('data.missing', ['x'])], event));
});
