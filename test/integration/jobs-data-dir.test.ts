/**
 * Nothing outside the data dir. The server runs with its own HOME and TMPDIR pointed at fresh, empty
 * folders (its workers inherit them), and runs a JS job in which one mini-batch hangs (so a worker is
 * killed mid-run) and a no-code ONNX job. Neither folder gets a file (onnxruntime's telemetry database
 * and `mat-debug-<pid>.log` included), and once the server has stopped nothing is left under
 * `<dataDir>/tmp`. Litter a crashed server left there is swept when the next one starts.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { startServer, type TestServer } from '../helpers/server.ts';
import { FIXTURES_DIR, folderBody, Nightshift } from '../helpers/jobs.ts';

/** Every file and folder under `dir`, relative to it. */
function entries(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true, encoding: 'utf8' }).map((p) => relative(dir, join(dir, p)));
}

describe('a server writes nothing outside its data dir', () => {
  const base = mkdtempSync(join(tmpdir(), 'nightshift-litter-'));
  const home = join(base, 'home');
  const temp = join(base, 'tmp');
  const dataDir = join(base, 'data');
  const litter = join(dataDir, 'tmp', 'workers', 'w-deadbeef', 'nightshift-warmup-1.csv');
  const saved = { HOME: process.env.HOME, TMPDIR: process.env.TMPDIR, XDG: process.env.XDG_CACHE_HOME };
  let server: TestServer;
  let ns: Nightshift;

  before(async () => {
    for (const dir of [home, temp, dataDir]) mkdirSync(dir, { recursive: true });
    mkdirSync(join(litter, '..'), { recursive: true });
    writeFileSync(litter, 'left by a worker of a server that crashed\n');
    process.env.HOME = home;
    process.env.TMPDIR = temp;
    delete process.env.XDG_CACHE_HOME;
    server = await startServer({ dataDir });
    ns = await Nightshift.connect(server.url);
  });

  after(async () => {
    await server.stop();
    process.env.HOME = saved.HOME;
    process.env.TMPDIR = saved.TMPDIR;
    if (saved.XDG !== undefined) process.env.XDG_CACHE_HOME = saved.XDG;
    rmSync(base, { recursive: true, force: true });
  });

  test('what a crashed server left in <dataDir>/tmp is gone after the start', () => {
    assert.equal(existsSync(litter), false, 'the leftover warm-up file was swept');
    assert.equal(existsSync(join(litter, '..')), false, 'and its scratch folder');
  });

  test('a JS job with a killed worker and an ONNX job leave nothing outside the data dir', async () => {
    const folder = 'inputs/litter-js';
    await ns.uploadFiles(folder, { 'a.txt': 'a', 'hang.txt': 'h', 'b.txt': 'b' });
    const js = await ns.deploy({
      script: 'hangs.ts',
      settings: { miniBatchSize: 1, timeout: 'PT1S', maxRetries: 0, errorThreshold: -1 },
    });
    const first = await ns.run(js.scoringUri, folderBody(folder));
    assert.equal(first.properties.status, 'Completed', first.properties.result ?? '');
    assert.equal(first.properties.error?.code, 'MiniBatchTimeout', 'a worker was killed mid-run');

    const model = await ns.registerModel({
      localDir: join(FIXTURES_DIR, 'models', 'breast-cancer-rf'),
      modelType: 'mlflow_model',
    });
    await ns.uploadFolder(join(FIXTURES_DIR, 'data', 'breast-cancer'), 'inputs/litter-onnx');
    const onnx = await ns.deploy({ model, settings: { miniBatchSize: 2 } });
    const second = await ns.run(onnx.scoringUri, folderBody('inputs/litter-onnx'), {}, 60_000);
    assert.equal(second.properties.status, 'Completed', second.properties.result ?? '');

    await server.stop();
    assert.deepEqual(entries(home), [], 'nothing in HOME');
    assert.deepEqual(entries(temp), [], 'nothing in TMPDIR');
    const scratch = entries(join(dataDir, 'tmp')).filter((p) => p !== 'workers');
    assert.deepEqual(scratch, [], 'nothing left under <dataDir>/tmp');
  });
});
