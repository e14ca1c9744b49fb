/**
 * Hostile inputs that were 500s on a5a53a1 (issue 10): an upload sent as JSON or as a form (415: uploads
 * take octet-stream bodies only), a 5,000-character `outputFileName`, `scoringScript` or datastore path
 * (400 naming the field, never ENAMETOOLONG), and a conda file whose YAML alias refers to itself or
 * multiplies (a 4xx, never a 500). Every refusal is audited.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { datastoreUri, Nightshift } from '../helpers/jobs.ts';
import { errorCode, expectAudited, raw, type RawReply } from '../helpers/security-http.ts';
import { startAttackServer, type AttackServer } from '../helpers/security-principals.ts';

const LONG = 'n'.repeat(5000);

describe('hostile inputs are 4xx, not 500', () => {
  let server: AttackServer;
  let ns: Nightshift;
  let endpoint: string;
  let model: string;
  let code: [string, string];
  const upload = (path: string) => `${server.ws}/datastores/workspaceblobstore/paths/${path}`;

  async function send(method: string, path: string, body: string | undefined, type: string | undefined) {
    return raw(server.url, {
      method,
      path,
      headers: { ...(await server.owner(path)), ...(type === undefined ? {} : { 'content-type': type }) },
      ...(body === undefined ? {} : { body }),
    });
  }

  /** Expects `status` with `code` (when given), and an audit entry for the call. */
  async function refused(
    method: string,
    path: string,
    body: string,
    expected: { status: number; code?: string; type?: string },
  ): Promise<RawReply> {
    const since = new Date().toISOString();
    const reply = await send(method, path, body, expected.type ?? 'application/json');
    const label = `${method} ${path.slice(0, 200)} -> ${reply.status} ${reply.text.slice(0, 300)}`;
    assert.equal(reply.status, expected.status, label);
    if (expected.code !== undefined) assert.equal(errorCode(reply.json), expected.code, label);
    await expectAudited(server.url, await server.owner('/nightshift/auditLogs'), {
      method,
      path,
      status: expected.status,
      since,
    });
    return reply;
  }

  /** The field a 400 names: its details' target, or its message. */
  const named = (reply: RawReply) => JSON.stringify((reply.json as { error?: unknown }).error);

  before(async () => {
    server = await startAttackServer();
    ns = await Nightshift.connect(server.url);
    ({ endpoint } = await ns.deploy({ script: 'strings.ts' }));
    await ns.uploadFiles('inputs/hostile', { 'a.txt': 'a\n' });
    model = await ns.registerModel();
    code = await ns.registerScript({
      file: 'score.py',
      source: 'def init():\n    pass\n\ndef run(mb):\n    return mb\n',
    });
  });

  after(async () => {
    await server.stop();
  });

  it('an upload sent as JSON, a form or text is a 415 and stores nothing', async () => {
    const cases: [string, string][] = [
      ['application/json', '{"a":1}'],
      ['application/x-www-form-urlencoded', 'a=1&b=2'],
      [
        'multipart/form-data; boundary=x',
        '--x\r\nContent-Disposition: form-data; name="a"\r\n\r\n1\r\n--x--\r\n',
      ],
      ['text/plain', 'plain'],
    ];
    for (const [i, [type, body]] of cases.entries()) {
      const path = upload(`typed/file${i}.txt`);
      await refused('PUT', path, body, { status: 415, code: 'UnsupportedMediaType', type });
      assert.equal((await send('GET', path, undefined, undefined)).status, 404, `${type} stored a file`);
    }
    for (const [i, type] of ['application/octet-stream', 'binary/octet-stream', undefined].entries()) {
      const reply = await send('PUT', upload(`typed/ok${i}.bin`), 'bytes', type);
      assert.equal(reply.status, 201, `${type ?? 'no content type'}: ${reply.text}`);
    }
  });

  it('a 5,000-character outputFileName is a 400 naming it, at deploy and at invoke', async () => {
    const deployment = await refused(
      'PUT',
      `${server.ws}/batchEndpoints/${endpoint}/deployments/longname`,
      JSON.stringify({
        properties: {
          model: { referenceType: 'Id', assetId: model },
          codeConfiguration: { codeId: code[0], scoringScript: code[1] },
          outputFileName: `${LONG}.csv`,
        },
      }),
      { status: 400, code: 'UserError' },
    );
    assert.match(named(deployment), /outputFileName/);
    const invoke = await refused(
      'POST',
      `/endpoints/${endpoint}/jobs`,
      JSON.stringify({
        properties: {
          InputData: { in: { JobInputType: 'UriFolder', Uri: datastoreUri('inputs/hostile') } },
          outputFileName: `${LONG}.csv`,
        },
      }),
      { status: 400, code: 'UserError' },
    );
    assert.match(named(invoke), /outputFileName/);
  });

  it('a 5,000-character scoringScript is a 400 naming it', async () => {
    const reply = await refused(
      'PUT',
      `${server.ws}/batchEndpoints/${endpoint}/deployments/longscript`,
      JSON.stringify({
        properties: {
          model: { referenceType: 'Id', assetId: model },
          codeConfiguration: { codeId: code[0], scoringScript: `${LONG}.py` },
        },
      }),
      { status: 400, code: 'UserError' },
    );
    assert.match(named(reply), /scoringScript/);
  });

  it('a 5,000-character datastore path is a 400, to upload and to read', async () => {
    await refused('PUT', upload(`long/${LONG}.txt`), 'x', {
      status: 400,
      code: 'UserError',
      type: 'application/octet-stream',
    });
    const read = await send('GET', upload(`long/${LONG}.txt`), undefined, undefined);
    assert.equal(read.status, 400, read.text.slice(0, 300));
    const input = await refused(
      'POST',
      `/endpoints/${endpoint}/jobs`,
      JSON.stringify({
        properties: { InputData: { in: { JobInputType: 'UriFolder', Uri: datastoreUri(`${LONG}/x`) } } },
      }),
      { status: 400, code: 'UserError' },
    );
    assert.match(named(input), /InputData|Uri|path/i);
  });

  const BOMBS: Record<string, string> = {
    'an alias inside its own anchor': 'name: bomb\ndependencies: &deps\n  - python=3.11\n  - *deps\n',
    'a self-referencing mapping': 'name: bomb\ndependencies:\n  - &self {pip: *self}\n',
    'a billion laughs': [
      'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]',
      ...['b', 'c', 'd', 'e', 'f', 'g', 'h', 'i'].map(
        (k, i) =>
          `${k}: &${k} [${Array(9)
            .fill(`*${'abcdefgh'[i] ?? 'a'}`)
            .join(',')}]`,
      ),
      'dependencies: [python=3.11, {pip: *i}]',
      '',
    ].join('\n'),
  };

  it('a conda file with a YAML alias bomb is a 4xx, never a 500', async () => {
    for (const [i, [what, conda]] of Object.entries(BOMBS).entries()) {
      const env = await send(
        'PUT',
        `${server.ws}/environments/bomb${i}/versions/1`,
        JSON.stringify({ properties: { image: 'python:3.11', condaFile: conda } }),
        'application/json',
      );
      assert.ok(env.status < 500, `${what}: environment -> ${env.status} ${env.text}`);
      if (env.status >= 400) continue;
      const path = `${server.ws}/batchEndpoints/${endpoint}/deployments/bomb${i}`;
      const reply = await refused(
        'PUT',
        path,
        JSON.stringify({
          properties: {
            model: { referenceType: 'Id', assetId: model },
            codeConfiguration: { codeId: code[0], scoringScript: code[1] },
            environmentId: `${server.ws}/environments/bomb${i}/versions/1`,
          },
        }),
        { status: 400, code: 'UserError' },
      );
      assert.match(named(reply), /alias|conda/i, what);
    }
  });
});
