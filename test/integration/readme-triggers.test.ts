/**
 * The README's "Triggers" section runs as written: after `nightshift demo` (which leaves the
 * Run-BatchEndpoint pipeline and its endpoint) and with the `blobstore` datastore of "Data in Azure Blob
 * Storage" over a real Azurite, bash runs the section's blocks with the checkout's bin/ on the PATH: the
 * nightly schedule is created and started and shows its next times at 01:00Z, the storage-event trigger is
 * attached, two CSVs are uploaded, each gets one Succeeded run, and their predictions download.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { registerBlobDatastore, startAzurite, type Azurite } from '../helpers/azurite.ts';
import { runCli } from '../helpers/cli.ts';
import { factoryPath } from '../helpers/factory.ts';
import { REPO_ROOT } from '../helpers/repo.ts';
import { readReadme, shellBlocks, newUserEnv, runShell } from '../helpers/readme.ts';
import { startServer, type TestServer } from '../helpers/server.ts';
import { waitFor } from '../helpers/wait.ts';

let server: TestServer;
let azurite: Azurite;
let scratch: string;

/** The ```sh blocks of the README's Triggers section. */
function blocks(): string[] {
  return shellBlocks(readReadme(), 'Triggers');
}

function bash(script: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const env = newUserEnv(scratch, { NIGHTSHIFT_SERVER: server.url, NIGHTSHIFT_DATA_DIR: server.dataDir });
  return runShell(script, { cwd: scratch, env });
}

before(async () => {
  server = await startServer();
  azurite = await startAzurite();
  scratch = mkdtempSync(join(tmpdir(), 'nightshift-readme-triggers-'));
  symlinkSync(join(REPO_ROOT, 'fixtures'), join(scratch, 'fixtures'));
  const demo = await runCli(['demo', '--no-keep-serving'], { server: server.url });
  assert.equal(demo.code, 0, demo.stderr);
  await registerBlobDatastore(azurite, server.url, scratch, {
    datastore: 'blobstore',
    container: 'scoring-data',
  });
});

after(async () => {
  await server.stop();
  await azurite.stop();
  rmSync(scratch, { recursive: true, force: true });
});

test("the README's Triggers section runs as written", async () => {
  const [schedule, storage, afterwards] = blocks();
  assert.ok(schedule && storage && afterwards, 'the section has three shell blocks');
  const first = await bash(schedule);
  assert.equal(first.code, 0, first.stderr.split('\n').slice(-12).join('\n'));
  assert.match(first.stdout, /^nightly\s+ScheduleTrigger\s+Started\s+Run-BatchEndpoint/m);
  assert.match(first.stdout, /T01:00:00\.000Z/);
  const second = await bash(storage);
  assert.equal(second.code, 0, second.stderr.split('\n').slice(-12).join('\n'));
  const query = { lastUpdatedAfter: '2000-01-01T00:00:00Z', lastUpdatedBefore: '2100-01-01T00:00:00Z' };
  await waitFor(
    'a Succeeded run per uploaded CSV',
    async () =>
      (
        (await server.call('POST', `${factoryPath(server.ws)}/queryTriggerRuns`, query)).body as {
          value: { status: string }[];
        }
      ).value,
    {
      until: (runs) => runs.length === 2 && runs.every((r) => r.status === 'Succeeded'),
      timeoutMs: 120_000,
      intervalMs: 500,
    },
  );
  const third = await bash(afterwards);
  assert.equal(third.code, 0, third.stderr.split('\n').slice(-12).join('\n'));
  assert.match(third.stdout, /score-new-csv.*Succeeded/);
  // Each file's job keeps its own manifest, beside its own predictions, naming the file it scored.
  for (const file of ['part-1', 'part-2']) {
    assert.ok(existsSync(join(scratch, 'scored', file, 'predictions.csv')), file);
    const manifest = JSON.parse(await readFile(join(scratch, 'scored', file, 'manifest.json'), 'utf8')) as {
      input: { uri: string };
    };
    assert.match(manifest.input.uri, new RegExp(`/incoming/${file}\\.csv$`));
  }
});
