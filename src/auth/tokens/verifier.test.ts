// Issue → verify round trips, and every refusal of the verifier built as a hand-made attack token.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac, generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import { issueToken, type IssueTokenRequest } from './issuer.ts';
import { verifyToken, keysFromJwks, type VerifyOptions } from './verifier.ts';
import { AuthenticationError, type AuthenticationErrorCode } from '../errors.ts';
import { ValidationError } from '../../core/errors.ts';

const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const other = generateKeyPairSync('rsa', { modulusLength: 2048 });
const KID = 'key-1';
const NOW = Date.parse('2026-03-01T12:00:00Z');
const ISSUER = 'http://localhost:8080/tenant-1/';
const ML = 'https://ml.azure.com';

const request: IssueTokenRequest = {
  subject: 'oid-1',
  objectId: 'oid-1',
  appId: 'app-1',
  tenantId: 'tenant-1',
  audience: ML,
  issuer: ISSUER,
  name: 'scorer',
  idType: 'app',
  lifetimeSeconds: 3600,
  roles: ['Batch Endpoint Invoker'],
};

function options(overrides: Partial<VerifyOptions> = {}): VerifyOptions {
  return {
    keys: (kid) => (kid === KID ? publicKey : undefined),
    audiences: [ML],
    issuers: [ISSUER],
    now: () => NOW,
    ...overrides,
  };
}

async function issue(overrides: Partial<IssueTokenRequest> = {}, at = NOW): Promise<string> {
  return (await issueToken({ ...request, ...overrides }, { key: { kid: KID, privateKey }, now: () => at }))
    .accessToken;
}

const b64 = (value: unknown): string => Buffer.from(JSON.stringify(value)).toString('base64url');

/** A JWS over arbitrary header and claims, signed RS256 with `key`. */
function forge(header: unknown, claims: unknown, key: KeyObject = privateKey): string {
  const input = `${b64(header)}.${b64(claims)}`;
  return `${input}.${sign('sha256', Buffer.from(input), key).toString('base64url')}`;
}

const validClaims = {
  aud: ML,
  iss: ISSUER,
  sub: 's',
  iat: NOW / 1000,
  nbf: NOW / 1000,
  exp: NOW / 1000 + 3600,
};

async function refused(
  token: string | Promise<string>,
  code: AuthenticationErrorCode,
  message?: RegExp,
  opts = options(),
): Promise<void> {
  await assert.rejects(
    async () => verifyToken(await token, opts),
    (error: unknown) => {
      assert.ok(error instanceof AuthenticationError, `expected AuthenticationError, got ${String(error)}`);
      assert.equal(error.code, code);
      assert.equal(error.status, 401);
      if (message) assert.match(error.message, message);
      return true;
    },
  );
}

test('an issued token verifies and carries Entra-shaped claims', async () => {
  const issued = await issueToken(request, { key: { kid: KID, privateKey }, now: () => NOW });
  assert.equal(issued.tokenType, 'Bearer');
  assert.equal(issued.expiresIn, 3600);
  assert.equal(issued.expiresOn, String(NOW / 1000 + 3600));
  assert.equal(issued.resource, ML);
  assert.match(issued.accessToken, /^[\w-]+\.[\w-]+\.[\w-]+$/, 'base64url without padding');

  const [headerPart] = issued.accessToken.split('.');
  assert.deepEqual(JSON.parse(Buffer.from(headerPart ?? '', 'base64url').toString()), {
    alg: 'RS256',
    typ: 'JWT',
    kid: KID,
  });
  const claims = await verifyToken(issued.accessToken, options());
  assert.equal(claims.aud, ML);
  assert.equal(claims.iss, ISSUER);
  assert.equal(claims.sub, 'oid-1');
  assert.equal(claims.oid, 'oid-1');
  assert.equal(claims.tid, 'tenant-1');
  assert.equal(claims.appid, 'app-1');
  assert.equal(claims.azp, undefined);
  assert.equal(claims.ver, '1.0');
  assert.equal(claims.idtyp, 'app');
  assert.equal(claims.name, 'scorer');
  assert.deepEqual(claims.roles, ['Batch Endpoint Invoker']);
  assert.equal(claims.iat, NOW / 1000);
  assert.equal(claims.nbf, NOW / 1000);
  assert.equal(claims.exp, NOW / 1000 + 3600);
  assert.equal(typeof claims.uti, 'string');
  assert.deepEqual(issued.claims, claims);
});

test('v2 tokens use azp and ver 2.0; user tokens say idtyp user; managed identities say app', async () => {
  const v2Issuer = 'http://localhost:8080/tenant-1/v2.0';
  const v2 = await verifyToken(await issue({ issuer: v2Issuer }), options({ issuers: [v2Issuer] }));
  assert.equal(v2.ver, '2.0');
  assert.equal(v2.azp, 'app-1');
  assert.equal(v2.appid, undefined);
  assert.equal((await verifyToken(await issue({ idType: 'user' }), options())).idtyp, 'user');
  assert.equal((await verifyToken(await issue({ idType: 'managedIdentity' }), options())).idtyp, 'app');
});

test('the audience matches with or without one trailing slash, either side', async () => {
  assert.ok(await verifyToken(await issue({ audience: `${ML}/` }), options()));
  assert.ok(await verifyToken(await issue(), options({ audiences: [`${ML}/`] })));
});

test('clock skew: a token just expired or not yet valid within the skew is accepted', async () => {
  const token = await issue({}, NOW);
  assert.ok(await verifyToken(token, options({ now: () => NOW + 3600_000 + 299_000 })));
  assert.ok(await verifyToken(token, options({ now: () => NOW - 299_000 })));
  assert.ok(await verifyToken(token, options({ now: () => NOW + 3601_000, clockSkewSeconds: 5 })));
});

test('issuing refuses nonsense input', async () => {
  const signer = { key: { kid: KID, privateKey } };
  await assert.rejects(issueToken({ ...request, lifetimeSeconds: 0 }, signer), ValidationError);
  await assert.rejects(issueToken({ ...request, lifetimeSeconds: 1.5 }, signer), ValidationError);
  await assert.rejects(issueToken({ ...request, audience: '' }, signer), /audience must not be empty/);
});

test('refused: garbage and malformed tokens', async () => {
  await refused('garbage', 'InvalidToken', /1 dot-separated part/);
  await refused('', 'InvalidToken');
  await refused('a.b.c.d', 'InvalidToken', /4 dot-separated/);
  await refused('!!!.e30.e30', 'InvalidToken', /header is not base64url/);
  await refused(`${b64({ alg: 'RS256', kid: KID })}=.${b64(validClaims)}.AAAA`, 'InvalidToken', /header/);
  await refused(
    `${Buffer.from('not json').toString('base64url')}.e30.AAAA`,
    'InvalidToken',
    /header is not JSON/,
  );
  await refused(`${b64([1, 2])}.e30.AAAA`, 'InvalidToken', /header is not a JSON object/);
  await refused(
    `${b64({ alg: 'RS256', kid: KID })}.${b64('claims')}.AAAA`,
    'InvalidToken',
    /payload is not a JSON object/,
  );
  await refused(`${b64({ alg: 'RS256', kid: KID })}.${b64(validClaims)}.a+b/`, 'InvalidToken', /signature/);
  await refused(forge({ alg: 'RS256', kid: KID, crit: ['exp'] }, validClaims), 'InvalidToken', /crit/);
  await refused(forge({ alg: 'RS256', kid: KID }, { ...validClaims, exp: undefined }), 'InvalidToken', /exp/);
  await refused(forge({ alg: 'RS256', kid: KID }, { ...validClaims, nbf: 'soon' }), 'InvalidToken', /nbf/);
});

test('refused: a second spelling of a valid signature (non-canonical base64url trailing bits)', async () => {
  const token = await issue();
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
  // A 256-byte signature ends in a character whose low 4 bits carry no data.
  const last = alphabet.indexOf(token.slice(-1));
  const twin = alphabet[(last & 0x30) | ((last + 1) & 0x0f)] ?? '';
  const signature = token.split('.')[2] ?? '';
  const twinSignature = signature.slice(0, -1) + twin;
  assert.notEqual(twinSignature, signature);
  assert.deepEqual(
    Buffer.from(twinSignature, 'base64url'),
    Buffer.from(signature, 'base64url'),
    "same bytes under Node's lenient decoder",
  );
  await refused(token.slice(0, -1) + twin, 'InvalidToken', /signature is not base64url/);
});

test('refused: alg none with an empty signature', async () => {
  const token = `${b64({ alg: 'none', typ: 'JWT', kid: KID })}.${b64(validClaims)}.`;
  await refused(token, 'UnsupportedAlgorithm', /'none'; only RS256/);
  await refused(
    `${b64({ typ: 'JWT', kid: KID })}.${b64(validClaims)}.`,
    'UnsupportedAlgorithm',
    /no algorithm/,
  );
});

test('refused: HS256 signed with the public key as the HMAC secret', async () => {
  const secret = publicKey.export({ format: 'pem', type: 'spki' });
  const input = `${b64({ alg: 'HS256', typ: 'JWT', kid: KID })}.${b64(validClaims)}`;
  const mac = createHmac('sha256', secret).update(input).digest('base64url');
  await refused(`${input}.${mac}`, 'UnsupportedAlgorithm', /'HS256'/);
});

test('refused: missing or unknown kid', async () => {
  await refused(forge({ alg: 'RS256', typ: 'JWT' }, validClaims), 'UnknownKey', /no key id/);
  await refused(
    forge({ alg: 'RS256', typ: 'JWT', kid: 'nobody' }, validClaims),
    'UnknownKey',
    /'nobody'.*unknown/,
  );
});

test('refused: a token signed by another key under a known kid', async () => {
  await refused(
    forge({ alg: 'RS256', typ: 'JWT', kid: KID }, validClaims, other.privateKey),
    'InvalidSignature',
  );
});

test('refused: a tampered payload', async () => {
  const [header, , signature] = (await issue()).split('.');
  const claims = await verifyToken(await issue(), options());
  const tampered = `${header ?? ''}.${b64({ ...claims, oid: 'someone-else' })}.${signature ?? ''}`;
  await refused(tampered, 'InvalidSignature', /altered or signed by someone else/);
});

test('refused: a key of the wrong type from the lookup', async () => {
  const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  await refused(
    issue(),
    'UnsupportedAlgorithm',
    /not an RSA public key/,
    options({ keys: () => ec.publicKey }),
  );
});

test('refused: expired, beyond the skew', async () => {
  const token = issue({ lifetimeSeconds: 60 }, NOW - 2 * 3600_000);
  await refused(token, 'TokenExpired', /expired at 2026-03-01T10:01:00.000Z/);
});

test('refused: not yet valid, beyond the skew', async () => {
  const token = issue({}, NOW + 301_000);
  await refused(token, 'TokenNotYetValid', /not valid before/);
});

test('refused: the wrong audience, naming what was found and what is accepted', async () => {
  await refused(
    issue({ audience: 'https://management.azure.com' }),
    'InvalidAudience',
    /audience 'https:\/\/management.azure.com' is not accepted here; request a token for https:\/\/ml.azure.com/,
  );
  await refused(
    forge({ alg: 'RS256', kid: KID }, { ...validClaims, aud: undefined }),
    'InvalidAudience',
    /no audience/,
  );
  // A slash is ignored once, not any number of times or any other difference.
  await refused(issue({ audience: `${ML}//` }), 'InvalidAudience');
  await refused(issue({ audience: 'https://ml.azure.com.evil' }), 'InvalidAudience');
});

test('audience arrays are accepted when one entry matches', async () => {
  const token = forge({ alg: 'RS256', kid: KID }, { ...validClaims, aud: ['api://other', ML] });
  assert.ok(await verifyToken(token, options()));
});

test('refused: the wrong issuer', async () => {
  await refused(
    issue({ issuer: 'https://evil.example/tenant-1/' }),
    'InvalidIssuer',
    /'https:\/\/evil.example\/tenant-1\/'/,
  );
  await refused(
    forge({ alg: 'RS256', kid: KID }, { ...validClaims, iss: undefined }),
    'InvalidIssuer',
    /missing/,
  );
});

test('keysFromJwks skips keys that must never verify anything', async () => {
  const jwk = (key: KeyObject) => key.export({ format: 'jwk' });
  const small = generateKeyPairSync('rsa', { modulusLength: 1024 });
  const lookup = keysFromJwks({
    keys: [
      { ...jwk(publicKey), kid: 'good', use: 'sig', alg: 'RS256' },
      { ...jwk(other.publicKey), kid: 'enc', use: 'enc' },
      { ...jwk(other.publicKey), kid: 'hs', alg: 'HS256' },
      { ...jwk(small.publicKey), kid: 'small' },
      { kty: 'oct', k: 'c2VjcmV0', kid: 'oct' },
      { kty: 'RSA', n: 'x', e: 'AQAB', kid: 'broken' },
      'junk',
    ],
  });
  assert.ok(await lookup('good'));
  for (const kid of ['enc', 'hs', 'small', 'oct', 'broken']) assert.equal(await lookup(kid), undefined, kid);
  assert.equal(await keysFromJwks(null)('good'), undefined);
  assert.ok(await verifyToken(await issue(), options({ keys: (kid) => lookup(kid === KID ? 'good' : kid) })));
});
