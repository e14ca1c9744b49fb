import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { checkResolvedAddress, checkStoreAddress, isMetadataAddress } from './address-guard.ts';
import { ownHostsOf } from './wiring.ts';

void describe('the linked service address guard', () => {
  it('knows the metadata addresses, in every spelling', () => {
    for (const address of [
      '169.254.169.254',
      '169.254.0.1',
      '100.100.100.200',
      '[fd00:ec2::254]',
      '::ffff:169.254.169.254',
      new URL('http://[::ffff:169.254.169.254]/').hostname,
      'fe80::1',
    ]) {
      assert.equal(isMetadataAddress(address), true, address);
    }
    for (const address of ['127.0.0.1', '10.0.0.4', '::1', 'example.com']) {
      assert.equal(isMetadataAddress(address), false, address);
    }
  });

  it('refuses IMDS, metadata names and this server, and names the field', () => {
    const own = ownHostsOf(['http://127.0.0.1:8123']);
    for (const url of [
      'http://169.254.169.254/metadata',
      'http://metadata.google.internal/',
      'http://localhost:8123/x',
      'http://[::1]:8123/',
    ]) {
      assert.throws(
        () => {
          checkStoreAddress(new URL(url), 'properties.typeProperties.url', own);
        },
        (error: Error & { field?: string }) => error.field === 'properties.typeProperties.url',
        url,
      );
    }
    checkStoreAddress(new URL('http://127.0.0.1:10000/devstoreaccount1'), 'url', own);
  });

  it('refuses a name that resolves to a metadata address before connecting', async () => {
    // 169.254.169.254.nip.io-style names need DNS; a literal address in a URL is resolved to itself.
    await assert.rejects(checkResolvedAddress(new URL('http://169.254.169.254/'), 'url'), /metadata address/);
    await checkResolvedAddress(new URL('http://127.0.0.1:1/'), 'url');
  });
});
