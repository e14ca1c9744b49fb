/**
 * Running Data Factory pipelines through the `nightshift pipeline` CLI against a real server: importing an
 * ARM template that holds a parent pipeline and the child it runs with ExecutePipeline, running with
 * `--param` and `--wait` (the activity lines on stderr, the exit code, the final run on stdout), a failing
 * run, run records (`run-show`, `run-list`), and cancelling a long run while another CLI follows it. Waits
 * are one second at most; the tests run in order and share the imported pipelines.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { spawn } from 'node:child_process';
import { jsonOf, MAIN, runCli, type CliResult } from '../helpers/cli.ts';
import { startServer, type TestServer } from '../helpers/server.ts';
import {
  ARM_TEMPLATE,
  expression,
  gitPipeline,
  wait,
  type ActivityRun,
  type Pipeline,
  type Run,
} from '../support/pipelines/cli-fixtures.ts';
import { factoryPath } from '../helpers/factory.ts';
import { waitFor } from '../helpers/wait.ts';
import { REPO_ROOT } from '../helpers/repo.ts';

let server: TestServer;
let scratch: string;

before(async () => {
  server = await startServer();
  scratch = mkdtempSync(join(tmpdir(), 'nightshift-pipeline-cli-'));
});

after(async () => {
  await server.stop();
  rmSync(scratch, { recursive: true, force: true });
});

function cli(...args: string[]): Promise<CliResult> {
  return runCli(args, { server: server.url });
}

function scratchFile(name: string, document: unknown): string {
  const file = join(scratch, name);
  writeFileSync(file, JSON.stringify(document, null, 2));
  return file;
}

const FAILING = gitPipeline('Failing', [
  { name: 'Give up', type: 'Fail', typeProperties: { message: 'disk is full', errorCode: 'E42' } },
]);

/** Runs until cancelled, one short Wait at a time. */
const FOREVER = gitPipeline('Forever', [
  {
    name: 'Loop',
    type: 'Until',
    typeProperties: {
      expression: expression('@equals(1, 2)'),
      timeout: '0.00:10:00',
      activities: [wait('Nap', 1)],
    },
  },
]);

const LINE_TIME = '\\d\\d:\\d\\d:\\d\\d';

/** A line of `run --wait` on stderr: time, activity (indented), type, status and what follows. */
function activityLine(indent: number, rest: string): RegExp {
  const escaped = rest.replace(/[[\]()]/g, (c) => `\\${c}`);
  return new RegExp(`^${LINE_TIME}  ${' '.repeat(indent)}${escaped}`, 'm');
}

let parentRunId = '';

describe('pipelines from an ARM template, run and followed', () => {
  it('imports both pipelines of the template and lists them', async () => {
    const imported = jsonOf(
      await cli('pipeline', 'import', '--file', scratchFile('arm.json', ARM_TEMPLATE), '-o', 'json'),
    ) as Pipeline[];
    assert.deepEqual(
      imported.map((p) => p.name),
      ['Child', 'Parent'],
    );
    const table = await cli('pipeline', 'list', '-o', 'table');
    assert.equal(table.code, 0, table.stderr);
    assert.match(table.stdout, /^Name\s+Activities\s+Parameters/);
    assert.match(table.stdout, /^Child\s+2\s+seconds, label/m);
    assert.match(table.stdout, /^Parent\s+1\s+seconds/m);
  });

  it('runs with --param and --wait: activity lines on stderr, the run on stdout, exit 0', async () => {
    const result = await cli('pipeline', 'run', 'Parent', '--param', 'seconds=1', '--wait');
    assert.equal(result.code, 0, result.stderr);
    const run = JSON.parse(result.stdout) as Run;
    assert.equal(run.status, 'Succeeded');
    assert.deepEqual(run.parameters, { seconds: '1' });
    parentRunId = run.runId;
    const expected = [
      activityLine(0, 'Run child  ExecutePipeline  InProgress'),
      activityLine(2, 'Pause  Wait  InProgress'),
      activityLine(2, 'Pause  Wait  Succeeded  '),
      activityLine(2, 'Each  ForEach  InProgress'),
      activityLine(4, 'Tick [iteration 1]  Wait  Succeeded'),
      activityLine(4, 'Tick [iteration 2]  Wait  Succeeded'),
      activityLine(2, 'Each  ForEach  Succeeded'),
      activityLine(0, 'Run child  ExecutePipeline  Succeeded'),
    ];
    let from = 0;
    for (const pattern of expected) {
      const found = pattern.exec(result.stderr.slice(from));
      assert.ok(found, `${String(pattern)} after offset ${from} in:\n${result.stderr}`);
      from += found.index + found[0].length;
    }
    assert.match(result.stderr, new RegExp(`Run ${run.runId} of pipeline Parent Succeeded`));
  });

  it('passes the converted parameter to the child run', async () => {
    const runs = jsonOf(await cli('pipeline', 'run-list', '--name', 'Child')) as Run[];
    const child = runs.find((r) => r.invokedBy.invokedByType === 'PipelineActivity');
    assert.ok(child, JSON.stringify(runs));
    assert.equal(child.status, 'Succeeded');
    assert.deepEqual(child.parameters, { seconds: '1', label: 'from parent' });
  });

  it('refuses a --param that is not of the declared type, before running', async () => {
    const result = await cli('pipeline', 'run', 'Parent', '--param', 'seconds=soon');
    assert.notEqual(result.code, 0);
    assert.match(result.stderr, /'soon'.*'seconds'/);
  });

  it('run-show -o json gives the run with its activity runs', async () => {
    const shown = jsonOf(await cli('pipeline', 'run-show', '--run-id', parentRunId)) as Run & {
      activityRuns: ActivityRun[];
    };
    assert.equal(shown.runId, parentRunId);
    assert.equal(shown.status, 'Succeeded');
    assert.equal(shown.activityRuns.length, 1);
    const [exec] = shown.activityRuns;
    assert.equal(exec?.activityName, 'Run child');
    assert.equal(exec.activityType, 'ExecutePipeline');
    assert.equal(exec.status, 'Succeeded');
    assert.equal(exec.input.pipeline?.referenceName, 'Child');
    assert.equal(typeof exec.output.pipelineRunId, 'string');
    assert.equal(exec.error, null);
  });

  it('run-show -o table prints the run, then its activity runs', async () => {
    const result = await cli('pipeline', 'run-show', '--run-id', parentRunId, '-o', 'table');
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, new RegExp(`^${parentRunId}\\s+Parent\\s+Succeeded`, 'm'));
    assert.match(result.stdout, /^Activity\s+Type\s+Status/m);
    assert.match(result.stdout, /^Run child\s+ExecutePipeline\s+Succeeded/m);
  });
});

describe('a failing run', () => {
  it('exits 1 with the Fail activity message, and prints the failed run', async () => {
    assert.equal((await cli('pipeline', 'create', '--file', scratchFile('failing.json', FAILING))).code, 0);
    const result = await cli('pipeline', 'run', 'Failing', '--wait', '--query', 'status', '-o', 'tsv');
    assert.equal(result.code, 1, result.stderr);
    assert.equal(result.stdout, 'Failed\n');
    assert.match(result.stderr, activityLine(0, 'Give up  Fail  Failed  '));
    assert.match(result.stderr, /Give up {2}Fail {2}Failed {2}\S+ {2}E42: disk is full$/m);
    assert.match(
      result.stderr,
      /^ERROR: Run \S+ of pipeline Failing Failed.*Operation on target Give up failed: disk is full/m,
    );
  });

  it('run-list filters by status and by pipeline', async () => {
    const failed = jsonOf(await cli('pipeline', 'run-list', '--status', 'failed')) as Run[];
    assert.deepEqual(
      failed.map((r) => r.pipelineName),
      ['Failing'],
    );
    const parents = jsonOf(await cli('pipeline', 'run-list', '-n', 'Parent')) as Run[];
    assert.deepEqual(
      parents.map((r) => r.runId),
      [parentRunId],
    );
    const table = await cli('pipeline', 'run-list', '-o', 'table');
    assert.match(table.stdout, /^RunId\s+Pipeline\s+Status/);
    assert.match(table.stdout, /\s+Failing\s+Failed\s+.*Operation on target Give up failed: disk is full$/m);
  });
});

/** The run of the pipeline in progress, once its activity `activityName` has a record. */
async function runningActivity(pipelineName: string, activityName: string): Promise<string> {
  const seen = await waitFor(
    `a run of ${pipelineName} in progress with a record of ${activityName}`,
    async () => {
      const response = await server.call('POST', `${factoryPath(server.ws)}/queryPipelineRuns`, {
        filters: [
          { operand: 'PipelineName', operator: 'Equals', values: [pipelineName] },
          { operand: 'Status', operator: 'Equals', values: ['InProgress'] },
        ],
      });
      const [run] = (response.body as { value: Run[] }).value;
      if (!run) return { runId: undefined, activities: [] as string[] };
      const activities = await server.call(
        'POST',
        `${factoryPath(server.ws)}/pipelineruns/${run.runId}/queryActivityruns`,
        {},
      );
      return {
        runId: run.runId,
        activities: (activities.body as { value: ActivityRun[] }).value.map((a) => a.activityName),
      };
    },
    { until: (state) => state.activities.includes(activityName), timeoutMs: 30_000, intervalMs: 100 },
  );
  return seen.runId ?? '';
}

describe('cancelling a long run', () => {
  it('cancel ends the run Cancelled, and the CLI following it exits 2', async () => {
    assert.equal((await cli('pipeline', 'create', '-f', scratchFile('forever.json', FOREVER))).code, 0);
    const following = cli('pipeline', 'run', 'Forever', '--wait');
    const runId = await runningActivity('Forever', 'Nap');
    const cancelled = jsonOf(await cli('pipeline', 'cancel', '--run-id', runId)) as Run;
    assert.equal(cancelled.status, 'Cancelled');
    const followed = await following;
    assert.equal(followed.code, 2, followed.stderr);
    assert.equal((JSON.parse(followed.stdout) as Run).status, 'Cancelled');
    assert.match(followed.stderr, activityLine(0, 'Loop  Until  InProgress'));
    assert.match(followed.stderr, activityLine(2, 'Nap [iteration 1]  Wait  InProgress'));
    assert.match(followed.stderr, new RegExp(`^ERROR: Run ${runId} of pipeline Forever Cancelled`, 'm'));
  });

  it('Ctrl-C stops watching, not the run, and says how to cancel it', async () => {
    // runCli hides its child process; this one is spawned the same way so it can be sent SIGINT.
    const child = spawn(process.execPath, [MAIN, 'pipeline', 'run', 'Forever', '--wait'], {
      cwd: REPO_ROOT,
      env: {
        ...process.env,
        NIGHTSHIFT_SERVER: server.url,
        NIGHTSHIFT_DATA_DIR: server.dataDir,
        NIGHTSHIFT_CONFIG_DIR: join(scratch, 'no-profile'),
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    let interrupted = false;
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      stderr += chunk;
      if (!interrupted && /Nap \[iteration 1\]/.test(stderr)) interrupted = child.kill('SIGINT');
    });
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    assert.equal(code, 130, stderr);
    const runId = /Run (\S+) of pipeline Forever started/.exec(stderr)?.[1] ?? '';
    assert.match(
      stderr,
      new RegExp(`Stopped watching run ${runId}.*nightshift pipeline cancel --run-id ${runId}`),
    );
    const stillRunning = jsonOf(await cli('pipeline', 'run-show', '--run-id', runId)) as Run;
    assert.equal(stillRunning.status, 'InProgress');
    assert.equal((jsonOf(await cli('pipeline', 'cancel', '--run-id', runId)) as Run).status, 'Cancelled');
  });

  it('a run that has ended cannot be cancelled', async () => {
    const result = await cli('pipeline', 'cancel', '--run-id', parentRunId);
    assert.notEqual(result.code, 0);
    assert.match(result.stderr, /Succeeded; only a run in progress or queued can be cancelled/);
  });
});
