/** Request building rules of spec §2.7.1, checked without a server. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ActivityFailure } from '../runner/activity-failure.ts';
import { parseWebRequest } from './request.ts';

function failure(props: unknown): ActivityFailure {
  try {
    parseWebRequest(props);
  } catch (error) {
    assert.ok(error instanceof ActivityFailure);
    return error;
  }
  assert.fail('parsed without error');
}

test('method is matched ignoring case', () => {
  assert.equal(parseWebRequest({ method: 'Post', url: 'http://h/', body: 'x' }).method, 'POST');
  assert.equal(parseWebRequest({ method: 'delete', url: 'http://h/' }).method, 'DELETE');
});

test('defaults: one-minute timeout, async on, validation on, the auto-resolve runtime', () => {
  const spec = parseWebRequest({ method: 'GET', url: 'http://h/' });
  assert.equal(spec.timeoutMs, 60_000);
  assert.equal(spec.turnOffAsync, false);
  assert.equal(spec.disableCertValidation, false);
  assert.equal(spec.integrationRuntime, 'AutoResolveIntegrationRuntime');
  assert.deepEqual(spec.headers, {});
  assert.equal(spec.body, undefined);
});

test('body: ignored on GET, verbatim string, serialized otherwise, optional on DELETE', () => {
  assert.equal(parseWebRequest({ method: 'GET', url: 'http://h/', body: 'x' }).body, undefined);
  assert.equal(parseWebRequest({ method: 'POST', url: 'http://h/', body: 'not {json' }).body, 'not {json');
  assert.equal(parseWebRequest({ method: 'PATCH', url: 'http://h/', body: [1, 'a'] }).body, '[1,"a"]');
  assert.equal(parseWebRequest({ method: 'PUT', url: 'http://h/', body: 12 }).body, '12');
  assert.equal(parseWebRequest({ method: 'DELETE', url: 'http://h/' }).body, undefined);
  assert.equal(failure({ method: 'PUT', url: 'http://h/', body: null }).errorCode, '2103');
});

test('a body without Content-Type gets application/json; an existing one in any case is kept', () => {
  assert.deepEqual(parseWebRequest({ method: 'POST', url: 'http://h/', body: '' }).headers, {
    'Content-Type': 'application/json',
  });
  const headers = { 'CONTENT-TYPE': 'text/csv' };
  assert.deepEqual(
    parseWebRequest({ method: 'POST', url: 'http://h/', body: 'a,b', headers }).headers,
    headers,
  );
});

test('headers as a JSON string are parsed; a broken one fails with 2105', () => {
  const spec = parseWebRequest({ method: 'GET', url: 'http://h/', headers: '{"a": "1", "b": 2}' });
  assert.deepEqual(spec.headers, { a: '1', b: '2' });
  const broken = failure({ method: 'GET', url: 'http://h/', headers: '{"a": ' });
  assert.equal(broken.errorCode, '2105');
  assert.match(broken.message, /^An invalid json is provided for property 'headers'\./);
  assert.equal(failure({ method: 'GET', url: 'http://h/', headers: [1] }).errorCode, '2111');
});

test('flags accept booleans and their string forms', () => {
  const spec = parseWebRequest({
    method: 'GET',
    url: 'http://h/',
    turnOffAsync: 'True',
    disableCertValidation: 'false',
  });
  assert.equal(spec.turnOffAsync, true);
  assert.equal(spec.disableCertValidation, false);
  assert.equal(failure({ method: 'GET', url: 'http://h/', turnOffAsync: 'yes' }).errorCode, '2111');
});

test('httpRequestTimeout is a timespan up to ten minutes', () => {
  assert.equal(
    parseWebRequest({ method: 'GET', url: 'http://h/', httpRequestTimeout: '00:10:00' }).timeoutMs,
    600_000,
  );
  assert.equal(
    parseWebRequest({ method: 'GET', url: 'http://h/', httpRequestTimeout: '00:00:01.5' }).timeoutMs,
    1500,
  );
  assert.equal(
    failure({ method: 'GET', url: 'http://h/', httpRequestTimeout: '0.00:10:01' }).errorCode,
    '2105',
  );
  assert.equal(failure({ method: 'GET', url: 'http://h/', httpRequestTimeout: '60' }).errorCode, '2105');
  assert.equal(failure({ method: 'GET', url: 'http://h/', httpRequestTimeout: 60 }).errorCode, '2111');
});

test('missing or mistyped required properties use 2103 and 2111', () => {
  assert.equal(
    failure({ url: 'http://h/' }).message,
    "Please provide value for the required property 'method'.",
  );
  assert.equal(
    failure({ method: 'GET', url: 42 }).message,
    "The type of the property 'url' is incorrect. The expected type is String.",
  );
  assert.equal(failure('not an object').errorCode, '2111');
  assert.equal(failure({ method: 'GET', url: 'http://h/', authentication: 'MSI' }).errorCode, '2111');
});
