/**
 * How a datastore's settings become a client of one Azure Blob container: the account URL (a full URL as
 * given, for Azurite or a private endpoint, or Azure's `{protocol}://{account}.blob.{suffix}`) and the
 * credential (an account key, a SAS token carried in the URL, or an Entra ID token credential for
 * identity-based access and ADLS Gen2 service principals). Kept apart from the backend so the
 * datastore registry can probe a container at creation with the very client the backend will use.
 */
import type { TokenCredential } from '@azure/identity';
import {
  AnonymousCredential,
  BlobServiceClient,
  StorageSharedKeyCredential,
  type ContainerClient,
} from '@azure/storage-blob';

export type BlobCredential =
  | { accountKey: string }
  | { sasToken: string }
  /** `audience`: the token's resource when not Azure Storage's own (`https://storage.azure.com/`). */
  | { tokenCredential: TokenCredential; audience?: string };

export interface BlobConnection {
  accountName: string;
  containerName: string;
  /** A DNS suffix (`core.windows.net`, the default) or a full account URL (`http://127.0.0.1:10000/devstoreaccount1`). */
  endpoint?: string;
  /** `https` (the default) or `http`; used only with a DNS suffix. */
  protocol?: string;
  credential: BlobCredential;
}

export const DEFAULT_BLOB_ENDPOINT = 'core.windows.net';

/** The account's Blob service URL, without a trailing slash. */
export function accountUrlOf(c: Pick<BlobConnection, 'accountName' | 'endpoint' | 'protocol'>): string {
  const endpoint = (c.endpoint ?? DEFAULT_BLOB_ENDPOINT).trim();
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(endpoint)) return endpoint.replace(/\/+$/, '');
  const suffix = endpoint.replace(/^\.+/, '').replace(/\/+$/, '');
  return `${c.protocol ?? 'https'}://${c.accountName}.blob.${suffix}`;
}

/**
 * A client of the datastore's container. No request is made here. `maxTries` bounds the SDK's retries
 * (4 by default, with backoff): a probe at creation asks once, so an unreachable endpoint is refused at
 * once instead of after half a minute of backoff.
 */
export function containerClientOf(c: BlobConnection, options: { maxTries?: number } = {}): ContainerClient {
  const url = accountUrlOf(c);
  const pipeline = options.maxTries === undefined ? {} : { retryOptions: { maxTries: options.maxTries } };
  const credential = c.credential;
  let service: BlobServiceClient;
  if ('accountKey' in credential) {
    service = new BlobServiceClient(
      url,
      new StorageSharedKeyCredential(c.accountName, credential.accountKey),
      pipeline,
    );
  } else if ('sasToken' in credential) {
    service = new BlobServiceClient(
      `${url}?${credential.sasToken.replace(/^\?/, '')}`,
      new AnonymousCredential(),
      pipeline,
    );
  } else {
    const audience = credential.audience === undefined ? {} : { audience: credential.audience };
    service = new BlobServiceClient(url, credential.tokenCredential, { ...pipeline, ...audience });
  }
  return service.getContainerClient(c.containerName);
}

/** The storage service's own error code of a failed request ('AuthenticationFailed', ...), if any. */
export function storageErrorCode(error: unknown): string | undefined {
  const e = error as { code?: unknown; details?: { errorCode?: unknown } };
  if (typeof e.details?.errorCode === 'string') return e.details.errorCode;
  return typeof e.code === 'string' ? e.code : undefined;
}

/** Whether a failed request was a 404 (the blob or container is not there). */
export function isStorageNotFound(error: unknown): boolean {
  return (error as { statusCode?: unknown }).statusCode === 404;
}
