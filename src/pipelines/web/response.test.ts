/** Output shaping of spec §2.7.1, from a response built in memory. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ActivityFailure } from '../runner/activity-failure.ts';
import { bodyFields, responseHeadersRecord, webActivityOutput } from './response.ts';

test('standard header names get their registered spelling; others stay as received', () => {
  const headers = new Headers([
    ['content-type', 'application/json'],
    ['etag', '"1"'],
    ['www-authenticate', 'Bearer'],
    ['azure-asyncoperation', 'http://h/op'],
    ['x-ms-request-id', 'abc'],
  ]);
  assert.deepEqual(responseHeadersRecord(headers), {
    'Content-Type': 'application/json',
    ETag: '"1"',
    'WWW-Authenticate': 'Bearer',
    'Azure-AsyncOperation': 'http://h/op',
    'x-ms-request-id': 'abc',
  });
});

test('repeated headers are joined with ", "', () => {
  const headers = new Headers();
  headers.append('vary', 'Accept');
  headers.append('vary', 'Origin');
  headers.append('set-cookie', 'a=1');
  headers.append('set-cookie', 'b=2');
  assert.deepEqual(responseHeadersRecord(headers), { Vary: 'Accept, Origin', 'Set-Cookie': 'a=1, b=2' });
});

test('body fields: objects spread, everything else is Response text', () => {
  assert.deepEqual(bodyFields(' {"a": {"b": 1}} '), { a: { b: 1 } });
  assert.deepEqual(bodyFields('{not json'), { Response: '{not json' });
  assert.deepEqual(bodyFields('"scalar"'), { Response: '"scalar"' });
  assert.deepEqual(bodyFields('42'), { Response: '42' });
  assert.deepEqual(bodyFields('<xml/>'), { Response: '<xml/>' });
  assert.deepEqual(bodyFields(''), { Response: '' });
});

test('a body key named __proto__ stays data and does not change the prototype', () => {
  const output = webActivityOutput(
    { url: 'http://h/', status: 200, headers: new Headers(), bodyText: '{"__proto__": {"polluted": true}}' },
    { integrationRuntime: 'IR', region: 'R', elapsedMs: 0 },
  );
  assert.equal(Object.getPrototypeOf(output), Object.prototype);
  assert.deepEqual(Object.getOwnPropertyDescriptor(output, '__proto__')?.value, { polluted: true });
});

test('billing counts started minutes in hours; executionDuration is whole seconds', () => {
  const output = webActivityOutput(
    { url: 'http://h/', status: 201, headers: new Headers(), bodyText: '' },
    { integrationRuntime: 'IR', region: 'R', elapsedMs: 61_400 },
  );
  assert.equal(output.executionDuration, 61);
  assert.equal(output.ADFHttpStatusCodeInResponse, '201');
  assert.deepEqual(output.billingReference, {
    activityType: 'ExternalActivity',
    billableDuration: [{ meterType: 'AzureIR', duration: 2 / 60, unit: 'Hours' }],
  });
});

test('a JSON body nested 10,000 deep fails the activity instead of every walker of the record', () => {
  const deep = '{"a":'.repeat(10_000) + '1' + '}'.repeat(10_000);
  assert.throws(
    () => bodyFields(deep),
    (error: unknown) =>
      error instanceof ActivityFailure &&
      error.errorCode === 'ResponseNestedTooDeep' &&
      /nested deeper than 64 levels/.test(error.message),
  );
  const fits = '{"a":'.repeat(64) + '1' + '}'.repeat(64);
  assert.equal(typeof bodyFields(fits)['a'], 'object');
});
