/**
 * The README's "Scale out" section runs as written: its shell blocks, taken from README.md, start Azurite,
 * two servers on PostgreSQL and Redis with a shared keys dir and shared dir and an artifact store, and
 * three `nightshift worker`s on the example's compute; create the tour's endpoint, score the sample from a
 * container, then invoke a 1,000-file job through server 1, `kill -9` it and a worker, and count the
 * output's rows. What
 * needs root or a system service is left out: the apt-get, cluster, createdb and redis-server lines (the
 * test's PostgreSQL, in a database of its own, and the test's Redis stand in) and nginx (server 2 plays the
 * balancer, so the CLI and the tokens' issuer name it). Ports are free ones in place of 8081 and 8082, and
 * NIGHTSHIFT_LEASE_MS is short so the takeover comes within seconds.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';
import { Client } from 'pg';
import { CURL, needs, POSTGRES, REDIS, testDatabaseUrl, testRedisUrl } from '../helpers/components.ts';
import { REPO_ROOT } from '../helpers/repo.ts';
import { shellBlocks, newUserEnv, runShell } from '../helpers/readme.ts';
import { DEV_ACCOUNT, DEV_KEY } from '../helpers/azurite.ts';
import { adminQuery } from '../helpers/scale-out.ts';

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      probe.close(() => {
        resolve(typeof address === 'object' && address ? address.port : 0);
      });
    });
  });
}

/** The jobs the servers recorded, so their Redis keys can go; none when the database never came up. */
async function jobNames(url: string): Promise<string[]> {
  const client = new Client({ connectionString: url });
  try {
    await client.connect();
    return (await client.query<{ name: string }>("SELECT body::json->>'name' AS name FROM jobs")).rows.map(
      (row) => row.name,
    );
  } catch {
    return [];
  } finally {
    await client.end().catch(() => undefined);
  }
}

function databaseUrl(name: string): string {
  const url = new URL(testDatabaseUrl());
  url.pathname = `/${name}`;
  return url.toString();
}

interface Setting {
  database: string;
  ns: string;
  first: number;
  second: number;
  azurite: number;
}

/** The section as one bash script for this machine; every server's pid is appended to $NS/pids. */
function scaleOutScript(readme: string, s: Setting): string {
  return shellBlocks(readme, 'Scale out')
    .join('\n')
    .split('\n')
    .filter((line) => !/^\s*(sudo |redis-cli )/.test(line))
    .map((line) =>
      line
        .replace(/^NS=\S+/, `NS=${s.ns}`)
        .replace('postgresql://nightshift:change-me@127.0.0.1:5432/nightshift', databaseUrl(s.database))
        .replace('redis://127.0.0.1:6379', testRedisUrl())
        .replaceAll('127.0.0.1:8080', `127.0.0.1:${s.second}`)
        .replaceAll('8081', String(s.first))
        .replaceAll('8082', String(s.second))
        .replaceAll('10000', String(s.azurite))
        // The SDK's development connection string names port 10000 itself.
        .replace(
          'UseDevelopmentStorage=true',
          `DefaultEndpointsProtocol=http;AccountName=${DEV_ACCOUNT};AccountKey=${DEV_KEY};BlobEndpoint=http://127.0.0.1:${s.azurite}/${DEV_ACCOUNT}`,
        )
        .replace(/^npx azurite-blob/, join(REPO_ROOT, 'node_modules', '.bin', 'azurite-blob'))
        .replace(/^([SW]\d|AZ)=\$!/, '$1=$!; echo $$$1 >> "$NS/pids"')
        // The servers' and workers' stdout would hold the test's pipe open after bash ends.
        .replace(/^(nightshift (serve|worker) .*) &$/, '$1 > /dev/null &'),
    )
    .join('\n');
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Deletes what the servers kept in Redis for these jobs (their queues, ids and index entries). */
async function removeRedisKeys(jobs: readonly string[]): Promise<void> {
  const redis = new Redis(testRedisUrl(), { lazyConnect: true, maxRetriesPerRequest: 1 });
  await redis.connect();
  try {
    for (const job of jobs) {
      const keys = await redis.keys(`nightshift:*job.${job}*`);
      if (keys.length > 0) await redis.del(...keys);
      await redis.srem('nightshift:nightshift:queues', `job.${job}`);
      const fields = (await redis.hkeys('nightshift:nightshift:index')).filter((f) => f.startsWith(job));
      if (fields.length > 0) await redis.hdel('nightshift:nightshift:index', ...fields);
    }
  } finally {
    redis.disconnect();
  }
}

const options = await needs(POSTGRES, REDIS, CURL);

void describe('the README, Scale out', options, () => {
  const scratch = mkdtempSync(join(tmpdir(), 'nightshift-readme-scale-'));
  const database = `ns_readme_${randomUUID().replaceAll('-', '').slice(0, 12)}`;
  const ns = join(scratch, 'ns');

  after(async () => {
    const pids = existsSync(join(ns, 'pids'))
      ? readFileSync(join(ns, 'pids'), 'utf8').split(/\s+/).filter(Boolean).map(Number)
      : [];
    for (const pid of pids.filter(alive)) process.kill(pid, 'SIGTERM');
    while (pids.some(alive)) await sleep(100);
    const jobs = await jobNames(databaseUrl(database));
    await removeRedisKeys(jobs);
    await adminQuery(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
    rmSync(scratch, { recursive: true, force: true });
  });

  void it('runs two servers, survives kill -9 of the one driving a job, and writes every row once', async () => {
    await adminQuery(`CREATE DATABASE ${database}`);
    const setting = {
      database,
      ns,
      first: await freePort(),
      second: await freePort(),
      azurite: await freePort(),
    };
    for (const folder of ['fixtures', 'node_modules'])
      symlinkSync(join(REPO_ROOT, folder), join(scratch, folder));
    // The examples as they are, but for the emulator's port in the datastores' YAML.
    cpSync(join(REPO_ROOT, 'examples'), join(scratch, 'examples'), { recursive: true });
    for (const file of ['artifacts.yml', 'scoring-data.yml']) {
      const path = join(scratch, 'examples', 'scale-out', file);
      writeFileSync(path, readFileSync(path, 'utf8').replace(':10000/', `:${setting.azurite}/`));
    }
    const readme = readFileSync(join(REPO_ROOT, 'README.md'), 'utf8');
    const script = scaleOutScript(readme, setting);
    assert.match(script, /kill -9 \$S1/);
    assert.match(script, /uniq -d/);
    const env = newUserEnv(scratch, { NIGHTSHIFT_LEASE_MS: '3000' });
    const { code, stdout, stderr } = await runShell(script, { cwd: scratch, env });
    assert.equal(code, 0, `the README stopped at:\n${stderr.split('\n').slice(-12).join('\n')}`);
    // Every row once: 250 copies of each sample file, no (row, file) pair twice.
    assert.match(stdout, /^\s*142250\n\s*0\n/m);
    // job stream draws its progress on stderr.
    assert.match(stderr, /Completed - mini-batches 1000\/1000/);
    // Unless server 1 ended the job before it was killed, server 2 took it over.
    const server1 = readFileSync(join(ns, 'server1.log'), 'utf8');
    const server2 = readFileSync(join(ns, 'server2.log'), 'utf8');
    assert.match(stdout, /nightshift_mini_batches_succeeded_total\{[^}]*compute="batch-cluster"\} \d+/);
    if (!server1.includes('job ended')) {
      assert.match(server2, /taking over a job whose server stopped/);
    }
  });
});
