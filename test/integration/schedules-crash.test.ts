/**
 * kill -9 at the firing moment: a real `nightshift serve` with a schedule due every minute is killed with
 * SIGKILL a few milliseconds after an occurrence is due (while it claims the occurrence or starts its
 * job), then started again on the same data dir. The occurrence must end up with exactly one job, which
 * completes: not missed (the restarted server fires the latest missed occurrence or finishes the dead
 * server's claim) and not doubled (the claim and the job name are keyed by the occurrence).
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  BREAST_CANCER_SETUP,
  jsonOf,
  runCli,
  startServeProcess,
  writeFileIn,
  type ServeProcess,
} from '../helpers/cli.ts';

const scratch = mkdtempSync(join(tmpdir(), 'nightshift-schedules-crash-'));
const dataDir = join(scratch, 'data');
const running: ServeProcess[] = [];

after(async () => {
  for (const p of running) {
    if (p.child.exitCode === null && p.child.signalCode === null) {
      p.child.kill('SIGTERM');
      await p.exited;
    }
  }
  rmSync(scratch, { recursive: true, force: true });
});

async function serve(): Promise<string> {
  const started = startServeProcess(dataDir);
  running.push(started);
  return started.ready;
}

async function ok(server: string, ...args: string[]): Promise<unknown> {
  const result = await runCli(args, { server });
  assert.equal(result.code, 0, `${args.join(' ')}: ${result.stderr}`);
  return args.includes('-o') ? result.stdout : jsonOf(result);
}

interface JobRow {
  name: string;
  status: string;
  tags: Record<string, string>;
}

describe('a server killed at the firing moment', () => {
  it('leaves the occurrence exactly one job, which completes after the restart', async () => {
    const first = await serve();
    for (const args of [
      ...BREAST_CANCER_SETUP,
      [
        'datastore',
        'upload',
        '-n',
        'workspaceblobstore',
        '--src',
        'fixtures/data/breast-cancer',
        '--dest',
        'samples',
      ],
    ]) {
      await ok(first, ...args, '-o', 'none');
    }
    const due = Math.ceil((Date.now() + 8_000) / 1000) * 1000;
    const spec = writeFileIn(
      scratch,
      'schedule.yml',
      [
        'name: crash-minute',
        'trigger:',
        '  type: recurrence',
        '  frequency: minute',
        '  interval: 1',
        `  start_time: "${new Date(due).toISOString()}"`,
        'invoke_batch_endpoint:',
        '  endpoint: breast-cancer',
        '  inputs:',
        '    data: {type: uri_folder, path: "azureml://datastores/workspaceblobstore/paths/samples/breast-cancer"}',
        '  outputs:',
        '    score: {type: uri_file, path: "azureml://datastores/workspaceblobstore/paths/crash/{datetime}.csv"}',
        '',
      ].join('\n'),
    );
    await ok(first, 'schedule', 'create', '-f', spec, '-o', 'none');
    await sleep(due - Date.now() + 25);
    const victim = running[0];
    assert.ok(victim);
    victim.child.kill('SIGKILL');
    await victim.exited;

    const second = await serve();
    const job = `crash-minute-${new Date(due).toISOString().slice(0, 16).replace(/[-:]/g, '')}Z`;
    let status = '';
    while (!['Completed', 'Failed', 'Canceled'].includes(status)) {
      await sleep(250);
      const shown = await runCli(['job', 'show', '-n', job], { server: second });
      status = shown.code === 0 ? (jsonOf(shown) as JobRow).status : '';
    }
    assert.equal(status, 'Completed');
    await ok(second, 'schedule', 'disable', '-n', 'crash-minute', '-o', 'none');
    const jobs = (await ok(
      second,
      'job',
      'list',
      '--query',
      '[?tags."nightshift.schedule"==\'crash-minute\']',
      '-o',
      'json',
    )) as string;
    const rows = JSON.parse(jobs) as JobRow[];
    const times = rows.map((r) => r.tags['nightshift.scheduledTime']);
    assert.equal(new Set(times).size, times.length, `no occurrence has two jobs: ${times.join(', ')}`);
    assert.ok(times.includes(new Date(due).toISOString()));
  });
});
