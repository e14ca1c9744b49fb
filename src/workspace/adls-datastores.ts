/**
 * ADLS Gen2 datastores: Azure's ARM body (`datastoreType: AzureDataLakeGen2`, `accountName`, `filesystem`,
 * `endpoint`, `protocol`, `credentials`: a `ServicePrincipal` with `tenantId`, `clientId`, `secrets:
 * {clientSecret}` and optional `authorityUrl`/`resourceUrl`, or `None` for identity-based access). A Gen2
 * account's file system is a Blob container of the same account, so its files are read and written through
 * the account's Blob endpoint with the Blob backend; a `dfs` account URL given as the endpoint is turned
 * into the `blob` one. The client secret is sealed by the data dir's secret box and opened only in memory;
 * the file system is listed before the datastore is saved, as for Blob.
 */
import type { SecretBox } from '../auth/secrets/secret-box.ts';
import { ValidationError } from '../core/errors.ts';
import type { AdlsGen2Datastore } from '../core/resources.ts';
import { optionalEnum, optionalString, prop } from '../core/wire-values.ts';
import { blobDatastoreOver } from '../storage/azure-blob/azure-blob.ts';
import {
  accountUrlOf,
  containerClientOf,
  DEFAULT_BLOB_ENDPOINT,
  type BlobConnection,
} from '../storage/azure-blob/connection.ts';
import type { DatastoreBackend } from '../storage/contract.ts';
import {
  checkServerTokenTarget,
  credentialOf,
  describePlan,
  identityPlan,
  type IdentityPlan,
} from './azure-identity.ts';
import {
  probeAzureContainer,
  requiredText,
  requireTlsForTokens,
  type AzureAccess,
  credentialsTypeOf,
} from './blob-datastores.ts';

export type AdlsFields = Pick<
  AdlsGen2Datastore,
  'datastoreType' | 'accountName' | 'filesystem' | 'endpoint' | 'protocol' | 'credentials'
>;

const FIELD = 'properties.credentials';

function optionalUrl(value: unknown, field: string): string | undefined {
  const text = optionalString(value, field)?.trim();
  if (!text) return undefined;
  if (!/^https:\/\/[^\s/]+/i.test(text)) {
    throw new ValidationError(`'${field}' must be an https:// URL; got '${text.slice(0, 100)}'.`, field);
  }
  return text;
}

function credentialsOf(creds: unknown, box: SecretBox): AdlsFields['credentials'] {
  const forms =
    '{credentialsType: ServicePrincipal, tenantId, clientId, secrets: {clientSecret}} or ' +
    '{credentialsType: None} (identity-based access)';
  const type = credentialsTypeOf(creds, ['ServicePrincipal'] as const, forms);
  if (type === 'None') return { credentialsType: 'None' };
  const secret = requiredText(
    prop(prop(creds, 'secrets'), 'clientSecret'),
    `${FIELD}.secrets.clientSecret`,
    "the service principal's client secret",
  );
  const authorityUrl = optionalUrl(prop(creds, 'authorityUrl'), `${FIELD}.authorityUrl`);
  const resourceUrl = optionalUrl(prop(creds, 'resourceUrl'), `${FIELD}.resourceUrl`);
  return {
    credentialsType: 'ServicePrincipal',
    tenantId: requiredText(prop(creds, 'tenantId'), `${FIELD}.tenantId`, 'the Entra ID tenant id'),
    clientId: requiredText(prop(creds, 'clientId'), `${FIELD}.clientId`, "the service principal's client id"),
    ...(authorityUrl ? { authorityUrl } : {}),
    ...(resourceUrl ? { resourceUrl } : {}),
    sealedSecret: box.seal(secret),
  };
}

/** Reads the ARM `properties` of an AzureDataLakeGen2 datastore; the client secret comes back sealed. */
export function readAdlsFields(props: unknown, box: SecretBox): AdlsFields {
  const endpoint = optionalString(prop(props, 'endpoint'), 'properties.endpoint')?.trim();
  const fields: AdlsFields = {
    datastoreType: 'AzureDataLakeGen2',
    accountName: requiredText(
      prop(props, 'accountName'),
      'properties.accountName',
      'the storage account name',
    ),
    filesystem: requiredText(prop(props, 'filesystem'), 'properties.filesystem', 'the file system to serve'),
    endpoint: endpoint || DEFAULT_BLOB_ENDPOINT,
    protocol:
      optionalEnum(prop(props, 'protocol'), 'properties.protocol', ['https', 'http'] as const) ?? 'https',
    credentials: credentialsOf(prop(props, 'credentials'), box),
  };
  requireTlsForTokens(fields);
  return fields;
}

/** The identity the datastore's requests go out with. */
function adlsIdentityPlan(ds: AdlsFields, access: AzureAccess): IdentityPlan {
  const c = ds.credentials;
  return identityPlan(
    c.credentialsType === 'ServicePrincipal'
      ? {
          tenantId: c.tenantId,
          clientId: c.clientId,
          ...(c.authorityUrl ? { authorityUrl: c.authorityUrl } : {}),
        }
      : undefined,
    access.identity,
  );
}

/** A token scope from ARM's `resourceUrl` (`https://storage.azure.com/` → `https://storage.azure.com/.default`). */
function scopeOf(resourceUrl: string): string {
  return resourceUrl.endsWith('/.default') ? resourceUrl : `${resourceUrl.replace(/\/+$/, '')}/.default`;
}

function connectionOf(ds: AdlsFields, access: AzureAccess): BlobConnection {
  const c = ds.credentials;
  const secret = c.credentialsType === 'ServicePrincipal' ? access.box.open(c.sealedSecret) : undefined;
  const plan = adlsIdentityPlan(ds, access);
  // The Data Lake endpoint of the account serves the same data as its Blob endpoint.
  const endpoint = ds.endpoint.replace(/^(https?:\/\/[^/]*)\.dfs\./i, '$1.blob.');
  if (plan.kind === 'ManagedIdentity' || plan.source === 'server') {
    checkServerTokenTarget(accountUrlOf({ ...ds, endpoint }), access.identity);
  }
  const tokenCredential = credentialOf(plan, access.identity, secret);
  const resourceUrl = c.credentialsType === 'ServicePrincipal' ? c.resourceUrl : undefined;
  return {
    accountName: ds.accountName,
    containerName: ds.filesystem,
    endpoint,
    protocol: ds.protocol,
    credential: { tokenCredential, ...(resourceUrl ? { audience: scopeOf(resourceUrl) } : {}) },
  };
}

export function adlsBackendOf(ds: AdlsFields, access: AzureAccess): DatastoreBackend {
  return blobDatastoreOver(containerClientOf(connectionOf(ds, access)));
}

/** Checks an ADLS Gen2 datastore before it is saved, as Blob's are checked. */
export async function probeAdlsFilesystem(name: string, ds: AdlsFields, access: AzureAccess): Promise<void> {
  await probeAzureContainer(name, connectionOf(ds, access), describePlan(adlsIdentityPlan(ds, access)));
}
