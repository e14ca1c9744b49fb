/**
 * Datastores as a boundary, through the real server: a local-folder datastore must lie under a root the
 * operator allowed at `serve` and never over the data dir; symbolic links inside any datastore (the
 * built-in blob store included, where job outputs land) never lead a read, an upload, a listing, a model or
 * code registration or a job input outside it; and YAML aliases in a conda file are a 400.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Nightshift, datastoreUri, type ErrorBody } from '../helpers/jobs.ts';
import { startServer, type TestServer } from '../helpers/server.ts';

let server: TestServer;
let ns: Nightshift;
let scratch: string;
let allowed: string;
let outside: string;

before(async () => {
  scratch = mkdtempSync(join(tmpdir(), 'nightshift-containment-'));
  allowed = join(scratch, 'allowed');
  outside = join(scratch, 'outside');
  mkdirSync(join(allowed, 'store', 'model'), { recursive: true });
  mkdirSync(outside);
  writeFileSync(join(outside, 'secret.txt'), 'secret');
  server = await startServer({ env: { NIGHTSHIFT_DATASTORE_ROOTS: allowed } });
  ns = await Nightshift.connect(server.url);
});

after(async () => {
  await server.stop();
  rmSync(scratch, { recursive: true, force: true });
});

const putStore = (name: string, path: string) =>
  ns.request<ErrorBody>('PUT', `${ns.ws}/datastores/${name}`, {
    json: { properties: { datastoreType: 'LocalFolder', path } },
  });

function refused(reply: { status: number; body: ErrorBody; text: string }, pattern: RegExp): void {
  assert.equal(reply.status, 400, reply.text.slice(0, 300));
  assert.match(reply.body.error.message, pattern);
}

const paths = (store: string, path: string) => `${ns.ws}/datastores/${store}/paths/${path}`;

void describe('local-folder datastores are a host privilege', () => {
  void it('accepts a folder under an allowed root and refuses one elsewhere, naming the roots and the flag', async () => {
    assert.equal((await putStore('local', join(allowed, 'store'))).status, 201);
    mkdirSync(join(scratch, 'elsewhere'));
    refused(
      await putStore('elsewhere', join(scratch, 'elsewhere')),
      new RegExp(`'properties.path' .* not under a folder this server allows .*${allowed}.*--datastore-root`),
    );
  });

  void it('refuses the data dir, its parents and insides and system folders, through links too', async () => {
    const never = /never allowed as a datastore, whatever roots the server allows/;
    refused(await putStore('datadir', server.dataDir), /is the server's data dir/);
    refused(await putStore('root', '/'), never);
    refused(await putStore('keys', join(server.dataDir, 'keys')), /inside the server's data dir/);
    refused(await putStore('etc', '/etc'), /not under a folder this server allows|system folder/);
    symlinkSync(server.dataDir, join(allowed, 'to-data'));
    refused(await putStore('linked', join(allowed, 'to-data')), /\(really .*\) is the server's data dir/);
    const credentials = await ns.request('GET', paths('linked', 'credentials.json'));
    assert.equal(credentials.status, 404, credentials.text);
  });
});

void describe('symbolic links never lead out of a datastore', () => {
  before(() => {
    const store = join(allowed, 'store');
    mkdirSync(join(store, 'in', 'sub'), { recursive: true });
    writeFileSync(join(store, 'in', 'ok.txt'), 'ok');
    symlinkSync(join(outside, 'secret.txt'), join(store, 'in', 'leak.txt'));
    symlinkSync(outside, join(store, 'in', 'sub', 'outdir'));
    symlinkSync(outside, join(store, 'outdir'));
    writeFileSync(join(store, 'model', 'model.onnx'), 'not really onnx');
    symlinkSync(join(outside, 'secret.txt'), join(store, 'model', 'stolen.txt'));
    symlinkSync(outside, join(store, 'model', 'more'));
  });

  void it('refuses reads and uploads through a link and leaves links out of listings', async () => {
    const outsideMessage = /outside the datastore's folder/;
    refused(await ns.request<ErrorBody>('GET', paths('local', 'in/leak.txt')), outsideMessage);
    refused(await ns.request<ErrorBody>('GET', paths('local', 'outdir/secret.txt')), outsideMessage);
    refused(
      await ns.request<ErrorBody>('PUT', paths('local', 'outdir/planted.txt'), { raw: 'x' }),
      outsideMessage,
    );
    assert.deepEqual(readdirSync(outside), ['secret.txt']);
    const listing = await ns.ok<{ value: { path: string }[] }>('GET', paths('local', 'in'));
    assert.deepEqual(
      listing.value.map((f) => f.path),
      ['in/ok.txt'],
    );
  });

  // A scoring script can leave a link in its output folder; downloading it must not serve the target.
  void it('refuses a link planted in the built-in blob store', async () => {
    const blob = join(server.dataDir, 'datastores', 'workspaceblobstore');
    mkdirSync(join(blob, 'outputs'), { recursive: true });
    symlinkSync(join(server.dataDir, 'credentials.json'), join(blob, 'outputs', 'predictions.csv'));
    refused(
      await ns.request<ErrorBody>('GET', paths('workspaceblobstore', 'outputs/predictions.csv')),
      /outside the datastore's folder/,
    );
  });

  void it('copies no linked file into a registered model, and refuses a model that is a link out', async () => {
    await ns.ok('PUT', `${ns.ws}/models/contained/versions/1`, {
      json: { properties: { modelUri: 'azureml://datastores/local/paths/model' } },
    });
    const copy = await ns.ok<{ value: { path: string }[] }>(
      'GET',
      paths('workspaceartifactstore', 'models/contained/1'),
    );
    assert.deepEqual(
      copy.value.map((f) => f.path),
      ['models/contained/1/model/model.onnx'],
    );
    const leak = await ns.request<ErrorBody>('PUT', `${ns.ws}/models/leak/versions/1`, {
      json: { properties: { modelUri: 'azureml://datastores/local/paths/model/stolen.txt' } },
    });
    refused(leak, /outside the datastore's folder/);
  });

  void it('refuses a job whose input goes through a link out', async () => {
    const { scoringUri } = await ns.deploy({ script: 'strings.ts' });
    const reply = await ns.invoke(scoringUri, {
      properties: {
        InputData: { data: { JobInputType: 'UriFolder', Uri: datastoreUri('outdir', 'local') } },
      },
    });
    assert.equal(reply.status, 400, reply.text.slice(0, 300));
    assert.match(reply.text, /outside the datastore's folder/);
  });
});

void describe('a datastore made before its root was withdrawn', () => {
  void it('stops working after a restart without that root, naming the datastore and the flag', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'nightshift-withdrawn-'));
    mkdirSync(join(scratch, 'allowed', 'old'));
    const first = await startServer({ dataDir, env: { NIGHTSHIFT_DATASTORE_ROOTS: allowed } });
    try {
      const made = await first.call('PUT', `${first.ws}/datastores/old`, {
        properties: { datastoreType: 'LocalFolder', path: join(allowed, 'old') },
      });
      assert.equal(made.status, 201, JSON.stringify(made.body));
    } finally {
      await first.stop();
    }
    const second = await startServer({ dataDir });
    try {
      const read = await second.call('GET', `${second.ws}/datastores/old/paths/any.csv`);
      assert.equal(read.status, 400, JSON.stringify(read.body));
      assert.match(
        JSON.stringify(read.body),
        /Datastore 'old' .*not under a folder this server allows.*--datastore-root/,
      );
      assert.ok(existsSync(join(allowed, 'old')));
    } finally {
      await second.stop();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});

void describe('YAML in a conda file', () => {
  void it('refuses a self-referencing alias at deployment creation with a 400', async () => {
    const env = await ns.request('PUT', `${ns.ws}/environments/aliased/versions/1`, {
      json: { properties: { image: 'python:3.11', condaFile: 'a: &a [*a]\ndependencies: *a\n' } },
    });
    assert.equal(env.status, 201, env.text);
    const endpoint = 'alias-check';
    await ns.createEndpoint(endpoint);
    const code = await ns.registerScript({ file: 'score.py', source: 'def init():\n  pass\n' });
    const model = await ns.registerModel();
    const reply = await ns.request<ErrorBody>('PUT', `${ns.ws}/batchEndpoints/${endpoint}/deployments/main`, {
      json: {
        properties: {
          model: { assetId: model },
          codeConfiguration: { codeId: code[0], scoringScript: code[1] },
          environmentId: 'azureml:aliased:1',
        },
      },
    });
    refused(reply, /conda file is not valid YAML: .*refers to its own anchor/);
  });
});
