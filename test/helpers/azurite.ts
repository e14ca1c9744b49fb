/**
 * Azurite, Microsoft's Blob Storage emulator from npm, started by the tests that need real Blob Storage.
 * It runs in memory on a port the system picks, with its working folder in a temporary directory that is
 * removed when it stops, so a test leaves nothing behind. The emulator's own JavaScript is run with the
 * Node that runs the tests (the bin's shebang would pick the system's older Node). With `oauth`, it serves
 * HTTPS with the given certificate and accepts Entra ID bearer tokens (`--oauth basic`: issuer, audience
 * and times are checked, not the signature), as it does only over HTTPS.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ContainerClient } from '@azure/storage-blob';
import { containerClientOf } from '../../src/storage/azure-blob/connection.ts';
import { runCli, writeFileIn } from './cli.ts';
import { REPO_ROOT } from './repo.ts';
import { stopProcess } from './processes.ts';

/** Azurite's well-known development account (public, documented by Microsoft; not a secret). */
export const DEV_ACCOUNT = 'devstoreaccount1';
export const DEV_KEY =
  'Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==';

export interface Azurite {
  /** The account URL, e.g. http://127.0.0.1:PORT/devstoreaccount1. */
  accountUrl: string;
  port: number;
  /** The emulator's process id (the bench reads its CPU time from /proc). */
  pid: number | undefined;
  stop(): Promise<void>;
}

const MAIN = join(REPO_ROOT, 'node_modules', 'azurite', 'dist', 'src', 'blob', 'main.js');

/** Resolves with the port once Azurite prints that it listens; rejects if it exits first. */
function listeningPort(child: ChildProcess): Promise<number> {
  return new Promise((resolve, reject) => {
    let seen = '';
    const onData = (chunk: Buffer) => {
      seen += chunk.toString();
      const match = /successfully listens on https?:\/\/127\.0\.0\.1:(\d+)/.exec(seen);
      if (match?.[1] !== undefined) {
        child.stdout?.off('data', onData);
        resolve(Number(match[1]));
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', (chunk: Buffer) => (seen += chunk.toString()));
    child.once('exit', (code) => {
      reject(new Error(`azurite-blob exited (${String(code)}) before listening:\n${seen}`));
    });
  });
}

/** Starts an in-memory Azurite Blob service on a free port of 127.0.0.1. */
export async function startAzurite(
  options: { oauth?: { certFile: string; keyFile: string } } = {},
): Promise<Azurite> {
  const dir = mkdtempSync(join(tmpdir(), 'ns-azurite-'));
  const args = [
    MAIN,
    '--inMemoryPersistence',
    '--skipApiVersionCheck',
    '--disableTelemetry',
    '--blobHost',
    '127.0.0.1',
    '--blobPort',
    '0',
    ...(options.oauth
      ? ['--oauth', 'basic', '--cert', options.oauth.certFile, '--key', options.oauth.keyFile]
      : []),
  ];
  const child = spawn(process.execPath, args, { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
  const stop = async () => {
    await stopProcess(child);
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    const port = await listeningPort(child);
    // Drain the output from here on, so a chatty emulator never blocks on a full pipe.
    child.stdout.resume();
    child.stderr.resume();
    const scheme = options.oauth ? 'https' : 'http';
    return {
      accountUrl: `${scheme}://127.0.0.1:${String(port)}/${DEV_ACCOUNT}`,
      port,
      pid: child.pid,
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}

/** Azure's YAML for a Blob datastore over `container` of this emulator (or a proxy at `endpoint`). */
export function blobDatastoreYaml(name: string, container: string, endpoint: string): string {
  return [
    `name: ${name}`,
    'type: azure_blob',
    `account_name: ${DEV_ACCOUNT}`,
    `container_name: ${container}`,
    `endpoint: ${endpoint}`,
    'protocol: http',
    'credentials:',
    `  account_key: ${DEV_KEY}`,
    '',
  ].join('\n');
}

/**
 * Makes `container` in Azurite and registers it through the CLI as Blob datastore `name` on the server at
 * `serverUrl` (its YAML written into `scratch`); returns the container's client for uploads.
 */
export async function registerBlobDatastore(
  azurite: Azurite,
  serverUrl: string,
  scratch: string,
  names: { datastore: string; container: string },
): Promise<ContainerClient> {
  const container = containerClientOf({
    accountName: DEV_ACCOUNT,
    containerName: names.container,
    endpoint: azurite.accountUrl,
    credential: { accountKey: DEV_KEY },
  });
  await container.create();
  const yaml = blobDatastoreYaml(names.datastore, names.container, azurite.accountUrl);
  const file = writeFileIn(scratch, `${names.datastore}.yml`, yaml);
  const created = await runCli(['datastore', 'create', '-f', file], { server: serverUrl });
  assert.equal(created.code, 0, created.stderr);
  return container;
}
