/**
 * Two servers scaled out on one PostgreSQL database and one Redis (in this process, sharing a keys dir
 * and the built-in datastores' folder) watch the same schedule on one virtual schedule clock, so both
 * wake at every occurrence and race for it. Each occurrence must start exactly one job, whichever server
 * wins, and either server lists the same jobs.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { VirtualClock } from '../../src/pipelines/time/virtual-clock.ts';
import { runCli } from '../helpers/cli.ts';
import { needs, POSTGRES, REDIS } from '../helpers/components.ts';
import { ownQueue } from '../helpers/redis.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/scale-out.ts';
import { startServer, type TestServer } from '../helpers/server.ts';

const HOUR = 3_600_000;
// 00:10 UTC: the hourly schedule's first occurrence (01:00) is 50 minutes away.
const START = Date.UTC(2026, 5, 1, 0, 10);

interface JobBody {
  name: string;
  properties: { status: string; tags: Record<string, string> };
}

describe('a schedule watched by two scaled-out servers', await needs(POSTGRES, REDIS), () => {
  const root = mkdtempSync(join(tmpdir(), 'nightshift-schedules-scale-'));
  const queue = ownQueue();
  const clock = new VirtualClock({ start: START, autoAdvance: false });
  let database: TestDatabase | undefined;
  const servers: TestServer[] = [];

  before(async () => {
    database = await createTestDatabase();
    const env = {
      NIGHTSHIFT_DATABASE_URL: database.url,
      NIGHTSHIFT_QUEUE_URL: queue.url,
      NIGHTSHIFT_KEYS_DIR: join(root, 'keys'),
      NIGHTSHIFT_SHARED_DIR: join(root, 'shared'),
    };
    for (const name of ['a', 'b']) {
      servers.push(await startServer({ dataDir: join(root, name), env, scheduleClock: clock }));
    }
    const a = servers[0];
    assert.ok(a);
    for (const args of [
      ['model', 'create', '-f', 'examples/breast-cancer/model.yml'],
      ['batch-endpoint', 'create', '-f', 'examples/breast-cancer/endpoint.yml'],
      // On the servers' own pools: a cluster's nodes would be `nightshift worker` processes.
      [
        'batch-deployment',
        'create',
        '-f',
        'examples/breast-cancer/deployment.yml',
        '--set-default',
        '--set',
        'compute=local',
      ],
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
      const result = await runCli([...args, '-o', 'none'], { server: a.url });
      assert.equal(result.code, 0, `${args.join(' ')}: ${result.stderr}`);
    }
  });

  after(async () => {
    for (const server of servers) await server.stop();
    await database?.drop();
    await queue.clear();
    rmSync(root, { recursive: true, force: true });
  });

  it('starts exactly one job per occurrence, whichever server wins it', async () => {
    const [a, b] = servers;
    assert.ok(a && b);
    const created = await runCli(
      [
        'schedule',
        'create',
        '-f',
        'examples/breast-cancer/schedule.yml',
        '--name',
        'hourly',
        '--set',
        'trigger.type=recurrence',
        '--set',
        'trigger.frequency=hour',
        '--set',
        'trigger.start_time=2026-06-01T01:00:00Z',
        '--set',
        'invoke_batch_endpoint.outputs.score.path=azureml://datastores/workspaceblobstore/paths/hourly/{datetime}.csv',
        '-o',
        'none',
      ],
      { server: a.url },
    );
    assert.equal(created.code, 0, created.stderr);
    const names: string[] = [];
    for (let hour = 1; hour <= 3; hour++) {
      await clock.advance(START - 10 * 60_000 + hour * HOUR + 30_000 - clock.now().getTime());
      const job = `hourly-20260601T0${hour}00Z`;
      names.push(job);
      let status = '';
      for (let tries = 0; status !== 'Completed' && tries < 300; tries++) {
        await new Promise((resolve) => setTimeout(resolve, 200));
        // The runners' passes wait on PostgreSQL, which the virtual clock cannot see: a pass that ended
        // after the advance sleeps from there, so time is nudged on until the job is there.
        await clock.advance(1000);
        const got = await b.call('GET', `${b.ws}/jobs/${job}`);
        status = got.status === 200 ? (got.body as JobBody).properties.status : `HTTP ${got.status}`;
      }
      assert.equal(status, 'Completed', job);
    }
    for (const server of [a, b]) {
      const listed = await server.call('GET', `${server.ws}/jobs?$top=100`);
      const jobs = (listed.body as { value: JobBody[] }).value.filter(
        (j) => j.properties.tags['nightshift.schedule'] === 'hourly',
      );
      assert.deepEqual(jobs.map((j) => j.name).sort(), names);
    }
  });
});
