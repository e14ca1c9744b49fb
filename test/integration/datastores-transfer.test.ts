/**
 * `nightshift datastore upload` and `download` through the real server and CLI, on a local datastore and
 * on an Azure Blob datastore over Azurite: a folder goes up recursively and comes back byte for byte, a
 * single file too; existing files are refused without --overwrite; a '..' in --dest or --path is refused
 * before anything moves; and a hostile server whose listing names paths outside the requested folder, or
 * climbing out of the download folder, gets nothing written anywhere.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { containerClientOf } from '../../src/storage/azure-blob/connection.ts';
import { DEV_ACCOUNT, DEV_KEY, startAzurite, type Azurite } from '../helpers/azurite.ts';
import { jsonOf, runCli, writeFileIn } from '../helpers/cli.ts';
import { Nightshift } from '../helpers/jobs.ts';
import { startServer, type TestServer } from '../helpers/server.ts';

let azurite: Azurite;
let server: TestServer;
let scratch: string;
const TREE = { 'a.csv': 'x,y\n1,2\n', 'sub/b.csv': 'x,y\n3,4\n', 'sub/deeper/c.txt': 'c' };

before(async () => {
  azurite = await startAzurite();
  await containerClientOf({
    accountName: DEV_ACCOUNT,
    containerName: 'transfers',
    endpoint: azurite.accountUrl,
    credential: { accountKey: DEV_KEY },
  }).create();
  server = await startServer();
  const ns = await Nightshift.connect(server.url);
  await ns.ok('PUT', `${ns.ws}/datastores/blobtx`, {
    json: {
      properties: {
        datastoreType: 'AzureBlob',
        accountName: DEV_ACCOUNT,
        containerName: 'transfers',
        endpoint: azurite.accountUrl,
        credentials: { credentialsType: 'AccountKey', secrets: { key: DEV_KEY } },
      },
    },
  });
  scratch = mkdtempSync(join(tmpdir(), 'nightshift-transfer-'));
  for (const [name, text] of Object.entries(TREE)) writeFileIn(join(scratch, 'src', 'batch'), name, text);
});

after(async () => {
  await server.stop();
  await azurite.stop();
  rmSync(scratch, { recursive: true, force: true });
});

const cli = (...args: string[]) => runCli(args, { server: server.url });

for (const store of ['workspaceblobstore', 'blobtx']) {
  describe(`datastore upload and download on ${store}`, () => {
    it('uploads a folder recursively and downloads it back, byte for byte', async () => {
      const up = await cli(
        'datastore',
        'upload',
        '-n',
        store,
        '--src',
        join(scratch, 'src', 'batch'),
        '--dest',
        'in/2026',
      );
      assert.deepEqual(jsonOf(up), {
        datastore: store,
        uri: `azureml://datastores/${store}/paths/in/2026/batch`,
        files: 3,
        bytes: 17,
      });
      assert.equal(up.stderr, '', 'no progress bar without a terminal');
      const dest = join(scratch, `down-${store}`);
      const down = await cli('datastore', 'download', '-n', store, '--path', 'in/2026/batch', '--dest', dest);
      assert.equal((jsonOf(down) as { downloaded: string[] }).downloaded.length, 3);
      for (const [name, text] of Object.entries(TREE))
        assert.equal(readFileSync(join(dest, 'batch', name), 'utf8'), text, name);
      const one = await cli(
        'datastore',
        'download',
        '-n',
        store,
        '--path',
        'in/2026/batch/sub/b.csv',
        '--dest',
        dest,
      );
      assert.equal(one.code, 0, one.stderr);
      assert.equal(readFileSync(join(dest, 'b.csv'), 'utf8'), TREE['sub/b.csv']);
    });

    it('refuses to replace existing files unless --overwrite, and uploads one file', async () => {
      const src = join(scratch, 'src', 'batch');
      const again = await cli('datastore', 'upload', '-n', store, '--src', src, '--dest', 'in/2026');
      assert.notEqual(again.code, 0);
      assert.match(again.stderr, /3 file\(s\) already exist.*in\/2026\/batch\/a\.csv.*--overwrite/);
      const forced = await cli(
        'datastore',
        'upload',
        '-n',
        store,
        '--src',
        src,
        '--dest',
        'in/2026',
        '--overwrite',
      );
      assert.equal(forced.code, 0, forced.stderr);
      const file = await cli('datastore', 'upload', '-n', store, '--src', join(src, 'a.csv'));
      assert.equal((jsonOf(file) as { uri: string }).uri, `azureml://datastores/${store}/paths/a.csv`);
      const fileAgain = await cli('datastore', 'upload', '-n', store, '--src', join(src, 'a.csv'));
      assert.match(fileAgain.stderr, /1 file\(s\) already exist.*\(a\.csv\).*--overwrite/);
    });

    it("refuses '..' in --dest and --path before anything moves", async () => {
      const up = await cli(
        'datastore',
        'upload',
        '-n',
        store,
        '--src',
        join(scratch, 'src', 'batch'),
        '--dest',
        '../../escape',
      );
      assert.equal(up.code, 2);
      assert.match(up.stderr, /--dest: .*'\.\.' is not allowed/);
      const down = await cli(
        'datastore',
        'download',
        '-n',
        store,
        '--path',
        'in/../../etc',
        '--dest',
        join(scratch, 'x'),
      );
      assert.equal(down.code, 2);
      assert.match(down.stderr, /--path: .*'\.\.' is not allowed/);
      assert.ok(!existsSync(join(scratch, 'x')));
    });
  });
}

describe('download from a hostile server', () => {
  let hostile: Server;
  let url: string;
  let listing: { path: string; size: number }[] = [];

  before(async () => {
    hostile = createServer((req, res) => {
      if (req.url === '/info') {
        res
          .writeHead(200, { 'content-type': 'application/json' })
          .end(JSON.stringify({ workspaceId: '/ws' }));
      } else if (req.url === '/ws/datastores/evil/paths/folder') {
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ value: listing }));
      } else {
        res.writeHead(200, { 'content-type': 'application/octet-stream' }).end('pwned');
      }
    });
    await new Promise<void>((resolve) => hostile.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(hostile.address() as AddressInfo).port}`;
  });

  after(async () => {
    hostile.closeAllConnections();
    await new Promise<void>((resolve) => {
      hostile.close(() => {
        resolve();
      });
    });
  });

  it('writes nothing when a listed name climbs out of the download folder or the requested folder', async () => {
    const attempts: [string, RegExp][] = [
      ['folder/../../../outside.txt', /outside the download folder/],
      ['folder/..\\..\\..\\outside.txt', /outside the download folder/],
      ['other/secret.txt', /not under 'folder'/],
      ['/etc/passwd', /not under 'folder'/],
    ];
    for (const [path, message] of attempts) {
      listing = [
        { path: 'folder/fine.txt', size: 5 },
        { path, size: 5 },
      ];
      const dest = join(scratch, 'hostile', 'dest');
      const result = await runCli(
        ['datastore', 'download', '-n', 'evil', '--path', 'folder', '--dest', dest],
        {
          server: url,
        },
      );
      assert.notEqual(result.code, 0, path);
      assert.match(result.stderr, message, path);
      assert.ok(!existsSync(join(scratch, 'hostile')), `${path}: something was written`);
      assert.deepEqual(
        readdirSync(scratch).filter((n) => n.includes('outside')),
        [],
      );
    }
  });
});
