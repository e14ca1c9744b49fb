/**
 * A scaled-out server rides out its database and its queue going away mid-job. Redis is a private
 * `redis-server` this test kills with SIGKILL and starts again empty: the job's tasks are gone with it,
 * and the server rebuilds them from the database, the source of truth. PostgreSQL is the shared test
 * server, so its outage is made on the test's own database: every connection to it is cut and new ones
 * refused for a few seconds, as a restart looks to a client. Both jobs Complete with every input once.
 */
import { after, before, describe, test } from 'node:test';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import assert from 'node:assert/strict';
import { startServeProcess, type ServeProcess } from '../helpers/cli.ts';
import { needs, POSTGRES, REDIS_SERVER } from '../helpers/components.ts';
import { folderBody, Nightshift, smallFiles } from '../helpers/jobs.ts';
import { startPrivateRedis, type PrivateRedis } from '../helpers/redis.ts';
import {
  adminQuery,
  assertEachOnce,
  createTestDatabase,
  SLEEPY_SCRIPT,
  type TestDatabase,
} from '../helpers/scale-out.ts';

describe(
  'a scaled-out server when Redis or PostgreSQL goes away',
  await needs(POSTGRES, REDIS_SERVER),
  () => {
    const root = mkdtempSync(join(tmpdir(), 'nightshift-outage-'));
    let database: TestDatabase | undefined;
    let redis: PrivateRedis | undefined;
    let server: ServeProcess | undefined;
    let ns: Nightshift | undefined;
    let scoringUri = '';

    before(async () => {
      database = await createTestDatabase();
      redis = await startPrivateRedis();
      const config = join(root, 'config.json');
      writeFileSync(config, JSON.stringify({ leaseMs: 3000 }));
      const args = [
        '--database',
        database.url,
        '--queue',
        redis.url,
        '--config',
        config,
        '--log-format',
        'json',
      ];
      server = startServeProcess(join(root, 'data'), args);
      ns = await Nightshift.connect(await server.ready);
      ({ scoringUri } = await ns.deploy({
        script: SLEEPY_SCRIPT,
        settings: { miniBatchSize: 2, maxConcurrencyPerInstance: 2, maxRetries: 0 },
      }));
    });

    after(async () => {
      if (server && server.child.exitCode === null && server.child.signalCode === null) {
        server.child.kill('SIGTERM');
        await server.exited;
      }
      await redis?.kill();
      await database?.drop();
      rmSync(root, { recursive: true, force: true });
    });

    const the = () => {
      assert.ok(ns && redis && database);
      return { ns, redis, database };
    };

    test('Redis killed and started again empty: the queue is rebuilt from the database', async () => {
      const { ns, redis } = the();
      const files = smallFiles(40, 'r');
      await ns.uploadFiles('inputs/redis', files);
      const started = await ns.start(scoringUri, folderBody('inputs/redis'));
      await ns.waitUntil(started.name, (j) => j.properties.progress.miniBatches.succeeded >= 3);
      await redis.kill();
      await sleep(1000);
      await redis.restart();
      const job = await ns.waitForJob(started.name, 90_000);
      assert.equal(job.properties.status, 'Completed', job.properties.result ?? '');
      assertEachOnce(await ns.outputLines(job), Object.keys(files));
    });

    test('PostgreSQL connections cut and refused for a while: the server reconnects and carries on', async () => {
      const { ns, database } = the();
      const files = smallFiles(40, 'p');
      await ns.uploadFiles('inputs/postgres', files);
      const started = await ns.start(scoringUri, folderBody('inputs/postgres'));
      await ns.waitUntil(started.name, (j) => j.properties.progress.miniBatches.succeeded >= 3);
      await adminQuery(`ALTER DATABASE ${database.name} ALLOW_CONNECTIONS false`);
      await adminQuery('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1', [
        database.name,
      ]);
      await sleep(3000);
      await adminQuery(`ALTER DATABASE ${database.name} ALLOW_CONNECTIONS true`);
      const job = await ns.waitForJob(started.name, 90_000);
      assert.equal(job.properties.status, 'Completed', job.properties.result ?? '');
      assertEachOnce(await ns.outputLines(job), Object.keys(files));
    });
  },
);
