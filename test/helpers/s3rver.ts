/**
 * s3rver, an S3-compatible server from npm, started by the tests that need real S3. It runs inside the
 * test process on a port the system picks, keeping its buckets in a temporary folder that is removed when
 * it stops, so a test leaves nothing behind. It knows one key pair (S3RVER/S3RVER); a wrong key id is
 * InvalidAccessKeyId, a wrong secret SignatureDoesNotMatch, a missing bucket NoSuchBucket, as on AWS.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** s3rver's fixed development key pair (public, in its README; not a secret). */
export const S3RVER_KEY_ID = 'S3RVER';
export const S3RVER_SECRET = 'S3RVER';
export const S3RVER_REGION = 'us-east-1';

export interface S3rver {
  /** The server's URL, e.g. http://127.0.0.1:PORT, for an S3 client's `endpoint`. */
  endpoint: string;
  stop(): Promise<void>;
}

/** The few members of s3rver's class the tests use (it ships no types). */
interface S3rverServer {
  run(): Promise<AddressInfo>;
  close(): Promise<void>;
}
type S3rverClass = new (options: Record<string, unknown>) => S3rverServer;

/** Starts s3rver on a free port of 127.0.0.1 with the given buckets made. */
export async function startS3rver(buckets: readonly string[] = []): Promise<S3rver> {
  const S3rverServer = createRequire(import.meta.url)('s3rver') as S3rverClass;
  const directory = mkdtempSync(join(tmpdir(), 'ns-s3rver-'));
  const server = new S3rverServer({
    address: '127.0.0.1',
    port: 0,
    silent: true,
    directory,
    configureBuckets: buckets.map((name) => ({ name })),
  });
  try {
    const { port } = await server.run();
    return {
      endpoint: `http://127.0.0.1:${String(port)}`,
      stop: async () => {
        await server.close();
        rmSync(directory, { recursive: true, force: true });
      },
    };
  } catch (error) {
    rmSync(directory, { recursive: true, force: true });
    throw error;
  }
}
