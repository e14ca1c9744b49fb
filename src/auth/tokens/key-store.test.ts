// Key store: first-use creation, file mode, rotation keeping old kids verifiable, retirement, public JWKS.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KeyStore } from './key-store.ts';
import { issueToken } from './issuer.ts';
import { keysFromJwks, verifyToken } from './verifier.ts';
import { AuthenticationError, KeyStoreError } from '../errors.ts';

const HOUR = 60 * 60 * 1000;

async function withDir(run: (dir: string) => Promise<void>): Promise<void> {
  const root = await mkdtemp(join(tmpdir(), 'nightshift-keys-'));
  try {
    await run(join(root, 'keys'));
  } finally {
    await rm(root, { recursive: true, force: true });
  }
}

async function tokenFor(store: KeyStore, now: () => number): Promise<string> {
  const issued = await issueToken(
    {
      subject: 's',
      objectId: 'o',
      tenantId: 't',
      audience: 'https://ml.azure.com',
      issuer: 'http://localhost/t/',
      idType: 'app',
      lifetimeSeconds: 3600,
    },
    { key: store.current(), now },
  );
  return issued.accessToken;
}

function verifyWith(store: KeyStore, token: string, now: () => number) {
  return verifyToken(token, {
    keys: (kid) => store.publicKey(kid),
    audiences: ['https://ml.azure.com'],
    issuers: ['http://localhost/t/'],
    now,
  });
}

test('the first open creates one key, owner-only, and a second open loads the same key', async () => {
  await withDir(async (dir) => {
    const store = await KeyStore.open({ dir });
    const files = await readdir(dir);
    assert.deepEqual(files, [`${store.current().kid}.json`]);
    const file = join(dir, files[0] ?? '');
    assert.equal((await stat(file)).mode & 0o777, 0o600);
    const saved = JSON.parse(await readFile(file, 'utf8')) as {
      kid: string;
      createdAt: string;
      jwk: { d?: string };
    };
    assert.equal(saved.kid, store.current().kid);
    assert.ok(typeof saved.jwk.d === 'string', 'the private key is kept');
    assert.ok(!Number.isNaN(Date.parse(saved.createdAt)));

    const again = await KeyStore.open({ dir });
    assert.equal(again.current().kid, store.current().kid);
  });
});

test('rotation keeps tokens already issued valid and signs new ones with the new kid', async () => {
  await withDir(async (dir) => {
    let clock = Date.parse('2026-01-01T00:00:00Z');
    const now = () => clock;
    const store = await KeyStore.open({ dir, now, retireAfterMs: 2 * HOUR });
    const oldKid = store.current().kid;
    const oldToken = await tokenFor(store, now);

    clock += 10 * 60 * 1000;
    const rotated = await store.rotate();
    assert.notEqual(rotated.kid, oldKid);
    assert.equal(store.current().kid, rotated.kid);
    assert.equal((await verifyWith(store, oldToken, now)).sub, 's');

    const newToken = await tokenFor(store, now);
    const header = JSON.parse(Buffer.from(newToken.split('.')[0] ?? '', 'base64url').toString()) as {
      kid: string;
    };
    assert.equal(header.kid, rotated.kid);
    assert.equal((await verifyWith(store, newToken, now)).sub, 's');

    // A fresh process sees both keys, newest current.
    const reopened = await KeyStore.open({ dir, now, retireAfterMs: 2 * HOUR });
    assert.equal(reopened.current().kid, rotated.kid);
    assert.ok(reopened.byKid(oldKid));
    assert.deepEqual(
      reopened
        .jwks()
        .keys.map((k) => k.kid)
        .sort(),
      [oldKid, rotated.kid].sort(),
    );
  });
});

test('after the retirement age an old kid is unknown, and its file is deleted at the next rotation', async () => {
  await withDir(async (dir) => {
    let clock = Date.parse('2026-01-01T00:00:00Z');
    const now = () => clock;
    const store = await KeyStore.open({ dir, now, retireAfterMs: HOUR });
    const oldKid = store.current().kid;
    const oldToken = await tokenFor(store, now);
    clock += 60 * 1000;
    await store.rotate();

    clock += HOUR - 1;
    assert.ok(store.byKid(oldKid), 'still verifiable just before retirement');
    clock += 1;
    assert.equal(store.byKid(oldKid), undefined);
    assert.ok(!store.jwks().keys.some((k) => k.kid === oldKid));
    await assert.rejects(
      verifyWith(store, oldToken, () => Date.parse('2026-01-01T00:30:00Z')), // not yet expired
      (error: unknown) => error instanceof AuthenticationError && error.code === 'UnknownKey',
    );

    const newest = await store.rotate();
    const files = await readdir(dir);
    assert.ok(!files.includes(`${oldKid}.json`));
    assert.equal(files.length, 2);
    assert.ok(files.includes(`${newest.kid}.json`));
  });
});

test('the current key never retires, however old', async () => {
  await withDir(async (dir) => {
    let clock = 0;
    const store = await KeyStore.open({ dir, now: () => clock, retireAfterMs: 1 });
    clock += 1000 * HOUR;
    assert.ok(store.byKid(store.current().kid));
    assert.equal(store.jwks().keys.length, 1);
  });
});

test('the JWKS exposes public parts only and works as an external key set', async () => {
  await withDir(async (dir) => {
    const store = await KeyStore.open({ dir });
    await store.rotate();
    const jwks = store.jwks();
    assert.equal(jwks.keys.length, 2);
    for (const jwk of jwks.keys) {
      for (const secret of ['d', 'p', 'q', 'dp', 'dq', 'qi']) assert.ok(!(secret in jwk), `no ${secret}`);
      assert.equal(jwk.kty, 'RSA');
      assert.equal(jwk.use, 'sig');
      assert.equal(jwk.alg, 'RS256');
    }
    // Round trip through JSON, as a client fetching the JWKS over HTTP would.
    const lookup = keysFromJwks(JSON.parse(JSON.stringify(jwks)));
    const token = await tokenFor(store, Date.now);
    const claims = await verifyToken(token, {
      keys: lookup,
      audiences: ['https://ml.azure.com/'],
      issuers: ['http://localhost/t/'],
    });
    assert.equal(claims.oid, 'o');
  });
});

test('concurrent rotations each produce a distinct key, in order', async () => {
  await withDir(async (dir) => {
    const store = await KeyStore.open({ dir, now: () => 1000 });
    const [a, b] = await Promise.all([store.rotate(), store.rotate()]);
    assert.notEqual(a.kid, b.kid);
    assert.equal(store.current().kid, b.kid);
    assert.ok(b.createdAt > a.createdAt);
  });
});

test('a damaged key file is refused with the file name and the fix', async () => {
  await withDir(async (dir) => {
    const store = await KeyStore.open({ dir });
    const file = join(dir, `${store.current().kid}.json`);
    await writeFile(file, '{ not json');
    await assert.rejects(KeyStore.open({ dir }), (error: unknown) => {
      assert.ok(error instanceof KeyStoreError);
      assert.match(error.message, /not valid JSON/);
      assert.ok(error.message.includes(file));
      return true;
    });
    await writeFile(
      file,
      JSON.stringify({ kid: 'someone-else', createdAt: new Date().toISOString(), jwk: {} }),
    );
    await assert.rejects(KeyStore.open({ dir }), KeyStoreError);
  });
});

test('a key file claiming another key kid is refused', async () => {
  await withDir(async (dir) => {
    const store = await KeyStore.open({ dir });
    const file = join(dir, `${store.current().kid}.json`);
    const saved = JSON.parse(await readFile(file, 'utf8')) as Record<string, unknown>;
    await writeFile(file, JSON.stringify({ ...saved, kid: 'forged' }));
    await assert.rejects(KeyStore.open({ dir }), /claims kid 'forged'/);
  });
});

test('servers opening one empty keys dir at once all sign with the same first key', async () => {
  await withDir(async (dir) => {
    const stores = await Promise.all(Array.from({ length: 4 }, () => KeyStore.open({ dir })));
    const kids = new Set(stores.map((store) => store.current().kid));
    assert.equal(kids.size, 1, `every server has the one first key, not ${[...kids].join(', ')}`);
    const files = (await readdir(dir)).filter((name) => name.endsWith('.json'));
    assert.equal(files.length, 1);
  });
});
