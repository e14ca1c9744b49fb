/**
 * S3 datastores, a kind Azure does not have, in Azure's ARM style: `datastoreType: S3`, `bucket`,
 * `region`, `endpoint` (an S3-compatible server's URL; none for AWS) and `credentials`: `{credentialsType:
 * AccessKey, accessKeyId, secrets: {secretAccessKey}}`, or `{credentialsType: None}` for the server's own
 * AWS identity (the AWS SDK's default chain: environment, shared files, container or instance role). The
 * secret access key is sealed by the data dir's secret box and opened only in memory; the bucket is listed
 * before the datastore is saved, so a wrong key, a missing bucket or an unreachable endpoint is refused with
 * S3's own error code.
 */
import type { SecretBox } from '../auth/secrets/secret-box.ts';
import { ValidationError } from '../core/errors.ts';
import type { S3Datastore } from '../core/resources.ts';
import { optionalString, prop } from '../core/wire-values.ts';
import type { DatastoreBackend } from '../storage/contract.ts';
import {
  probeS3Bucket,
  s3DatastoreOver,
  s3ErrorCode,
  s3HttpStatus,
  type S3Connection,
} from '../storage/s3/s3.ts';
import { requiredText, credentialsTypeOf } from './blob-datastores.ts';
import { probeDatastore } from './datastore-probe.ts';

export type S3Fields = Pick<S3Datastore, 'datastoreType' | 'bucket' | 'region' | 'endpoint' | 'credentials'>;

const DEFAULT_REGION = 'us-east-1';
const FIELD = 'properties.credentials';
/** S3's bucket naming rule (3 to 63 lower-case letters, digits, dots and hyphens). */
const BUCKET_NAME = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;

function credentialsOf(creds: unknown, box: SecretBox): S3Fields['credentials'] {
  const forms =
    '{credentialsType: AccessKey, accessKeyId, secrets: {secretAccessKey}} or {credentialsType: None} ' +
    "(the server's own AWS identity)";
  const type = credentialsTypeOf(creds, ['AccessKey'] as const, forms);
  if (type === 'None') return { credentialsType: 'None' };
  const secret = requiredText(
    prop(prop(creds, 'secrets'), 'secretAccessKey'),
    `${FIELD}.secrets.secretAccessKey`,
    'the secret access key',
  );
  return {
    credentialsType: 'AccessKey',
    accessKeyId: requiredText(prop(creds, 'accessKeyId'), `${FIELD}.accessKeyId`, 'the access key id'),
    sealedSecret: box.seal(secret),
  };
}

function endpointOf(value: unknown): string | undefined {
  const field = 'properties.endpoint';
  const text = optionalString(value, field)?.trim();
  if (!text) return undefined;
  let url: URL | undefined;
  try {
    url = new URL(text);
  } catch {
    url = undefined;
  }
  if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:') || url.search || url.hash) {
    throw new ValidationError(
      `'${field}' must be the full URL of an S3-compatible server (e.g. http://127.0.0.1:4568), or left ` +
        `out for AWS; got '${text.slice(0, 100)}'.`,
      field,
    );
  }
  if (url.username || url.password) {
    throw new ValidationError(`'${field}' must not carry credentials; give them in '${FIELD}'.`, field);
  }
  return text.replace(/\/+$/, '');
}

/** Reads the ARM `properties` of an S3 datastore; the secret access key comes back sealed. */
export function readS3Fields(props: unknown, box: SecretBox): S3Fields {
  const bucket = requiredText(prop(props, 'bucket'), 'properties.bucket', 'the S3 bucket to serve');
  if (!BUCKET_NAME.test(bucket)) {
    throw new ValidationError(
      `'properties.bucket' '${bucket.slice(0, 70)}' is not an S3 bucket name: 3 to 63 lower-case letters, ` +
        'digits, dots and hyphens, starting and ending with a letter or digit.',
      'properties.bucket',
    );
  }
  const endpoint = endpointOf(prop(props, 'endpoint'));
  return {
    datastoreType: 'S3',
    bucket,
    region: optionalString(prop(props, 'region'), 'properties.region')?.trim() || DEFAULT_REGION,
    ...(endpoint ? { endpoint } : {}),
    credentials: credentialsOf(prop(props, 'credentials'), box),
  };
}

function connectionOf(ds: S3Fields, box: SecretBox): S3Connection {
  const c = ds.credentials;
  return {
    bucket: ds.bucket,
    region: ds.region,
    ...(ds.endpoint ? { endpoint: ds.endpoint } : {}),
    ...(c.credentialsType === 'AccessKey'
      ? { credentials: { accessKeyId: c.accessKeyId, secretAccessKey: box.open(c.sealedSecret) } }
      : {}),
  };
}

export function s3BackendOf(ds: S3Fields, box: SecretBox): DatastoreBackend {
  return s3DatastoreOver(connectionOf(ds, box));
}

/** Lists one object of the bucket; any failure is a 400 naming the datastore and S3's error code. */
export async function probeS3Datastore(name: string, ds: S3Fields, box: SecretBox): Promise<void> {
  const connection = connectionOf(ds, box);
  await probeDatastore({
    name,
    operation: `listing bucket '${ds.bucket}' at ${ds.endpoint ?? `AWS S3 (${ds.region})`}`,
    run: (signal) => probeS3Bucket(connection, signal),
    codeOf: s3ErrorCode,
    statusOf: s3HttpStatus,
    hint:
      ds.credentials.credentialsType === 'None'
        ? "check the bucket, region and endpoint, and that the server's own AWS identity may list it."
        : 'check the bucket, region, endpoint, access key id and secret access key.',
  });
}
