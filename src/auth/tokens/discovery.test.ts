// Discovery documents and tenant URLs laid out like Entra ID's.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { discoveryDocument, issuerFor, tenantEndpoints } from './discovery.ts';
import { ValidationError } from '../../core/errors.ts';

test('v1 discovery points at the v1 token endpoint and the v1 issuer with its trailing slash', () => {
  const doc = discoveryDocument({ baseUrl: 'http://localhost:8080/', tenantId: 'contoso', version: '1.0' });
  assert.equal(doc.issuer, 'http://localhost:8080/contoso/');
  assert.equal(doc.token_endpoint, 'http://localhost:8080/contoso/oauth2/token');
  assert.equal(doc.jwks_uri, 'http://localhost:8080/contoso/discovery/keys');
  assert.deepEqual(doc.id_token_signing_alg_values_supported, ['RS256']);
  assert.ok(doc.response_types_supported.length > 0);
  assert.ok(doc.subject_types_supported.length > 0);
  assert.ok(doc.claims_supported.includes('appid'));
});

test('v2 discovery points at the v2 token endpoint and issuer', () => {
  const doc = discoveryDocument({ baseUrl: 'https://ns.example', tenantId: 'contoso', version: '2.0' });
  assert.equal(doc.issuer, 'https://ns.example/contoso/v2.0');
  assert.equal(doc.token_endpoint, 'https://ns.example/contoso/oauth2/v2.0/token');
  assert.equal(doc.jwks_uri, 'https://ns.example/contoso/discovery/v2.0/keys');
  assert.equal(issuerFor('https://ns.example', 'contoso', '2.0'), doc.issuer);
  assert.ok(doc.claims_supported.includes('azp'));
});

test('tenant endpoints list both token endpoints and both discovery URLs', () => {
  const urls = tenantEndpoints('http://h', 't1');
  assert.equal(urls.tokenEndpointV1, 'http://h/t1/oauth2/token');
  assert.equal(urls.tokenEndpointV2, 'http://h/t1/oauth2/v2.0/token');
  assert.equal(urls.discoveryV1, 'http://h/t1/.well-known/openid-configuration');
  assert.equal(urls.discoveryV2, 'http://h/t1/v2.0/.well-known/openid-configuration');
});

test('a tenant id that could escape its path segment is refused', () => {
  for (const bad of ['', '../x', 'a/b', 'a?b']) {
    assert.throws(() => tenantEndpoints('http://h', bad), ValidationError, bad);
  }
});
