/**
 * How a job runs and what it leaves behind, against a real server over REST: Azure's append_row output
 * (an array gives one line per element, a table space-separated rows without a header) at the default
 * location `azureml/{job}/score/predictions.csv`, the manifest.json beside it (model name, version and
 * hash, inputs with size and sha256, counts), Azure's success counting (too few results count as
 * failed items), `summary_only` (counts, no predictions file), the environment a script sees, and
 * `instance_count × max_concurrency_per_instance` workers really running side by side.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { startServer, type TestServer } from '../helpers/server.ts';
import { datastoreUri, folderBody, Nightshift, smallFiles, type Manifest } from '../helpers/jobs.ts';

const PID_SCRIPT = {
  file: 'pids.mjs',
  source: `import { basename } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
export async function run(miniBatch) {
  const start = Date.now();
  await sleep(200);
  return miniBatch.map((file) => [basename(file), process.pid, start, Date.now()].join(' '));
}
`,
};

describe('job execution and outputs', () => {
  let server: TestServer;
  let ns: Nightshift;
  const input = 'inputs/exec';
  const files = smallFiles(5);

  before(async () => {
    server = await startServer();
    ns = await Nightshift.connect(server.url);
    await ns.uploadFiles(input, files);
  });

  after(async () => {
    await server.stop();
  });

  test('a list result: one line per element, at the default location', async () => {
    const { scoringUri } = await ns.deploy({ script: 'strings.ts', settings: { miniBatchSize: 2 } });
    const job = await ns.run(scoringUri, folderBody(input));
    assert.equal(job.properties.status, 'Completed', job.properties.result ?? '');
    const uri = `azureml://datastores/workspaceblobstore/paths/azureml/${job.name}/score/predictions.csv`;
    assert.equal(job.properties.outputData.score.uri, uri);
    const text = await ns.readFile(uri);
    assert.ok(text !== undefined, 'the output file exists');
    assert.ok(text.endsWith('\n'), 'every line ends with a newline');
    assert.deepEqual(
      text.trimEnd().split('\n').sort(),
      Object.entries(files).map(([name, content]) => `${name}: ${content.length}`),
    );
    assert.deepEqual(job.properties.progress.items, { total: 5, succeeded: 5, failed: 0 });
    assert.equal(job.properties.progress.rows, 5);
    assert.deepEqual(job.properties.progress.miniBatches, {
      total: 3,
      pending: 0,
      running: 0,
      succeeded: 3,
      failed: 0,
      canceled: 0,
    });
  });

  test('a table result: space-separated rows, no header, pandas quoting', async () => {
    const { scoringUri } = await ns.deploy({ script: 'table.ts', settings: { miniBatchSize: 5 } });
    const job = await ns.run(scoringUri, folderBody(input));
    assert.equal(job.properties.status, 'Completed', job.properties.result ?? '');
    assert.deepEqual(await ns.outputLines(job), [
      'f000.txt 0 "say ""hi"" there"',
      'f001.txt 1 ',
      'f002.txt 2 ',
      'f003.txt 3 ',
      'f004.txt 4 ',
    ]);
  });

  test('manifest.json beside the output: model, inputs with size and sha256, counts', async () => {
    const model = await ns.registerModel();
    const { scoringUri } = await ns.deploy({ script: 'strings.ts', model, settings: { miniBatchSize: 2 } });
    const job = await ns.run(scoringUri, folderBody(input));
    assert.equal(job.properties.status, 'Completed', job.properties.result ?? '');
    const manifest: Manifest = await ns.manifest(job);
    const [, name = '', version = ''] = model.split(':');
    const registered = await ns.ok<{ properties: { contentHash: string } }>(
      'GET',
      `${ns.ws}/models/${name}/versions/${version}`,
    );
    assert.equal(manifest.job, job.name);
    assert.equal(manifest.status, 'Completed');
    assert.deepEqual(manifest.model, { name, version, contentHash: registered.properties.contentHash });
    assert.match(manifest.model.contentHash, /^[0-9a-f]{64}$/);
    const expectedInputs = Object.entries(files).map(([file, content]) => ({
      path: `${input}/${file}`,
      size: Buffer.byteLength(content),
      sha256: createHash('sha256').update(content).digest('hex'),
    }));
    assert.deepEqual(
      [...manifest.input.files].sort((a, b) => a.path.localeCompare(b.path)),
      expectedInputs,
    );
    assert.equal(manifest.input.uri, datastoreUri(input));
    assert.equal(manifest.output.uri, job.properties.outputData.score.uri);
    assert.equal(manifest.output.written, true);
    assert.deepEqual(manifest.counts.items, { total: 5, succeeded: 5, failed: 0 });
    assert.equal(manifest.counts.miniBatches.total, 3);
  });

  test('too few results: the missing ones count as failed items, the job still completes', async () => {
    const { scoringUri } = await ns.deploy({ script: 'too-few.ts', settings: { miniBatchSize: 3 } });
    const job = await ns.run(scoringUri, folderBody(input));
    // Mini-batches of 3 and 2 files; each returns one row fewer than its files.
    assert.equal(job.properties.status, 'Completed', job.properties.result ?? '');
    assert.deepEqual(job.properties.progress.items, { total: 5, succeeded: 3, failed: 2 });
    assert.equal(job.properties.progress.miniBatches.succeeded, 2);
    assert.equal((await ns.outputLines(job)).length, 3);
    assert.ok(job.properties.error, 'the shortfall is reported');
    assert.match(
      job.properties.error.message,
      /returned 2 result\(s\) for 3 input file\(s\)|returned 1 result\(s\) for 2/,
    );
  });

  test('summary_only: items are counted, no predictions file is written', async () => {
    const { scoringUri } = await ns.deploy({
      script: 'strings.ts',
      settings: { miniBatchSize: 2, outputAction: 'summary_only' },
    });
    const job = await ns.run(scoringUri, folderBody(input));
    assert.equal(job.properties.status, 'Completed', job.properties.result ?? '');
    assert.deepEqual(job.properties.progress.items, { total: 5, succeeded: 5, failed: 0 });
    assert.equal(await ns.readFile(job.properties.outputData.score.uri), undefined, 'no predictions file');
    const manifest = await ns.manifest(job);
    assert.equal(manifest.output.written, false);
    assert.equal(manifest.counts.items.succeeded, 5);
  });

  test('the environment Azure promises a scoring script', async () => {
    const { scoringUri } = await ns.deploy({
      script: 'environment.ts',
      settings: { miniBatchSize: 5, environmentVariables: { NIGHTSHIFT_TEST_VAR: 'from-deployment' } },
    });
    const job = await ns.run(scoringUri, folderBody(input));
    assert.equal(job.properties.status, 'Completed', job.properties.result ?? '');
    const rows = (await ns.outputLines(job)).map(
      (line) => JSON.parse(line) as Record<string, string | undefined>,
    );
    assert.equal(rows.length, 5);
    const row = rows[0] ?? {};
    assert.equal(row.custom, 'from-deployment');
    assert.equal(row.argv, '--logging_level INFO');
    assert.ok(row.modelDir, 'AZUREML_MODEL_DIR is set');
    assert.equal(row.contextModelDir, row.modelDir);
    assert.ok(row.outputDir?.replace(/\\/g, '/').endsWith(`azureml/${job.name}/score`), row.outputDir);
    const stdout = await ns.logsUnder(job.name, 'user/stdout/');
    assert.match(stdout, /environment: reporting/);
    assert.doesNotMatch(stdout, /debug is hidden/);
  });

  test('instance_count × max_concurrency_per_instance workers run side by side', async () => {
    const many = 'inputs/parallel';
    await ns.uploadFiles(many, smallFiles(12, 'p'));
    const { scoringUri } = await ns.deploy({
      script: PID_SCRIPT,
      settings: { miniBatchSize: 1, instanceCount: 2, maxConcurrencyPerInstance: 2 },
    });
    const job = await ns.run(scoringUri, folderBody(many));
    assert.equal(job.properties.status, 'Completed', job.properties.result ?? '');
    const rows = (await ns.outputLines(job)).map((line) => {
      const [file = '', pid = '', start = '', end = ''] = line.split(' ');
      return { file, pid, start: Number(start), end: Number(end) };
    });
    assert.equal(rows.length, 12);
    const pids = new Set(rows.map((r) => r.pid));
    assert.ok(pids.size > 1, `one worker process did everything: ${[...pids].join(', ')}`);
    const overlapping = rows.some((a) =>
      rows.some((b) => a.pid !== b.pid && a.start < b.end && b.start < a.end),
    );
    assert.ok(overlapping, 'no two workers ever ran run() at the same time');
    const logs = await ns.logs(job.name);
    for (const node of ['node-0', 'node-1']) {
      assert.ok(
        logs.some((p) => p.startsWith(`user/stdout/${node}/`) || p.startsWith(`sys/node/${node}/`)),
        `no logs for ${node}: ${logs.join(', ')}`,
      );
    }
  });
});
