/**
 * s3rver, an S3-compatible server from npm, started by the tests that need real S3. It runs in a child
 * process (see s3rver-main.ts for why) on a port the system picks, keeping its buckets in a temporary
 * folder that is removed when it stops, so a test leaves nothing behind. It knows its public key pair
 * (S3RVER/S3RVER) and, for tests that search outputs for a secret, a random pair made at each start (a
 * secret equal to its own key id could not be told apart). A wrong key id is InvalidAccessKeyId and a
 * missing bucket NoSuchBucket, as on AWS; s3rver does not check SigV4 signatures, so a wrong secret with a
 * known key id is accepted.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stopProcess } from './processes.ts';

/** s3rver's fixed development key pair (public, in its README; not a secret). */
export const S3RVER_KEY_ID = 'S3RVER';
export const S3RVER_SECRET = 'S3RVER';
export const S3RVER_REGION = 'us-east-1';

export interface S3rver {
  /** The server's URL, e.g. http://127.0.0.1:PORT, for an S3 client's `endpoint`. */
  endpoint: string;
  /** A key pair made for this start, unlike any other text the tests see. */
  credentials: { accessKeyId: string; secretAccessKey: string };
  stop(): Promise<void>;
}

const MAIN = new URL('./s3rver-main.ts', import.meta.url).pathname;

/** Resolves with the port once the child prints it; rejects if it exits first. */
function listeningPort(child: ChildProcess): Promise<number> {
  return new Promise((resolve, reject) => {
    let seen = '';
    const onData = (chunk: Buffer) => {
      seen += chunk.toString();
      const match = /s3rver listening on port (\d+)/.exec(seen);
      if (match?.[1] !== undefined) {
        child.stdout?.off('data', onData);
        resolve(Number(match[1]));
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', (chunk: Buffer) => (seen += chunk.toString()));
    child.once('exit', (code) => {
      reject(new Error(`s3rver exited (${String(code)}) before listening:\n${seen}`));
    });
  });
}

/** Starts s3rver on a free port of 127.0.0.1 with the given buckets made. */
export async function startS3rver(buckets: readonly string[] = []): Promise<S3rver> {
  const directory = mkdtempSync(join(tmpdir(), 'ns-s3rver-'));
  const credentials = {
    accessKeyId: `NSKEY${randomBytes(8).toString('hex').toUpperCase()}`,
    secretAccessKey: randomBytes(30).toString('base64url'),
  };
  const args = [
    '--openssl-legacy-provider',
    MAIN,
    directory,
    buckets.join(','),
    credentials.accessKeyId,
    credentials.secretAccessKey,
  ];
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  const stop = async () => {
    await stopProcess(child);
    rmSync(directory, { recursive: true, force: true });
  };
  try {
    const port = await listeningPort(child);
    // Drain the output from here on, so the child never blocks on a full pipe.
    child.stdout.resume();
    child.stderr.resume();
    return { endpoint: `http://127.0.0.1:${String(port)}`, credentials, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}
