/**
 * Endpoint schedules on a real server, through the CLI and REST as the README's section drives them: the
 * breast-cancer endpoint scheduled nightly in Berlin from examples/breast-cancer/schedule.yml, its next
 * firing times (across the March DST change), two nights fired by advancing the server's schedule clock
 * (a VirtualClock handed to createApp), each night an ordinary job tagged with the schedule and writing
 * its own dated file, disable/enable/delete, bad input as 400s that name the field, and roles: a Reader
 * lists and shows but cannot create, the Batch Endpoint Invoker cannot create either.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { VirtualClock } from '../../src/pipelines/time/virtual-clock.ts';
import { BREAST_CANCER_SETUP, jsonOf, runCli, type CliResult } from '../helpers/cli.ts';
import { callAs, principalWithRole, type AttackServer } from '../helpers/security-principals.ts';
import { startServer, type TestServer } from '../helpers/server.ts';

const HOUR = 3_600_000;
// Friday 27 March 2026, noon UTC: the next two Berlin nights straddle the switch to summer time.
const START = Date.UTC(2026, 2, 27, 12);
const clock = new VirtualClock({ start: START, autoAdvance: false });
let server: TestServer;

function cli(...args: string[]): Promise<CliResult> {
  return runCli(args, { server: server.url });
}

async function ok(...args: string[]): Promise<unknown> {
  const result = await cli(...args);
  assert.equal(result.code, 0, `${args.join(' ')}: ${result.stderr}`);
  return args.includes('-o') ? result.stdout : jsonOf(result);
}

interface JobBody {
  name: string;
  properties: { status: string; tags: Record<string, string>; outputData?: Record<string, { uri: string }> };
}

/** Moves the schedule clock to `at` and waits for the job of that night to end. */
async function fireAt(at: number, job: string): Promise<JobBody> {
  await clock.advance(at - clock.now().getTime());
  for (;;) {
    const got = await server.call('GET', `${server.ws}/jobs/${job}`);
    const body = got.body as JobBody;
    if (got.status === 200 && ['Completed', 'Failed', 'Canceled'].includes(body.properties.status))
      return body;
    await new Promise((resolve) => setTimeout(resolve, 200));
    // A pass that waited on I/O across the advance sleeps from there: nudge time on until the job is there.
    await clock.advance(1000);
  }
}

interface LastFiring {
  state: string;
  jobName: string;
  error?: string;
}

/** Polls a schedule until it shows a finished last firing (not just claimed). */
async function lastFiringOf(path: string): Promise<LastFiring> {
  for (;;) {
    const body = (await server.call('GET', path)).body as { properties: { lastFiring: LastFiring | null } };
    const last = body.properties.lastFiring;
    if (last && last.state !== 'Claimed') return last;
    await new Promise((resolve) => setTimeout(resolve, 100));
    await clock.advance(1000);
  }
}

before(async () => {
  server = await startServer({ scheduleClock: clock });
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
    await ok(...args, '-o', 'none');
  }
});

after(async () => {
  await server.stop();
});

void describe('endpoint schedules', () => {
  void it('creates the nightly schedule from the example YAML and shows its next firing times', async () => {
    const created = (await ok('schedule', 'create', '-f', 'examples/breast-cancer/schedule.yml')) as {
      name: string;
      next_fire_times: string[];
      trigger: Record<string, unknown>;
    };
    assert.equal(created.name, 'breast-cancer-nightly');
    assert.deepEqual(created.trigger, {
      type: 'cron',
      expression: '0 2 * * *',
      time_zone: 'W. Europe Standard Time',
    });
    // 29 March has no 02:00 in Berlin: that night fires at 03:00 summer time.
    assert.deepEqual(created.next_fire_times.slice(0, 3), [
      '2026-03-28T02:00:00+01:00',
      '2026-03-29T03:00:00+02:00',
      '2026-03-30T02:00:00+02:00',
    ]);
    const table = String(await ok('schedule', 'list', '-o', 'table'));
    assert.match(
      table,
      /breast-cancer-nightly\s+True\s+breast-cancer\s+cron 0 2 \* \* \* \(W\. Europe Standard Time\)\s+2026-03-28T02:00:00\+01:00/,
    );
  });

  void it('fires each night as an ordinary job tagged with the schedule, writing a file per night', async () => {
    const first = await fireAt(Date.UTC(2026, 2, 28, 1, 0, 30), 'breast-cancer-nightly-20260328T0100Z');
    const second = await fireAt(Date.UTC(2026, 2, 29, 1, 0, 30), 'breast-cancer-nightly-20260329T0100Z');
    for (const job of [first, second]) {
      assert.equal(job.properties.status, 'Completed');
      assert.equal(job.properties.tags['nightshift.schedule'], 'breast-cancer-nightly');
    }
    assert.equal(first.properties.tags['nightshift.scheduledTime'], '2026-03-28T01:00:00.000Z');
    for (const day of ['2026-03-28', '2026-03-29']) {
      const path = `${server.ws}/datastores/workspaceblobstore/paths/nightly/${day}/predictions.csv`;
      const file = await fetch(`${server.url}${path}`, { headers: await server.auth(path) });
      assert.equal(file.status, 200, `the ${day} output exists`);
      assert.ok((await file.text()).split('\n').length > 100, `the ${day} output holds the scores`);
    }
    const schedule = (await ok('schedule', 'show', '-n', 'breast-cancer-nightly')) as {
      last_firing: Record<string, string>;
    };
    assert.deepEqual(schedule.last_firing, {
      scheduled_time: '2026-03-29T01:00:00.000Z',
      state: 'Started',
      job_name: second.name,
    });
    const shown = (await ok('job', 'show', '-n', first.name)) as { tags: Record<string, string> };
    assert.equal(shown.tags['nightshift.schedule'], 'breast-cancer-nightly');
    const listed = String(
      await ok(
        'job',
        'list',
        '--query',
        '[?tags."nightshift.schedule"==\'breast-cancer-nightly\'].name',
        '-o',
        'tsv',
      ),
    );
    assert.deepEqual(listed.trim().split('\n').sort(), [first.name, second.name]);
  });

  void it('disables and enables: a disabled schedule has no next firing and starts no job', async () => {
    const disabled = (await ok('schedule', 'disable', '-n', 'breast-cancer-nightly')) as {
      is_enabled: boolean;
      next_fire_times: string[];
    };
    assert.equal(disabled.is_enabled, false);
    assert.deepEqual(disabled.next_fire_times, []);
    await clock.advance(Date.UTC(2026, 2, 30, 1, 0, 30) - clock.now().getTime());
    await new Promise((resolve) => setTimeout(resolve, 500));
    const skipped = await server.call('GET', `${server.ws}/jobs/breast-cancer-nightly-20260330T0000Z`);
    assert.equal(skipped.status, 404);
    const enabled = (await ok('schedule', 'enable', '-n', 'breast-cancer-nightly')) as {
      next_fire_times: string[];
    };
    assert.equal(enabled.next_fire_times[0], '2026-03-31T02:00:00+02:00');
  });

  void it('shows why a firing started no job: its input folder is gone', async () => {
    const spec = {
      properties: {
        trigger: { triggerType: 'Cron', expression: '0 3 * * *' },
        action: {
          actionType: 'InvokeBatchEndpoint',
          endpointInvocationDefinition: {
            endpointName: 'breast-cancer',
            properties: {
              InputData: {
                data: {
                  JobInputType: 'UriFolder',
                  Uri: 'azureml://datastores/workspaceblobstore/paths/not-there',
                },
              },
            },
          },
        },
      },
    };
    const path = `${server.ws}/schedules/no-input`;
    assert.equal((await server.call('PUT', path, spec)).status, 201);
    await clock.advance(Date.UTC(2026, 2, 30, 3, 0, 30) - clock.now().getTime());
    const last = await lastFiringOf(path);
    assert.equal(last.state, 'Failed');
    assert.equal(last.jobName, 'no-input-20260330T0300Z');
    assert.match(last.error ?? '', /not-there/);
    assert.equal((await server.call('GET', `${server.ws}/jobs/${last.jobName}`)).status, 404);
    assert.equal((await server.call('DELETE', path)).status, 204);
  });

  void it('refuses bad schedules with a 400 naming the field', async () => {
    const path = `${server.ws}/schedules/bad`;
    const action = (properties: unknown, endpointName = 'breast-cancer') => ({
      actionType: 'InvokeBatchEndpoint',
      endpointInvocationDefinition: { endpointName, properties },
    });
    const input = {
      InputData: {
        data: { JobInputType: 'UriFolder', Uri: 'azureml://datastores/workspaceblobstore/paths/samples' },
      },
    };
    const cases: [unknown, RegExp][] = [
      [{ trigger: { triggerType: 'Cron', expression: '61 2 * * *' }, action: action(input) }, /trigger/],
      [
        {
          trigger: { triggerType: 'Cron', expression: '0 2 * * *', timeZone: 'Mars/Olympus' },
          action: action(input),
        },
        // Named as the caller sent it, not in the YAML spelling (time_zone).
        /properties\.trigger\.timeZone/,
      ],
      [
        { trigger: { triggerType: 'Cron', expression: '0 2 * * *' }, action: action(input, 'nope') },
        /endpointName.*does not exist/,
      ],
      [
        {
          trigger: { triggerType: 'Cron', expression: '0 2 * * *' },
          action: action({
            ...input,
            OutputData: {
              score: {
                JobOutputType: 'UriFile',
                Uri: 'azureml://datastores/workspaceblobstore/paths/{when}.csv',
              },
            },
          }),
        },
        /unknown placeholder \{when\}/,
      ],
      [
        { trigger: { triggerType: 'Cron', expression: '0 2 * * *' }, action: { actionType: 'CreateJob' } },
        /actionType/,
      ],
    ];
    for (const [properties, message] of cases) {
      const answer = await server.call('PUT', path, { properties });
      assert.equal(answer.status, 400, JSON.stringify(answer.body));
      assert.match((answer.body as { error: { message: string } }).error.message, message);
    }
    const bad = await cli(
      'schedule',
      'create',
      '-f',
      'examples/breast-cancer/schedule.yml',
      '--set',
      'trigger.expression=0 25 * * *',
    );
    assert.notEqual(bad.code, 0);
    assert.match(bad.stderr, /trigger/);
  });

  void it('lets a Reader list and show schedules but not create one; the invoker cannot create one either', async () => {
    const attack = {
      url: server.url,
      ws: server.ws,
      owner: (path: string) => server.auth(path),
    } as unknown as AttackServer;
    const reader = await principalWithRole(attack, 'Reader');
    const invoker = await principalWithRole(attack, 'Batch Endpoint Invoker');
    const one = `${server.ws}/schedules/breast-cancer-nightly`;
    assert.equal((await callAs(attack, reader, 'GET', `${server.ws}/schedules`)).status, 200);
    const shown = await callAs(attack, reader, 'GET', one);
    assert.equal(shown.status, 200);
    const body = { properties: (shown.json as { properties: unknown }).properties };
    for (const who of [reader, invoker]) {
      assert.equal((await callAs(attack, who, 'PUT', `${server.ws}/schedules/sneaky`, body)).status, 403);
      assert.equal((await callAs(attack, who, 'DELETE', one)).status, 403);
    }
  });

  void it('deletes a schedule; the jobs it started stay', async () => {
    await ok('schedule', 'delete', '-n', 'breast-cancer-nightly', '--yes', '-o', 'none');
    assert.equal((await server.call('GET', `${server.ws}/schedules/breast-cancer-nightly`)).status, 404);
    assert.equal(
      (await server.call('GET', `${server.ws}/jobs/breast-cancer-nightly-20260328T0100Z`)).status,
      200,
    );
    await clock.advance(2 * 24 * HOUR);
  });
});
