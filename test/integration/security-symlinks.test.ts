/**
 * Symlinks inside a datastore must not lead out of it (issue 10: the containment check was lexical only).
 * Links that point outside the datastore root (at another folder, at one file, at the data dir with
 * `credentials.json`, at the signing keys) are placed in `workspaceblobstore` as a scoring script or
 * anyone with a shell on the host could place them; then reads, folder listings, uploads, job inputs, job
 * outputs and model/code registration through them are refused with 400 and audited, and nothing
 * outside the root is read or written.
 */
import assert from 'node:assert/strict';
import {
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { datastoreUri, folderBody, Nightshift, TERMINAL, type JobView } from '../helpers/jobs.ts';
import { errorCode, expectAudited, raw, type RawReply } from '../helpers/security-http.ts';
import { startAttackServer, type AttackServer } from '../helpers/security-principals.ts';

const OUTSIDE_SECRET = `outside-${Math.random().toString(36).slice(2)}`;

describe('symlinks do not escape a datastore', () => {
  let server: AttackServer;
  let ns: Nightshift;
  let outside: string;
  let scoringUri: string;
  const paths = () => `${server.ws}/datastores/workspaceblobstore/paths`;

  async function owner(method: string, path: string, body?: string, type = 'application/octet-stream') {
    return raw(server.url, {
      method,
      path,
      headers: { ...(await server.owner(path)), ...(body === undefined ? {} : { 'content-type': type }) },
      ...(body === undefined ? {} : { body }),
    });
  }

  /** Expects 400 UserError and an audit entry for the call. */
  async function refused(method: string, path: string, body?: string, type?: string): Promise<RawReply> {
    const since = new Date().toISOString();
    const reply = await owner(method, path, body, type);
    const label = `${method} ${path} -> ${reply.status} ${reply.text.slice(0, 300)}`;
    assert.equal(reply.status, 400, label);
    assert.equal(errorCode(reply.json), 'UserError', label);
    assert.ok(!reply.text.includes(OUTSIDE_SECRET), label);
    await expectAudited(server.url, await server.owner('/nightshift/auditLogs'), {
      method,
      path,
      status: 400,
      since,
    });
    return reply;
  }

  before(async () => {
    server = await startAttackServer();
    ns = await Nightshift.connect(server.url);
    ({ scoringUri } = await ns.deploy({ script: 'strings.ts' }));
    outside = mkdtempSync(join(tmpdir(), 'nightshift-outside-'));
    writeFileSync(join(outside, 'outside-secret.txt'), OUTSIDE_SECRET);
    const links = join(server.dataDir, 'datastores', 'workspaceblobstore', 'links');
    mkdirSync(links, { recursive: true });
    symlinkSync(outside, join(links, 'escape-dir'));
    symlinkSync(join(outside, 'outside-secret.txt'), join(links, 'escape-file.txt'));
    symlinkSync(server.dataDir, join(links, 'escape-data'));
    symlinkSync(join(server.dataDir, 'keys'), join(links, 'escape-keys'));
  });

  after(async () => {
    await server.stop();
    rmSync(outside, { recursive: true, force: true });
  });

  it('reads and listings through a link are refused', async () => {
    await refused('GET', `${paths()}/links/escape-file.txt`);
    await refused('GET', `${paths()}/links/escape-dir/outside-secret.txt`);
    await refused('GET', `${paths()}/links/escape-dir`);
    const creds = await refused('GET', `${paths()}/links/escape-data/credentials.json`);
    assert.ok(!creds.text.includes('clientSecret'), creds.text);
    await refused('GET', `${paths()}/links/escape-keys`);
    // Listing the folder that holds the links shows nothing from beyond them.
    const listing = await owner('GET', `${paths()}/links`);
    assert.ok(listing.status === 200 || listing.status === 400, listing.text);
    assert.ok(!/escape-(dir|data|keys)\//.test(listing.text), `listed through a link: ${listing.text}`);
  });

  it('uploads through a link are refused and write nothing outside', async () => {
    await refused('PUT', `${paths()}/links/escape-dir/planted.txt`, 'planted');
    await refused('PUT', `${paths()}/links/escape-file.txt`, 'overwritten');
    await refused('PUT', `${paths()}/links/escape-data/credentials.json`, '{}');
    assert.deepEqual(readdirSync(outside), ['outside-secret.txt']);
    assert.equal(readFileSync(join(outside, 'outside-secret.txt'), 'utf8'), OUTSIDE_SECRET);
    assert.match(readFileSync(join(server.dataDir, 'credentials.json'), 'utf8'), /clientSecret/);
  });

  /** An invoke refused at once (4xx), or a job that ends without completing. */
  async function notRun(reply: { status: number; body: JobView; text: string }): Promise<string> {
    if (reply.status >= 400 && reply.status < 500) return reply.text;
    assert.ok(reply.status === 200 || reply.status === 201, reply.text);
    const done = await ns.waitForJob(reply.body.name);
    assert.ok(TERMINAL.includes(done.properties.status));
    assert.notEqual(done.properties.status, 'Completed', 'a job ran through a link out of its datastore');
    return JSON.stringify(done);
  }

  it('a job output through a link writes nothing outside', async () => {
    await ns.uploadFiles('inputs/symlinks', { 'a.txt': 'a\n' });
    const explicit = await ns.invoke(
      scoringUri,
      folderBody('inputs/symlinks', {
        OutputData: {
          score: { JobOutputType: 'UriFile', Uri: datastoreUri('links/escape-dir/out.csv') },
        },
      }),
    );
    await notRun(explicit);
    // The default output folder is azureml/<job name>; a caller may choose the name.
    const jobsRoot = join(server.dataDir, 'datastores', 'workspaceblobstore', 'azureml');
    mkdirSync(jobsRoot, { recursive: true });
    symlinkSync(outside, join(jobsRoot, 'chosen-name'));
    const named = await ns.invoke(scoringUri, folderBody('inputs/symlinks', { name: 'chosen-name' }));
    await notRun(named);
    assert.deepEqual(readdirSync(outside), ['outside-secret.txt'], 'a job wrote outside its datastore');
  });

  it('a job input through a link reads nothing outside', async () => {
    const reply = await ns.invoke(scoringUri, folderBody('links/escape-data'));
    const seen = await notRun(reply);
    assert.ok(!seen.includes('credentials.json'), seen);
    const keys = await ns.invoke(scoringUri, folderBody('links/escape-keys'));
    await notRun(keys);
  });

  it('a model or code version cannot be registered from a link', async () => {
    const model = `${server.ws}/models/stolen-keys/versions/1`;
    await refused(
      'PUT',
      model,
      JSON.stringify({ properties: { modelUri: datastoreUri('links/escape-keys') } }),
      'application/json',
    );
    const code = `${server.ws}/codes/stolen-data/versions/1`;
    await refused(
      'PUT',
      code,
      JSON.stringify({ properties: { codeUri: datastoreUri('links/escape-data') } }),
      'application/json',
    );
    assert.equal((await owner('GET', `${server.ws}/models/stolen-keys`)).status, 404, 'the model exists');
    assert.equal((await owner('GET', `${server.ws}/codes/stolen-data`)).status, 404, 'the code exists');
  });
});
