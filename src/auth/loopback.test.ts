// The IMDS gate: a loopback socket peer, and not one forwarding header of any kind.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FORWARDING_HEADERS, imdsCallerAllowed, isLoopback } from './loopback.ts';

const PLAIN = { host: '127.0.0.1:8080', metadata: 'true', 'user-agent': 'azure-identity', accept: '*/*' };

test('loopback peers in every form Node reports them, and nothing else', () => {
  for (const address of ['127.0.0.1', '127.8.9.10', '::1', '::ffff:127.0.0.1']) {
    assert.equal(isLoopback(address), true, address);
    assert.equal(imdsCallerAllowed(PLAIN, address), true, address);
  }
  for (const address of [undefined, '10.0.0.1', '::ffff:10.0.0.1', '0.0.0.0', '::', '128.0.0.1', 'fe80::1']) {
    assert.equal(imdsCallerAllowed(PLAIN, address), false, String(address));
  }
});

test('every forwarding header refuses a loopback caller, whatever its value, even empty', () => {
  const families = [
    'x-forwarded-for',
    'x-forwarded-host',
    'x-forwarded-proto',
    'x-forwarded-port',
    'x-forwarded-server',
    'x-forwarded-prefix',
    'x-forwarded',
    'x-envoy-external-address',
  ];
  for (const name of [...FORWARDING_HEADERS, ...families]) {
    for (const value of ['127.0.0.1', 'for=10.0.0.1', '']) {
      assert.equal(imdsCallerAllowed({ ...PLAIN, [name]: value }, '127.0.0.1'), false, `${name}: ${value}`);
    }
    assert.equal(imdsCallerAllowed({ ...PLAIN, [name]: ['a', 'b'] }, '::1'), false, `${name} repeated`);
    assert.equal(imdsCallerAllowed({ ...PLAIN, [name.toUpperCase()]: 'x' }, '::1'), false, `${name} upper`);
  }
  // The ones the issue names, spelled out so the list cannot lose them unnoticed.
  for (const name of ['forwarded', 'x-real-ip', 'x-client-ip', 'true-client-ip', 'cf-connecting-ip', 'via']) {
    assert.ok(FORWARDING_HEADERS.includes(name), name);
  }
});

test('ordinary headers and absent values do not refuse', () => {
  const headers = {
    ...PLAIN,
    'x-request-id': '1',
    'x-ms-client-request-id': '2',
    'x-forwarded-for': undefined,
  };
  assert.equal(imdsCallerAllowed(headers, '127.0.0.1'), true);
});
