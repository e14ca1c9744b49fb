import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ValidationError } from '../../core/errors.ts';
import {
  checkAllowHosts,
  checkedTarget,
  credentialParamOf,
  DEFAULT_URL_POLICY,
  isPublicAddress,
  type AddressResolver,
  type UrlPolicy,
} from './url-policy.ts';

/** A resolver that answers from a table, so the tests do not depend on the machine's DNS. */
const table =
  (entries: Record<string, string[]>): AddressResolver =>
  (host) => {
    const found = entries[host];
    if (!found) return Promise.reject(Object.assign(new Error('not found'), { code: 'ENOTFOUND' }));
    return Promise.resolve(found.map((address) => ({ address, family: address.includes(':') ? 6 : 4 })));
  };

const dns = table({
  'files.example': ['93.184.215.14'],
  'evil.example': ['169.254.169.254'],
  'split.example': ['93.184.215.14', '10.0.0.5'],
  'six.example': ['2606:4700::1111'],
  'files.internal': ['10.1.2.3'],
  localhost: ['127.0.0.1'],
});

async function refusal(url: string, policy: UrlPolicy = DEFAULT_URL_POLICY): Promise<string> {
  const error = await checkedTarget(new URL(url), policy, dns).then(
    () => undefined,
    (e: unknown) => e,
  );
  assert.ok(error instanceof ValidationError, `${url} should be refused`);
  return error.message;
}

describe('isPublicAddress', () => {
  it('takes public IPv4 and IPv6 addresses', () => {
    for (const a of ['93.184.215.14', '8.8.8.8', '2606:4700::1111', '::ffff:8.8.8.8'])
      assert.ok(isPublicAddress(a), a);
  });
  it('refuses loopback, private, link-local, unique-local, unspecified and mapped forms of them', () => {
    for (const a of [
      '127.0.0.1',
      '127.255.0.9',
      '10.0.0.1',
      '172.16.4.4',
      '192.168.1.1',
      '169.254.169.254',
      '100.64.0.1',
      '0.0.0.0',
      '224.0.0.1',
      '255.255.255.255',
      '::',
      '::1',
      'fd00::1',
      'fe80::1',
      '::ffff:127.0.0.1',
      '::ffff:7f00:1',
      '::ffff:a9fe:a9fe',
      '64:ff9b::7f00:1',
      '2002:7f00:1::',
      'not-an-address',
    ])
      assert.equal(isPublicAddress(a), false, a);
  });
});

describe('checkedTarget', () => {
  it('returns the address DNS gave for a public https host', async () => {
    assert.deepEqual(await checkedTarget(new URL('https://files.example/a.csv'), DEFAULT_URL_POLICY, dns), {
      address: '93.184.215.14',
      family: 4,
    });
    assert.equal(
      (await checkedTarget(new URL('https://six.example/a.csv'), DEFAULT_URL_POLICY, dns)).family,
      6,
    );
  });

  it('refuses the metadata address, by IP and by a name that resolves to it', async () => {
    assert.match(
      await refusal('https://169.254.169.254/latest/meta-data/'),
      /169\.254\.169\.254.*not a public/,
    );
    assert.match(await refusal('https://evil.example/x.csv'), /resolves to 169\.254\.169\.254/);
  });

  it('refuses every spelling of 127.0.0.1 (decimal, hex, short, IPv6-mapped) and localhost', async () => {
    for (const url of [
      'https://127.0.0.1/x.csv',
      'https://2130706433/x.csv',
      'https://0x7f000001/x.csv',
      'https://0x7f.1/x.csv',
      'https://127.1/x.csv',
      'https://0177.0.0.1/x.csv',
      'https://[::ffff:127.0.0.1]/x.csv',
      'https://[::1]/x.csv',
      'https://[::]/x.csv',
      'https://0.0.0.0/x.csv',
      'https://localhost/x.csv',
    ])
      assert.match(await refusal(url), /not a public address/, url);
  });

  it('refuses a name with one private address among public ones', async () => {
    assert.match(await refusal('https://split.example/x.csv'), /10\.0\.0\.5/);
  });

  it('refuses plain http, credentials in the URL, other schemes and names that do not resolve', async () => {
    assert.match(await refusal('http://files.example/x.csv'), /plain http.*--allow-http-urls/);
    assert.match(await refusal('https://user:pw@files.example/x.csv'), /user name or password/);
    assert.match(await refusal('https://files.example/x.csv?sv=1&sig=SECRET'), /'sig' carries a credential/);
    assert.match(await refusal('ftp://files.example/x.csv'), /only https/);
    assert.match(await refusal('https://nowhere.example/x.csv'), /does not resolve \(ENOTFOUND\)/);
    // The refusal never repeats the query, which may hold a token.
    assert.doesNotMatch(await refusal('https://evil.example/x.csv?sig=SECRET'), /SECRET/);
  });

  it('lets an operator allow a host, a port, an address or a range, and plain http', async () => {
    const policy = (allowHosts: string[], allowHttp = false): UrlPolicy => ({ allowHosts, allowHttp });
    await checkedTarget(new URL('https://files.internal/x.csv'), policy(['files.internal']), dns);
    await checkedTarget(new URL('https://files.internal/x.csv'), policy(['10.0.0.0/8']), dns);
    await checkedTarget(new URL('https://localhost:8443/x.csv'), policy(['localhost:8443']), dns);
    await checkedTarget(new URL('http://files.example/x.csv'), policy([], true), dns);
    // A port narrows the entry: the same host on another port (our own server, say) stays refused.
    assert.match(await refusal('https://localhost:9000/x.csv', policy(['localhost:8443'])), /not a public/);
    assert.match(await refusal('https://127.0.0.1:8443/x.csv', policy(['localhost:8443'])), /not a public/);
    // Allowing one private host allows no other.
    assert.match(await refusal('https://evil.example/x.csv', policy(['files.internal'])), /169\.254/);
  });
});

describe('checkAllowHosts', () => {
  it('takes names, addresses, ranges and ports, and names a malformed entry', () => {
    checkAllowHosts([
      'files.internal',
      '10.0.0.0/8',
      'localhost:8443',
      '[::1]:8443',
      'fd00::/8',
      '127.0.0.1',
    ]);
    for (const bad of ['http://x', 'a b', '10.0.0.0/40', 'host:99999', '-bad-.example'])
      assert.throws(
        () => {
          checkAllowHosts([bad]);
        },
        (e: Error) => e.message.includes(`'${bad}'`),
      );
  });
});

describe('credentialParamOf', () => {
  it('finds signature and token parameters in any URL, and nothing in plain ones', () => {
    assert.equal(credentialParamOf('https://a.blob.core.windows.net/c/x?sv=2020&sig=abc'), 'sig');
    assert.equal(credentialParamOf('s3://b/x?X-Amz-Signature=1'), 'X-Amz-Signature');
    assert.equal(credentialParamOf('https://h/x.csv?page=2'), undefined);
    assert.equal(credentialParamOf('https://h/x.csv'), undefined);
  });
});
