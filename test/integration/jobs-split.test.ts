/**
 * Big tabular files split into row ranges, through the real server: a CSV of a few MB whose text column
 * holds quoted newlines, commas, doubled quotes and CRLFs (and blank lines between records) is scored by
 * deployments with `mini_batch_size` "1MB" and "1000 rows", and each output file is byte-for-byte the
 * output of the same file scored whole (same rows, order and row indexes). The manifest names the file
 * once, with the sha256 of the whole file. The same file in an Azure Blob container (Azurite) is scored
 * by ranges fetched with ranged reads, and gives the same bytes too. A bad size names the field and the
 * forms it takes (scoring scripts with a split: jobs-split-scripts.test.ts).
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { containerClientOf } from '../../src/storage/azure-blob/connection.ts';
import { blobDatastoreYaml, DEV_ACCOUNT, DEV_KEY, startAzurite, type Azurite } from '../helpers/azurite.ts';
import { runCli, writeFileIn } from '../helpers/cli.ts';
import {
  datastoreUri,
  FIXTURES_DIR,
  type ErrorBody,
  folderBody,
  Nightshift,
  uniqueName,
  type JobView,
} from '../helpers/jobs.ts';
import { startServer, type TestServer } from '../helpers/server.ts';

const ROWS = 12_000;

/** The breast-cancer sample's records, repeated, with a first column of awkward text. */
function bigCsv(): Buffer {
  const sample = readFileSync(join(FIXTURES_DIR, 'data', 'breast-cancer', 'part-0.csv'), 'utf8')
    .trim()
    .split('\n');
  const [header, ...records] = sample;
  const lines = [`note,${header ?? ''}`];
  for (let i = 0; i < ROWS; i++) {
    const notes = [`"line ${i}\nnext, ""quoted""\r\nend"`, `plain ${i}`, `"a,b"`, '""'];
    lines.push(`${notes[i % notes.length] ?? ''},${records[i % records.length] ?? ''}`);
    if (i % 997 === 0) lines.push('');
  }
  return Buffer.from(lines.join('\n') + '\n');
}

let server: TestServer;
let ns: Nightshift;
let model = '';
let csv: Buffer;
const folder = 'inputs/split-big';

async function scored(
  miniBatchSize: number | string,
  input = folder,
  body = folderBody(input),
): Promise<JobView> {
  const { scoringUri } = await ns.deploy({
    model,
    settings: { miniBatchSize, maxConcurrencyPerInstance: 2 },
  });
  const job = await ns.run(scoringUri, body, {}, 120_000);
  assert.equal(
    job.properties.status,
    'Completed',
    job.properties.result ?? JSON.stringify(job.properties.error),
  );
  return job;
}

const output = async (job: JobView) => (await ns.readFile(job.properties.outputData.score.uri)) ?? '';

before(async () => {
  server = await startServer();
  ns = await Nightshift.connect(server.url);
  model = await ns.registerModel({
    localDir: join(FIXTURES_DIR, 'models', 'breast-cancer-rf'),
    modelType: 'mlflow_model',
  });
  csv = bigCsv();
  await ns.upload(`${folder}/big.csv`, csv);
});

after(async () => {
  await server.stop();
});

describe('a big CSV split into row ranges', () => {
  let whole = '';

  before(async () => {
    const job = await scored(1);
    whole = await output(job);
  });

  it('scored whole: one line per record, rows numbered 0.. in the file', () => {
    const lines = whole.trimEnd().split('\n');
    assert.equal(lines.length, ROWS);
    assert.equal(lines[0]?.startsWith('0,'), true);
    assert.equal(lines.at(-1)?.startsWith(`${ROWS - 1},`), true);
    assert.ok(csv.length > 2_500_000, `the CSV is ${csv.length} bytes`);
  });

  it('"1MB" and "1000 rows" give byte-for-byte the same output, and the manifest names the file once', async () => {
    for (const size of ['1MB', '1000 rows']) {
      const job = await scored(size);
      assert.equal(job.properties.miniBatchSize, size);
      assert.equal(await output(job), whole, `the output with mini_batch_size ${size}`);
      assert.equal(job.properties.progress.rows, ROWS);
      const manifest = await ns.manifest(job);
      const sha256 = createHash('sha256').update(csv).digest('hex');
      assert.deepEqual(manifest.input.files, [{ path: `${folder}/big.csv`, size: csv.length, sha256 }]);
    }
    const ranges = await scored('1000 rows');
    assert.equal(ranges.properties.progress.items.total, 12, 'one item per range of 1000 rows');
  });

  it('a size given at invoke splits that job only; a count of files given at invoke scores whole', async () => {
    const { scoringUri } = await ns.deploy({
      model,
      settings: { miniBatchSize: 1, maxConcurrencyPerInstance: 2 },
    });
    const split = await ns.run(scoringUri, folderBody(folder, { miniBatchSize: '2000 rows' }), {}, 120_000);
    assert.equal(split.properties.status, 'Completed', split.properties.result ?? '');
    assert.equal(split.properties.progress.items.total, 6);
    assert.equal(await output(split), whole);
    const bad = await ns.invoke(scoringUri, folderBody(folder, { miniBatchSize: '2000 lines' }));
    assert.equal(bad.status, 400, bad.text);
    assert.match(
      (bad.body as unknown as ErrorBody).error.message,
      /'miniBatchSize' must be a number of files, a size/,
    );
  });

  it('from an Azure Blob container, reading only each range: the same bytes', async () => {
    const azurite: Azurite = await startAzurite();
    const scratch = mkdtempSync(join(tmpdir(), 'nightshift-split-'));
    try {
      const container = containerClientOf({
        accountName: DEV_ACCOUNT,
        containerName: 'split-in',
        endpoint: azurite.accountUrl,
        credential: { accountKey: DEV_KEY },
      });
      await container.create();
      await container.getBlockBlobClient('big/big.csv').upload(csv, csv.length);
      const yaml = writeFileIn(
        scratch,
        'store.yml',
        blobDatastoreYaml('splitin', 'split-in', azurite.accountUrl),
      );
      const created = await runCli(['datastore', 'create', '-f', yaml], { server: server.url });
      assert.equal(created.code, 0, created.stderr);
      const body = {
        properties: {
          InputData: { data: { JobInputType: 'UriFolder', Uri: datastoreUri('big', 'splitin') } },
        },
      };
      const job = await scored('1MB', 'big', body);
      assert.equal(await output(job), whole);
      const manifest = (await ns.manifest(job)) as unknown as { input: { downloads: { bytes: number } } };
      // Each range comes with the file's head only, not the whole file per range.
      assert.ok(manifest.input.downloads.bytes < csv.length * 1.2, JSON.stringify(manifest.input.downloads));
    } finally {
      await azurite.stop();
      rmSync(scratch, { recursive: true, force: true });
    }
  });
});

describe('a rerun of what failed in a split job', () => {
  it('takes over the ranges that succeeded, the file counting as one unchanged input', async () => {
    const lines = readFileSync(join(FIXTURES_DIR, 'data', 'breast-cancer', 'part-0.csv'), 'utf8')
      .trim()
      .split('\n');
    const records = lines.slice(1);
    const rows = Array.from({ length: 3000 }, (_, i) => records[i % records.length] ?? '');
    rows[2500] = rows[2500]?.replace(/^[^,]+/, 'oops') ?? '';
    await ns.upload('inputs/split-rerun/flawed.csv', [lines[0], ...rows].join('\n') + '\n');
    const { scoringUri } = await ns.deploy({ model, settings: { miniBatchSize: '1000 rows' } });
    const parent = await ns.run(scoringUri, folderBody('inputs/split-rerun'), {}, 120_000);
    assert.deepEqual(parent.properties.progress.items, { total: 3, succeeded: 2, failed: 1 });
    const reply = await ns.request<JobView>('POST', `${ns.ws}/jobs/${parent.name}/rerun?failedOnly=true`);
    assert.equal(reply.status, 200, reply.text);
    const rerun = await ns.waitForJob(reply.body.name, 120_000);
    assert.deepEqual(rerun.properties.progress.items, { total: 3, succeeded: 2, failed: 1 });
    assert.equal(await output(rerun), await output(parent));
  });
});

describe('refusals', () => {
  it('a size that is neither a count, a size nor rows is a 400 naming the field', async () => {
    const endpoint = uniqueName('ep');
    await ns.createEndpoint(endpoint);
    const reply = await ns.request('PUT', `${ns.ws}/batchEndpoints/${endpoint}/deployments/nope`, {
      json: { properties: { model: { referenceType: 'Id', assetId: model }, miniBatchSize: '64 parsecs' } },
    });
    assert.equal(reply.status, 400, reply.text);
    const { message } = (reply.body as ErrorBody).error;
    assert.match(message, /properties\.miniBatchSize.*"64MB".*"100000 rows"/);
  });
});
