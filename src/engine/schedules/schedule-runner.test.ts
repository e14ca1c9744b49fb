/**
 * The schedule loop on a virtual clock and a real SQLite store: a year of a nightly schedule in Berlin
 * across both DST changes, exactly one job per occurrence with two servers, the latest missed occurrence
 * fired once after a downtime, and a claim left by a crash finished on the next start. The job service is
 * the only stand-in (it records the invocations); the REST and CLI suites fire real jobs.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { ConflictError } from '../../core/errors.ts';
import type { Actor } from '../../core/resources.ts';
import { prop } from '../../core/wire-values.ts';
import { VirtualClock } from '../../pipelines/time/virtual-clock.ts';
import type { ResourceRepository } from '../../store/contract.ts';
import { createSqliteStore } from '../../store/sqlite/sqlite-store.ts';
import { readScheduleBody, type ScheduleRecord } from './schedule-body.ts';
import {
  firingJobName,
  firingKey,
  SCHEDULED_TIME_TAG,
  SCHEDULE_TAG,
  type FiringRecord,
} from './schedule-firing.ts';
import { createScheduleRunner, latestDue } from './schedule-runner.ts';
import { FIRING_KIND, SCHEDULE_KIND } from './schedule-service.ts';
import { fireTimesOf } from './schedule-trigger.ts';

const DAY = 86_400_000;
const dirs: string[] = [];
after(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

function openRepo(): ResourceRepository {
  const dir = mkdtempSync(join(tmpdir(), 'nightshift-schedules-'));
  dirs.push(dir);
  return createSqliteStore(join(dir, 'store.db')).resources;
}

interface Invocation {
  job: string;
  body: unknown;
}

/** Records invocations; a second job of the same name is refused, as the job store refuses it. */
function fakeJobs() {
  const started: Invocation[] = [];
  return {
    started,
    invoke: (_endpoint: string, body: unknown): Promise<{ name: string }> => {
      const job = String(prop(prop(body, 'properties'), 'name'));
      if (started.some((s) => s.job === job)) return Promise.reject(new ConflictError(`'${job}' exists`));
      started.push({ job, body });
      return Promise.resolve({ name: job });
    },
    jobExists: (name: string) => Promise.resolve(started.some((s) => s.job === name)),
  };
}

const owner: Actor = { name: 'tester', type: 'User' };

async function storeSchedule(
  repo: ResourceRepository,
  createdAt: Date,
  trigger: unknown,
): Promise<ScheduleRecord> {
  const definition = readScheduleBody(
    {
      properties: {
        trigger,
        action: {
          actionType: 'InvokeBatchEndpoint',
          endpointInvocationDefinition: {
            endpointName: 'breast-cancer',
            properties: {
              InputData: {
                data: { JobInputType: 'UriFolder', Uri: 'azureml://datastores/workspaceblobstore/paths/in' },
              },
              OutputData: {
                score: {
                  JobOutputType: 'UriFile',
                  Uri: 'azureml://datastores/workspaceblobstore/paths/scores/{date}/predictions-{time}.csv',
                },
              },
            },
          },
        },
      },
    },
    'nightly',
  );
  const at = createdAt.toISOString();
  const record: ScheduleRecord = {
    name: 'nightly',
    ...definition,
    activeSince: at,
    owner,
    systemData: {
      createdAt: at,
      createdBy: 'tester',
      createdByType: 'User',
      lastModifiedAt: at,
      lastModifiedBy: 'tester',
      lastModifiedByType: 'User',
    },
  };
  await repo.insert(SCHEDULE_KIND, { name: 'nightly' }, record);
  return record;
}

function runnerOn(
  repo: ResourceRepository,
  clock: VirtualClock,
  jobs: ReturnType<typeof fakeJobs>,
  server = 'a',
) {
  return createScheduleRunner({
    repo,
    clock,
    server,
    pollMs: 6 * 3_600_000,
    claimGraceMs: 60_000,
    schedules: () => repo.list<ScheduleRecord>(SCHEDULE_KIND),
    invoke: jobs.invoke,
    jobExists: jobs.jobExists,
    onError: (_s, _t, error) => {
      throw error;
    },
    onLoopError: (error) => {
      throw error;
    },
  });
}

/** Until the runner sleeps on the clock: advancing before that would jump past its first pass. */
async function asleep(clock: VirtualClock, sleepers = 1): Promise<void> {
  while (clock.pendingTimers < sleepers) await new Promise((resolve) => setImmediate(resolve));
}

const berlinWall = (ms: number) =>
  new Intl.DateTimeFormat('sv-SE', {
    timeZone: 'Europe/Berlin',
    dateStyle: 'short',
    timeStyle: 'short',
  }).format(new Date(ms));

const outputUri = (body: unknown) =>
  String(prop(prop(prop(prop(body, 'properties'), 'OutputData'), 'score'), 'Uri'));
const scheduledOf = (body: unknown) =>
  String(prop(prop(prop(body, 'properties'), 'tags'), SCHEDULED_TIME_TAG));

describe('schedule runner on a virtual clock', () => {
  it('fires a nightly Berlin schedule once a day for a year, at 02:00 wall time across both DST changes', async () => {
    const repo = openRepo();
    const start = Date.UTC(2026, 0, 1, 12);
    const clock = new VirtualClock({ start, autoAdvance: false });
    await storeSchedule(repo, new Date(start), {
      triggerType: 'Cron',
      expression: '0 2 * * *',
      timeZone: 'W. Europe Standard Time',
    });
    const jobs = fakeJobs();
    const runner = runnerOn(repo, clock, jobs);
    runner.start();
    await asleep(clock);
    await clock.advance(365 * DAY);
    await runner.stop();

    assert.equal(jobs.started.length, 365);
    const times = jobs.started.map((s) => Date.parse(scheduledOf(s.body)));
    const days = new Set(times.map((t) => berlinWall(t).slice(0, 10)));
    assert.equal(days.size, 365, 'one job per Berlin calendar day');
    // 29 March 2026 has no 02:00 in Berlin: that night fires at the first instant after the gap.
    const wallTimes = times.map((t) => berlinWall(t).slice(11));
    assert.deepEqual(
      wallTimes.filter((w) => w !== '02:00'),
      ['03:00'],
    );
    assert.ok(
      times.some((t) => new Date(t).getUTCHours() === 1),
      'winter: 01:00Z',
    );
    assert.ok(
      times.some((t) => new Date(t).getUTCHours() === 0),
      'summer: 00:00Z',
    );
    // Each run writes its own file, named by the scheduled wall date and time.
    const uris = new Set(jobs.started.map((s) => outputUri(s.body)));
    assert.equal(uris.size, 365);
    assert.ok(
      uris.has('azureml://datastores/workspaceblobstore/paths/scores/2026-07-01/predictions-02-00.csv'),
    );
    const first = jobs.started[0];
    assert.ok(first);
    assert.equal(prop(prop(prop(first.body, 'properties'), 'tags'), SCHEDULE_TAG), 'nightly');
    assert.equal(first.job, 'nightly-20260102T0100Z');
  });

  it('starts one job per occurrence when two servers watch the same schedule', async () => {
    const repo = openRepo();
    const start = Date.UTC(2026, 5, 1);
    const clock = new VirtualClock({ start, autoAdvance: false });
    await storeSchedule(repo, new Date(start), { triggerType: 'Recurrence', frequency: 'Hour', interval: 1 });
    const jobs = fakeJobs();
    const a = runnerOn(repo, clock, jobs, 'a');
    const b = runnerOn(repo, clock, jobs, 'b');
    a.start();
    b.start();
    await asleep(clock, 2);
    await clock.advance(DAY);
    await Promise.all([a.stop(), b.stop()]);
    assert.equal(jobs.started.length, 24);
    const claims = await repo.list<FiringRecord>(FIRING_KIND, { scope: 'nightly' });
    // Only the latest claim stays: the one before is removed when the next occurrence fires.
    assert.deepEqual(
      claims.map((c) => [c.scheduledTime, c.state]),
      [['2026-06-02T00:00:00.000Z', 'Started']],
    );
  });

  it('after a downtime fires only the latest missed occurrence, once, then keeps its rhythm', async () => {
    const repo = openRepo();
    const start = Date.UTC(2026, 9, 1, 12);
    const clock = new VirtualClock({ start, autoAdvance: false });
    await storeSchedule(repo, new Date(start), {
      triggerType: 'Cron',
      expression: '0 2 * * *',
      timeZone: 'UTC',
    });
    const jobs = fakeJobs();
    const before = runnerOn(repo, clock, jobs);
    before.start();
    await asleep(clock);
    await clock.advance(2 * DAY);
    await before.stop();
    assert.equal(jobs.started.length, 2);
    await clock.advance(5 * DAY); // down over five nights
    const afterRestart = runnerOn(repo, clock, jobs);
    afterRestart.start();
    await asleep(clock);
    await clock.advance(3_600_000);
    assert.equal(jobs.started.length, 3);
    assert.equal(scheduledOf(jobs.started[2]?.body), '2026-10-08T02:00:00.000Z');
    await clock.advance(DAY);
    await afterRestart.stop();
    assert.equal(jobs.started.length, 4);
  });

  it('finishes a claim whose server died before starting the job, and starts it once', async () => {
    const repo = openRepo();
    const start = Date.UTC(2026, 9, 1, 12);
    const clock = new VirtualClock({ start, autoAdvance: false });
    await storeSchedule(repo, new Date(start - 2 * DAY), { triggerType: 'Cron', expression: '0 2 * * *' });
    const occurrence = Date.UTC(2026, 9, 1, 2);
    const claim: FiringRecord = {
      schedule: 'nightly',
      scheduledTime: new Date(occurrence).toISOString(),
      state: 'Claimed',
      job: firingJobName('nightly', occurrence),
      claimedBy: 'dead-server',
      claimedAt: new Date(occurrence).toISOString(),
    };
    await repo.insert(FIRING_KIND, firingKey('nightly', occurrence), claim);
    const jobs = fakeJobs();
    const runner = runnerOn(repo, clock, jobs);
    runner.start();
    await asleep(clock);
    await clock.advance(1000);
    await runner.stop();
    assert.deepEqual(
      jobs.started.map((s) => s.job),
      ['nightly-20261001T0200Z'],
    );
    const done = await repo.get<FiringRecord>(FIRING_KIND, firingKey('nightly', occurrence));
    assert.equal(done?.state, 'Started');
  });

  it('finds the latest due minute of a long downtime', () => {
    const times = fireTimesOf(
      { triggerType: 'Recurrence', frequency: 'Minute', interval: 1, timeZone: 'UTC' },
      '2026-01-01T00:00:00Z',
    );
    const now = Date.UTC(2026, 6, 1, 12, 30, 30);
    assert.equal(latestDue(times, Date.UTC(2026, 0, 1), now), Date.UTC(2026, 6, 1, 12, 30));
    assert.equal(latestDue(times, Date.UTC(2026, 6, 1, 12, 30), now), undefined);
  });
});
