/**
 * S3 datastores through the real server and CLI, against s3rver: the ARM body and the YAML register a
 * bucket with an access key; the secret access key is sealed at rest and comes back only from listSecrets,
 * which Owner and Contributor may call and Reader may not, and whose calls are audited without it; a wrong
 * key id, a wrong secret, a missing bucket or an endpoint nobody listens on is a 400 naming the datastore,
 * the operation and S3's code, and nothing is saved; the datastore's file routes read and write the bucket.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { createServer as createHttpServer } from 'node:http';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { GetObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { s3ClientOf, type S3Connection } from '../../src/storage/s3/s3.ts';
import { servicePrincipalTokens } from '../helpers/auth.ts';
import { jsonOf, runCli, writeFileIn } from '../helpers/cli.ts';
import { Nightshift, type ErrorBody } from '../helpers/jobs.ts';
import { S3RVER_REGION, startS3rver, type S3rver } from '../helpers/s3rver.ts';
import { startServer, type TestServer } from '../helpers/server.ts';

const BUCKET = 'scoring-data';
const ML = 'Microsoft.MachineLearningServices/workspaces';

let s3: S3rver;
let server: TestServer;
let ns: Nightshift;
let scratch: string;
let direct: S3Connection;
/** Every response body and CLI output of the file but listSecrets' own, searched for the secret at the end. */
const seen: string[] = [];

before(async () => {
  s3 = await startS3rver([BUCKET]);
  direct = { bucket: BUCKET, region: S3RVER_REGION, endpoint: s3.endpoint, credentials: s3.credentials };
  const client = s3ClientOf(direct);
  await client.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'seed/in.csv', Body: 'a,b\n1,2\n' }));
  client.destroy();
  scratch = mkdtempSync(join(tmpdir(), 'nightshift-s3-'));
  server = await startServer();
  ns = await Nightshift.connect(server.url);
});

after(async () => {
  await server.stop();
  await s3.stop();
  rmSync(scratch, { recursive: true, force: true });
});

const s3Body = (overrides: Record<string, unknown> = {}, credentials?: Record<string, unknown>) => ({
  properties: {
    datastoreType: 'S3',
    bucket: BUCKET,
    endpoint: s3.endpoint,
    region: S3RVER_REGION,
    credentials: {
      credentialsType: 'AccessKey',
      accessKeyId: s3.credentials.accessKeyId,
      secrets: { secretsType: 'AccessKey', secretAccessKey: s3.credentials.secretAccessKey },
      ...credentials,
    },
    ...overrides,
  },
});

async function call<T = unknown>(method: string, path: string, json?: unknown, raw?: string) {
  const reply = await ns.request<T>(method, path, {
    ...(json === undefined ? {} : { json }),
    ...(raw === undefined ? {} : { raw }),
  });
  seen.push(reply.text);
  return reply;
}

async function cli(...args: string[]) {
  const result = await runCli(args, { server: server.url });
  seen.push(result.stdout, result.stderr);
  return result;
}

const store = (name: string) => `${ns.ws}/datastores/${name}`;

void describe('an S3 datastore with an access key (REST)', () => {
  it('is created with the ARM body and shown with its credentials type only', async () => {
    const created = await call('PUT', store('s3key'), s3Body());
    assert.equal(created.status, 201, created.text);
    const shown = await call<{ properties: Record<string, unknown> }>('GET', store('s3key'));
    assert.equal(shown.status, 200, shown.text);
    assert.deepEqual(
      { ...shown.body.properties, tags: undefined, description: undefined },
      {
        datastoreType: 'S3',
        bucket: BUCKET,
        region: S3RVER_REGION,
        endpoint: s3.endpoint,
        credentials: { credentialsType: 'AccessKey' },
        isDefault: false,
        tags: undefined,
        description: undefined,
      },
    );
  });

  it("reads and writes the bucket through the datastore's file routes", async () => {
    const read = await call('GET', `${store('s3key')}/paths/seed/in.csv`);
    assert.equal(read.status, 200, read.text);
    assert.equal(read.text, 'a,b\n1,2\n');
    const put = await call('PUT', `${store('s3key')}/paths/up/new.csv`, undefined, 'x\n3\n');
    assert.equal(put.status, 201, put.text);
    const client = s3ClientOf(direct);
    const object = await client.send(new GetObjectCommand({ Bucket: BUCKET, Key: 'up/new.csv' }));
    assert.equal(await object.Body?.transformToString(), 'x\n3\n');
    client.destroy();
    const listing = await call<{ value: { path: string; etag?: string }[] }>(
      'GET',
      `${store('s3key')}/paths/up`,
    );
    assert.deepEqual(
      listing.body.value.map((f) => f.path),
      ['up/new.csv'],
    );
    assert.match(listing.body.value[0]?.etag ?? '', /^"[0-9a-f]{32}"$/);
    assert.equal((await call('GET', `${store('s3key')}/paths/up/nope.csv`)).status, 404);
  });
});

void describe('checked at creation: nothing is saved when the bucket cannot be read', () => {
  async function refusedWith(name: string, body: unknown, code: RegExp): Promise<void> {
    const reply = await call<ErrorBody>('PUT', store(name), body);
    assert.equal(reply.status, 400, reply.text);
    const message = reply.body.error.message;
    assert.match(message, new RegExp(`^Datastore '${name}': listing bucket '[^']+' at `));
    assert.match(message, code);
    assert.equal((await call('GET', store(name))).status, 404);
  }

  it('a wrong access key id is InvalidAccessKeyId', async () => {
    await refusedWith('wrongid', s3Body({}, { accessKeyId: 'NOSUCHKEY' }), /InvalidAccessKeyId \(HTTP 403\)/);
  });

  // s3rver does not check SigV4 signatures; a server answering as AWS does to a wrong secret stands in.
  it('a wrong secret is SignatureDoesNotMatch', async () => {
    const aws = createHttpServer((_req, res) => {
      res.writeHead(403, { 'content-type': 'application/xml' });
      res.end(
        '<?xml version="1.0" encoding="UTF-8"?><Error><Code>SignatureDoesNotMatch</Code><Message>The ' +
          'request signature we calculated does not match the signature you provided.</Message></Error>',
      );
    });
    await new Promise<void>((resolve) => aws.listen(0, '127.0.0.1', resolve));
    const { port } = aws.address() as AddressInfo;
    try {
      const body = s3Body(
        { endpoint: `http://127.0.0.1:${String(port)}` },
        { secrets: { secretAccessKey: 'x' } },
      );
      await refusedWith('wrongsecret', body, /SignatureDoesNotMatch \(HTTP 403\)/);
    } finally {
      await new Promise((resolve) => aws.close(resolve));
    }
  });

  it('a missing bucket is NoSuchBucket', async () => {
    await refusedWith('nobucket', s3Body({ bucket: 'not-there' }), /NoSuchBucket \(HTTP 404\)/);
  });

  it('an endpoint nobody listens on is refused with the connection error', async () => {
    const endpoint = `http://127.0.0.1:${String(await closedPort())}`;
    await refusedWith('unreachable', s3Body({ endpoint }), /ECONNREFUSED/);
  });

  it('bad fields are 400s naming the field and the fix', async () => {
    const cases: [Record<string, unknown>, RegExp][] = [
      [s3Body({ bucket: 'No_Such' }), /'properties\.bucket' 'No_Such' is not an S3 bucket name/],
      [s3Body({ bucket: '' }), /'properties\.bucket' is required/],
      [s3Body({ endpoint: 'ftp://x' }), /'properties\.endpoint' must be the full URL/],
      [s3Body({ endpoint: 'http://me:pw@127.0.0.1:1' }), /must not carry credentials/],
      [s3Body({}, { secrets: {} }), /'properties\.credentials\.secrets\.secretAccessKey' is required/],
      [s3Body({}, { accessKeyId: '' }), /'properties\.credentials\.accessKeyId' is required/],
      [s3Body({ credentials: { credentialsType: 'Sas' } }), /properties\.credentials\.credentialsType/],
    ];
    for (const [body, pattern] of cases) {
      const reply = await call<ErrorBody>('PUT', store('badfields'), body);
      assert.equal(reply.status, 400, reply.text);
      assert.match(reply.body.error.message, pattern);
    }
    assert.equal((await call('GET', store('badfields'))).status, 404);
  });

  it("without credentials the server's own AWS identity is used, and its absence is refused", async () => {
    const reply = await call<ErrorBody>(
      'PUT',
      store('noidentity'),
      s3Body({ credentials: { credentialsType: 'None' } }),
    );
    assert.equal(reply.status, 400, reply.text);
    assert.match(reply.body.error.message, /^Datastore 'noidentity': listing bucket .* failed with \w+/);
    assert.match(reply.body.error.message, /the server's own AWS identity/);
  });
});

void describe('the YAML through the CLI', () => {
  it('creates the datastore, shows and lists it with the credentials type only', async () => {
    const yaml = writeFileIn(
      scratch,
      's3.yml',
      [
        'name: s3yaml',
        'type: s3',
        `bucket: ${BUCKET}`,
        `endpoint: ${s3.endpoint}`,
        `region: ${S3RVER_REGION}`,
        'credentials:',
        `  access_key_id: ${s3.credentials.accessKeyId}`,
        `  secret_access_key: ${s3.credentials.secretAccessKey}`,
        '',
      ].join('\n'),
    );
    const created = await cli('datastore', 'create', '-f', yaml, '-o', 'json');
    assert.equal(created.code, 0, created.stderr);
    assert.deepEqual(jsonOf(created), {
      name: 's3yaml',
      id: `${ns.ws}/datastores/s3yaml`,
      type: 's3',
      bucket: BUCKET,
      region: S3RVER_REGION,
      endpoint: s3.endpoint,
      credentials: { type: 'access_key' },
      description: '',
      tags: {},
      is_default: false,
    });
    const table = await cli('datastore', 'list', '-o', 'table');
    assert.equal(table.code, 0, table.stderr);
    assert.match(table.stdout, new RegExp(`\\ns3yaml\\s+s3\\s+s3://${BUCKET}\\s+access_key\\n`));
  });

  it('a YAML with half a key is refused naming the field, before any request', async () => {
    const yaml = writeFileIn(
      scratch,
      'half.yml',
      `name: half\ntype: s3\nbucket: b-b\ncredentials:\n  access_key_id: K\n`,
    );
    const refused = await cli('datastore', 'create', '-f', yaml);
    assert.notEqual(refused.code, 0);
    assert.match(refused.stderr, /credentials\.secret_access_key.*is required/s);
  });
});

void describe('listSecrets', () => {
  async function principal(name: string, role: string) {
    const created = await server.call('POST', '/nightshift/servicePrincipals', { displayName: name });
    const sp = created.body as { appId: string; password: string };
    const grant = await server.call('POST', '/nightshift/roleAssignments', {
      assignee: sp.appId,
      role,
      scope: server.ws,
    });
    assert.equal(grant.status, 201, JSON.stringify(grant.body));
    return ns.as(servicePrincipalTokens(server.url, sp.appId, sp.password));
  }

  it("gives Owner and Contributor the secret in Azure's shape, refuses Reader, and is audited", async () => {
    const path = `${store('s3key')}/listSecrets`;
    const expected = { secretsType: 'AccessKey', secretAccessKey: s3.credentials.secretAccessKey };
    const owner = await ns.request('POST', path);
    assert.equal(owner.status, 200, owner.text);
    assert.deepEqual(owner.body, expected);
    const contributor = await (await principal('contributor', 'Contributor')).request('POST', path);
    assert.deepEqual(contributor.body, expected);
    const reader = await (await principal('reader', 'Reader')).request('POST', path);
    seen.push(reader.text);
    assert.equal(reader.status, 403, reader.text);
    assert.match(reader.text, new RegExp(`${ML}/datastores/listsecrets/action`));
    const local = await call<ErrorBody>('POST', `${store('workspaceblobstore')}/listSecrets`);
    assert.equal(local.status, 400, local.text);
    assert.match(local.body.error.message, /has no secrets/);
    const audit = await server.call('GET', '/nightshift/auditLogs');
    const rows = (audit.body as { value: { path: string; action: string; result: string }[] }).value.filter(
      (row) => row.path.endsWith('/datastores/s3key/listSecrets'),
    );
    assert.deepEqual(rows.map((r) => [r.action, r.result]).sort(), [
      [`${ML}/datastores/listsecrets/action`, 'Denied'],
      [`${ML}/datastores/listsecrets/action`, 'Succeeded'],
      [`${ML}/datastores/listsecrets/action`, 'Succeeded'],
    ]);
  });

  it('nightshift datastore list-secrets prints it for the owner', async () => {
    const result = await runCli(['datastore', 'list-secrets', '-n', 's3yaml', '-o', 'json'], {
      server: server.url,
    });
    assert.equal(result.code, 0, result.stderr);
    assert.deepEqual(jsonOf(result), {
      name: 's3yaml',
      secrets_type: 'AccessKey',
      secret_access_key: s3.credentials.secretAccessKey,
    });
  });
});

void describe('secrets stay secret', () => {
  it('no other answer, CLI output or audit entry holds the secret access key; the store holds it sealed', async () => {
    const audit = await server.call('GET', '/nightshift/auditLogs');
    const auditText = JSON.stringify(audit.body);
    assert.match(auditText, /datastores\/s3key/, 'the audit log records the datastore calls');
    const secret = s3.credentials.secretAccessKey;
    for (const text of [...seen, auditText]) {
      assert.ok(!text.includes(secret), `the secret access key leaked in: ${text.slice(0, 300)}`);
    }
    for (const file of readdirSync(server.dataDir).filter((f) => f.startsWith('metadata.db'))) {
      const bytes = readFileSync(join(server.dataDir, file)).toString('latin1');
      assert.ok(!bytes.includes(secret), `${file} holds the secret access key in clear`);
    }
  });
});

/** A port nothing listens on: bound by this process, then closed. */
async function closedPort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const address = probe.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  await new Promise<void>((resolve) =>
    probe.close(() => {
      resolve();
    }),
  );
  return port;
}
