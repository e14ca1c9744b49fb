/**
 * The entry of the s3rver child process test/helpers/s3rver.ts starts: registers the key pair it is given
 * (argv: directory, bucket names joined by ',', access key id, secret), runs s3rver on a free port of
 * 127.0.0.1 and prints that port. A child of its own because s3rver makes its ListObjectsV2 continuation
 * tokens with DES, which Node 24's OpenSSL offers only under --openssl-legacy-provider: without it, any
 * listing cut into pages (a folder check over two objects, a bucket of more than a page) fails with
 * InternalError.
 */
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';

interface S3rverServer {
  run(): Promise<AddressInfo>;
}
type S3rverClass = new (options: Record<string, unknown>) => S3rverServer;
interface S3rverAccounts {
  DUMMY_ACCOUNT: { createKeyPair(id: string, secret: string): void };
}

const [directory = '', buckets = '', accessKeyId = '', secretAccessKey = ''] = process.argv.slice(2);
const require = createRequire(import.meta.url);
const S3rver = require('s3rver') as S3rverClass;
const accounts = require('s3rver/lib/models/account') as S3rverAccounts;
accounts.DUMMY_ACCOUNT.createKeyPair(accessKeyId, secretAccessKey);
const server = new S3rver({
  address: '127.0.0.1',
  port: 0,
  silent: true,
  directory,
  configureBuckets: buckets
    .split(',')
    .filter(Boolean)
    .map((name) => ({ name })),
});
const { port } = await server.run();
process.stdout.write(`s3rver listening on port ${String(port)}\n`);
