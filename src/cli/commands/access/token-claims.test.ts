import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CliError } from '../../client.ts';
import { accessTokenView, clientIdOf, decodeTokenClaims, localTimeText } from './token-claims.ts';

function jwt(payload: unknown): string {
  const part = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
  return `${part({ alg: 'RS256', typ: 'JWT' })}.${part(payload)}.c2lnbmF0dXJl`;
}

void describe('decodeTokenClaims', () => {
  void it('reads the string claims and exp, leaving out claims of other types', () => {
    const claims = decodeTokenClaims(
      jwt({ aud: 'https://ml.azure.com', tid: 'nightshift', appid: 'app-1', oid: 7, exp: 1700000000 }),
    );
    assert.deepEqual(claims, {
      aud: 'https://ml.azure.com',
      tid: 'nightshift',
      appid: 'app-1',
      exp: 1700000000,
    });
  });

  void it('refuses text that is not a JWT, saying why', () => {
    assert.throws(() => decodeTokenClaims('opaque-token'), /three dot-separated parts/);
    assert.throws(() => decodeTokenClaims('a.!!!.c'), /not base64url JSON/);
    assert.throws(
      () => decodeTokenClaims(jwt([1, 2])),
      (error: unknown) => error instanceof CliError && /not a JSON object/.test(error.message),
    );
  });
});

void describe('clientIdOf', () => {
  void it('takes appid from v1 tokens and azp from v2 tokens', () => {
    assert.equal(clientIdOf({ appid: 'v1-app' }), 'v1-app');
    assert.equal(clientIdOf({ azp: 'v2-app' }), 'v2-app');
    assert.equal(clientIdOf({}), undefined);
  });
});

void describe('localTimeText', () => {
  void it("prints local time in az's format, which reads back as the same instant", () => {
    const epoch = 1767225600; // 2026-01-01T00:00:00Z
    const text = localTimeText(epoch);
    assert.match(text, /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}\.000000$/);
    // Without a zone, Date reads the text as local time: the round trip holds in any time zone.
    assert.equal(new Date(text.slice(0, 19).replace(' ', 'T')).getTime(), epoch * 1000);
  });

  void it('keeps milliseconds as microseconds', () => {
    assert.match(localTimeText(1767225600.25), /\.250000$/);
  });
});

void describe('accessTokenView', () => {
  void it("prints az's get-access-token fields, the tenant taken from the token", () => {
    const token = jwt({ tid: 'contoso', exp: 1767225600 });
    assert.deepEqual(accessTokenView(token, 'nightshift'), {
      accessToken: token,
      expiresOn: localTimeText(1767225600),
      expires_on: 1767225600,
      tokenType: 'Bearer',
      tenant: 'contoso',
    });
  });

  void it('falls back to the given tenant and refuses a token without exp', () => {
    assert.equal(accessTokenView(jwt({ exp: 1 }), 'nightshift').tenant, 'nightshift');
    assert.throws(() => accessTokenView(jwt({ tid: 't' }), 'nightshift'), /no 'exp' claim/);
  });
});
