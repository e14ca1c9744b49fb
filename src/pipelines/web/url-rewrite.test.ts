/** Origin rewriting used to point Entra's authority at Nightshift. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createOriginRewriter, entraAuthorityRewriter } from './url-rewrite.ts';

test('Entra origins map to the authority, keeping path and query', () => {
  const rewrite = entraAuthorityRewriter('http://127.0.0.1:8080');
  assert.equal(
    rewrite(new URL('https://login.microsoftonline.com/t1/oauth2/token?x=1')).toString(),
    'http://127.0.0.1:8080/t1/oauth2/token?x=1',
  );
  assert.equal(
    rewrite(new URL('https://login.windows.net/t1/oauth2/token')).toString(),
    'http://127.0.0.1:8080/t1/oauth2/token',
  );
});

test('a base with a path prefixes it; other origins pass through', () => {
  const rewrite = createOriginRewriter({ 'https://api.example.com': 'http://localhost:9000/proxy/' });
  assert.equal(rewrite(new URL('https://api.example.com/a/b')).toString(), 'http://localhost:9000/proxy/a/b');
  assert.equal(rewrite(new URL('https://other.example.com/a')).toString(), 'https://other.example.com/a');
  assert.equal(rewrite(new URL('http://api.example.com/a')).toString(), 'http://api.example.com/a');
});
