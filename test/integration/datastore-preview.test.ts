/**
 * Browsing a datastore and previewing its files through the real server, and what a hostile caller would
 * try: `..` and its percent-encoded spellings, a symbolic link out of the datastore (as a file and as a
 * folder), a huge file (the preview reads only its head, so it answers at once), a made-up page token,
 * and a Reader, who may see that a datastore exists but not what it holds.
 */
import assert from 'node:assert/strict';
import {
  closeSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  rmSync,
  symlinkSync,
  writeFileSync,
  ftruncateSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { parquetWriteBuffer } from 'hyparquet-writer';
import { raw, type RawReply } from '../helpers/security-http.ts';
import {
  principalWithRole,
  startAttackServer,
  type AttackServer,
  type RolePrincipal,
} from '../helpers/security-principals.ts';

let server: AttackServer;
let scratch: string;
let reader: RolePrincipal;

interface Listing {
  path: string;
  value: { name: string; path: string; kind: string; size?: number }[];
  nextLink: string | null;
}
interface Preview {
  format: string;
  columns: string[];
  rows: unknown[][];
  truncated: boolean;
  totalRows?: number;
}

const store = () => `${server.ws}/datastores/files`;

async function get(path: string, who?: RolePrincipal): Promise<RawReply> {
  const headers = who ? await who.header(path) : await server.owner(path);
  return raw(server.url, { method: 'GET', path, headers });
}

function message(reply: RawReply): string {
  return (reply.json as { error?: { message?: string } } | undefined)?.error?.message ?? reply.text;
}

before(async () => {
  scratch = mkdtempSync(join(tmpdir(), 'nightshift-preview-'));
  const root = join(scratch, 'allowed', 'files');
  const outside = join(scratch, 'outside');
  mkdirSync(join(root, 'data', 'sub'), { recursive: true });
  mkdirSync(join(root, 'empty-looking', 'deep'), { recursive: true });
  mkdirSync(outside);
  writeFileSync(join(outside, 'secret.csv'), 'secret\nhunter2\n');
  writeFileSync(join(root, 'data', 'a.csv'), 'id,name\n1,one\n2,two\n3,three\n');
  writeFileSync(join(root, 'data', 'rows.jsonl'), '{"x":1,"y":"a"}\n{"x":2,"z":true}\n');
  writeFileSync(join(root, 'data', 'notes.bin'), 'binary');
  writeFileSync(join(root, 'data', 'sub', 'b.csv'), 'b\n1\n');
  writeFileSync(join(root, 'empty-looking', 'deep', 'c.csv'), 'c\n');
  const parquet = parquetWriteBuffer({
    columnData: [
      { name: 'id', data: Array.from({ length: 120 }, (_, i) => i), type: 'INT32' },
      { name: 'label', data: Array.from({ length: 120 }, (_, i) => `r${String(i)}`), type: 'STRING' },
    ],
  });
  writeFileSync(join(root, 'data', 't.parquet'), Buffer.from(parquet));
  // 8 GiB, almost all of it a hole: reading it whole would take minutes; its head is a real CSV.
  const huge = openSync(join(root, 'huge.csv'), 'w');
  writeFileSync(huge, `a,b\n${'1,2\n'.repeat(1000)}`);
  ftruncateSync(huge, 8 * 1024 ** 3);
  closeSync(huge);
  symlinkSync(join(outside, 'secret.csv'), join(root, 'data', 'leak.csv'));
  symlinkSync(outside, join(root, 'outdir'));

  server = await startAttackServer('127.0.0.1', { NIGHTSHIFT_DATASTORE_ROOTS: join(scratch, 'allowed') });
  const put = await raw(server.url, {
    method: 'PUT',
    path: `${store()}?api-version=2024-04-01`,
    headers: { ...(await server.owner(store())), 'content-type': 'application/json' },
    body: JSON.stringify({ properties: { datastoreType: 'LocalFolder', path: root } }),
  });
  assert.equal(put.status, 201, put.text);
  reader = await principalWithRole(server, 'Reader');
});

after(async () => {
  await server.stop();
  rmSync(scratch, { recursive: true, force: true });
});

void describe('folders', () => {
  it('lists one level: folders first, then files with sizes; links out are left out', async () => {
    const root = await get(`${store()}/folders`);
    assert.equal(root.status, 200, root.text);
    const body = root.json as Listing;
    assert.deepEqual(
      body.value.map((e) => `${e.kind}:${e.name}`),
      ['folder:data', 'folder:empty-looking', 'file:huge.csv'],
    );
    const data = (await get(`${store()}/folders?path=data`)).json as Listing;
    assert.deepEqual(
      data.value.map((e) => e.path),
      ['data/sub', 'data/a.csv', 'data/notes.bin', 'data/rows.jsonl', 'data/t.parquet'],
    );
    assert.equal(data.value[1]?.size, 28);
    assert.equal(data.nextLink, null);
  });

  it('pages with $top and a nextLink that carries on where the page stopped', async () => {
    const seen: string[] = [];
    let next: string | null = `${store()}/folders?path=data&$top=2`;
    while (next !== null) {
      const reply = await get(next);
      assert.equal(reply.status, 200, reply.text);
      const page = reply.json as Listing;
      assert.ok(page.value.length <= 2);
      seen.push(...page.value.map((e) => e.name));
      next = page.nextLink;
    }
    assert.deepEqual(seen, ['sub', 'a.csv', 'notes.bin', 'rows.jsonl', 't.parquet']);
  });

  it('refuses a file, a missing folder, a link out, .. and a made-up page token', async () => {
    assert.equal((await get(`${store()}/folders?path=data/a.csv`)).status, 400);
    assert.equal((await get(`${store()}/folders?path=nope`)).status, 404);
    const out = await get(`${store()}/folders?path=outdir`);
    assert.equal(out.status, 400, out.text);
    assert.match(message(out), /outside the datastore/);
    for (const path of ['..', 'data/../..', '%2e%2e', '%2E%2E%2Fdata', 'data%2F..%2F..']) {
      const reply = await get(`${store()}/folders?path=${path}`);
      assert.equal(reply.status, 400, `${path}: ${reply.text}`);
      assert.match(message(reply), /'\.\.' is not allowed/);
    }
    const token = await get(`${store()}/folders?$skipToken=garbage`);
    assert.equal(token.status, 400);
    assert.match(message(token), /\$skipToken/);
  });
});

void describe('preview', () => {
  it('shows the first rows of a CSV, a JSON Lines and a Parquet file', async () => {
    const csv = (await get(`${store()}/preview/data/a.csv?rows=2`)).json as Preview;
    assert.deepEqual(csv.columns, ['id', 'name']);
    assert.deepEqual(csv.rows, [
      ['1', 'one'],
      ['2', 'two'],
    ]);
    assert.equal(csv.truncated, true);
    const jsonl = (await get(`${store()}/preview/data/rows.jsonl`)).json as Preview;
    assert.deepEqual(jsonl.columns, ['x', 'y', 'z']);
    assert.deepEqual(jsonl.rows[1], [2, null, true]);
    const parquet = (await get(`${store()}/preview/data/t.parquet?rows=5`)).json as Preview;
    assert.equal(parquet.format, 'parquet');
    assert.deepEqual(parquet.columns, ['id', 'label']);
    assert.deepEqual(parquet.rows[4], [4, 'r4']);
    assert.equal(parquet.totalRows, 120);
  });

  it('reads only the head of a huge file', async () => {
    const started = Date.now();
    const reply = await get(`${store()}/preview/huge.csv?rows=3`);
    assert.equal(reply.status, 200, reply.text);
    const body = reply.json as Preview;
    assert.deepEqual(body.rows, [
      ['1', '2'],
      ['1', '2'],
      ['1', '2'],
    ]);
    assert.equal(body.truncated, true);
    assert.ok(Date.now() - started < 5000, `took ${String(Date.now() - started)} ms`);
  });

  it('refuses a folder, an unknown format, a missing file and too many rows', async () => {
    assert.equal((await get(`${store()}/preview/data`)).status, 400);
    const bin = await get(`${store()}/preview/data/notes.bin`);
    assert.equal(bin.status, 400);
    assert.match(message(bin), /download it/);
    assert.equal((await get(`${store()}/preview/data/none.csv`)).status, 404);
    assert.equal((await get(`${store()}/preview/data/a.csv?rows=100000`)).status, 400);
  });

  it('never follows a link or a dot segment out of the datastore', async () => {
    const leak = await get(`${store()}/preview/data/leak.csv`);
    assert.equal(leak.status, 400, leak.text);
    assert.match(message(leak), /outside the datastore/);
    for (const path of [
      'data/../../outside/secret.csv',
      '%2e%2e/%2e%2e/outside/secret.csv',
      'data/%2E%2E/%2E%2E/outside/secret.csv',
      '..%2f..%2foutside%2fsecret.csv',
      'outdir/secret.csv',
      'data/%2e%2e%5c%2e%2e%5coutside%5csecret.csv',
    ]) {
      const reply = await get(`${store()}/preview/${path}`);
      assert.notEqual(reply.status, 200, path);
      assert.ok(!reply.text.includes('hunter2'), path);
    }
  });

  it('is refused to a Reader, who may list datastores but not read their contents', async () => {
    assert.equal((await get(`${server.ws}/datastores`, reader)).status, 200);
    for (const path of [`${store()}/folders`, `${store()}/preview/data/a.csv`]) {
      const reply = await get(path, reader);
      assert.equal(reply.status, 403, `${path}: ${reply.text}`);
      assert.match(message(reply), /datastores\/paths\/read/);
    }
  });
});
