import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, realpathSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkDatastoreRoot, type RootPolicy } from './allowed-roots.ts';

function setUp(t: { after: (fn: () => void) => void }) {
  const dir = realpathSync(mkdtempSync(join(tmpdir(), 'ns-roots-')));
  t.after(() => {
    rmSync(dir, { recursive: true, force: true });
  });
  const dataDir = join(dir, 'data');
  const allowed = join(dir, 'allowed');
  for (const folder of [
    'data/keys',
    'data/datastores/workspaceartifactstore/models',
    'data/datastores/mine',
  ]) {
    mkdirSync(join(dir, folder), { recursive: true });
  }
  mkdirSync(join(allowed, 'inputs'), { recursive: true });
  mkdirSync(join(dir, 'elsewhere'));
  const policy = (allow: string[]): RootPolicy => ({
    allowed: allow,
    dataDir,
    builtins: ['workspaceblobstore', 'workspaceartifactstore'].map((b) => join(dataDir, 'datastores', b)),
  });
  return { dir, dataDir, allowed, policy };
}

const where = { subject: "'properties.path' X", field: 'properties.path' };
const refused = (pattern: RegExp) => ({ status: 400, message: pattern });

test('a folder under an allowed root is accepted, and its real path returned', async (t) => {
  const { allowed, dataDir, policy } = setUp(t);
  const inputs = join(allowed, 'inputs');
  assert.equal(await checkDatastoreRoot(inputs, policy([allowed]), where), inputs);
  assert.equal(await checkDatastoreRoot(allowed, policy([allowed]), where), allowed);
  const mine = join(dataDir, 'datastores', 'mine');
  assert.equal(await checkDatastoreRoot(mine, policy([join(dataDir, 'datastores')]), where), mine);
});

test('a folder outside every allowed root names the roots and the flag that adds one', async (t) => {
  const { dir, allowed, policy } = setUp(t);
  await assert.rejects(
    checkDatastoreRoot(join(dir, 'elsewhere'), policy([allowed]), where),
    refused(
      new RegExp(`not under a folder this server allows .*allowed: ${allowed}\\).*--datastore-root DIR`),
    ),
  );
  await assert.rejects(
    checkDatastoreRoot(join(dir, 'missing'), policy([allowed]), where),
    refused(/create it first/),
  );
});

test("the data dir, its parents, its insides and the system's folders are refused even when / is allowed", async (t) => {
  const { dir, dataDir, policy } = setUp(t);
  const everything = policy(['/']);
  const never = /never allowed as a datastore, whatever roots the server allows/;
  await assert.rejects(checkDatastoreRoot(dataDir, everything, where), refused(/is the server's data dir/));
  await assert.rejects(checkDatastoreRoot(dir, everything, where), refused(/contains the server's data dir/));
  await assert.rejects(checkDatastoreRoot('/', everything, where), refused(/contains the server's data dir/));
  await assert.rejects(
    checkDatastoreRoot(join(dataDir, 'keys'), everything, where),
    refused(/inside the server's data dir/),
  );
  await assert.rejects(
    checkDatastoreRoot(join(dataDir, 'datastores'), everything, where),
    refused(/inside the server's data dir/),
  );
  await assert.rejects(
    checkDatastoreRoot(join(dataDir, 'datastores/workspaceartifactstore/models'), everything, where),
    refused(/overlaps a built-in datastore/),
  );
  await assert.rejects(
    checkDatastoreRoot('/etc', everything, where),
    refused(/system folder \(under \/etc\)/),
  );
  await assert.rejects(
    checkDatastoreRoot('/proc/self', everything, where),
    refused(/system folder \(under \/proc\)/),
  );
  await assert.rejects(checkDatastoreRoot('/etc', everything, where), refused(never));
});

test('a link under an allowed root is judged by where it leads', async (t) => {
  const { dir, dataDir, allowed, policy } = setUp(t);
  symlinkSync(dataDir, join(allowed, 'to-data'));
  symlinkSync(join(dir, 'elsewhere'), join(allowed, 'to-elsewhere'));
  await assert.rejects(
    checkDatastoreRoot(join(allowed, 'to-data'), policy([allowed]), where),
    refused(new RegExp(`\\(really ${dataDir}\\) is the server's data dir`)),
  );
  await assert.rejects(
    checkDatastoreRoot(join(allowed, 'to-elsewhere'), policy([allowed]), where),
    refused(/not under a folder this server allows/),
  );
});
