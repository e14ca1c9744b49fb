/**
 * Turns a WebActivity `authentication` block into what the request carries (spec §2.7.1 table): an
 * `Authorization` header for Basic, MSI, UserAssignedManagedIdentity and ServicePrincipal, or a TLS client
 * certificate for ClientCertificate. Secrets go through the SecretProvider and tokens through the
 * TokenProvider, so the same pipeline runs against Nightshift's token service or a test double.
 */
import { createSecureContext } from 'node:tls';
import { ActivityFailure } from '../runner/activity-failure.ts';
import type { ServicePrincipalTokenRequest, WebActivityDeps } from './contract.ts';
import { isRecord } from './request.ts';
import {
  authenticationNotSupported,
  managedIdentityTokenFailed,
  requiredProperty,
  secretNotResolved,
  servicePrincipalTokenFailed,
  wrongPropertyType,
} from './web-failures.ts';

export interface RequestCredentials {
  /** Header to add (replacing one the pipeline set itself), or undefined when there is none. */
  authorization: string | undefined;
  tls?: { pfx: Buffer; passphrase?: string };
}

type AuthDeps = Pick<
  WebActivityDeps,
  'tokens' | 'secrets' | 'signal' | 'credentialClientId' | 'dataFactoryName' | 'region'
>;

export async function resolveCredentials(
  authentication: Record<string, unknown> | undefined,
  deps: AuthDeps,
): Promise<RequestCredentials> {
  const type = authentication?.type;
  if (authentication === undefined || type === undefined || type === null || type === '') {
    return { authorization: undefined };
  }
  if (typeof type !== 'string') throw wrongPropertyType('authentication.type', 'String');
  switch (type.toLowerCase()) {
    case 'none':
      return { authorization: undefined };
    case 'basic':
      return { authorization: await basicAuthorization(authentication, deps) };
    case 'msi':
    case 'systemassignedmanagedidentity':
      return { authorization: await managedIdentityAuthorization(authentication, undefined, deps) };
    case 'userassignedmanagedidentity':
      return { authorization: await userAssignedAuthorization(authentication, deps) };
    case 'serviceprincipal':
      return { authorization: await servicePrincipalAuthorization(authentication, deps) };
    case 'clientcertificate':
      return { authorization: undefined, tls: await clientCertificate(authentication, deps) };
    default:
      throw authenticationNotSupported(
        type,
        'use Basic, ClientCertificate, MSI, UserAssignedManagedIdentity or ServicePrincipal.',
      );
  }
}

function requiredString(auth: Record<string, unknown>, ...names: string[]): string {
  for (const name of names) {
    const value = auth[name];
    if (typeof value === 'string' && value !== '') return value;
    if (value !== undefined && value !== null && value !== '') {
      throw wrongPropertyType(`authentication.${name}`, 'String');
    }
  }
  throw requiredProperty(`authentication.${names[0] ?? ''}`);
}

function rethrowIfCancelled(deps: AuthDeps): void {
  if (deps.signal?.aborted === true) throw deps.signal.reason;
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

async function secret(auth: Record<string, unknown>, deps: AuthDeps, ...names: string[]): Promise<string> {
  const name = names.find((n) => auth[n] !== undefined && auth[n] !== null);
  if (name === undefined) throw requiredProperty(`authentication.${names[0] ?? ''}`);
  try {
    return await deps.secrets.resolve(auth[name], `authentication.${name}`, optionsOf(deps));
  } catch (error) {
    rethrowIfCancelled(deps);
    if (error instanceof ActivityFailure) throw error;
    throw secretNotResolved(describe(error));
  }
}

function optionsOf(deps: AuthDeps): { signal?: AbortSignal } {
  return deps.signal === undefined ? {} : { signal: deps.signal };
}

async function basicAuthorization(auth: Record<string, unknown>, deps: AuthDeps): Promise<string> {
  const username = requiredString(auth, 'username');
  const password = await secret(auth, deps, 'password');
  return `Basic ${Buffer.from(`${username}:${password}`, 'utf8').toString('base64')}`;
}

async function managedIdentityAuthorization(
  auth: Record<string, unknown>,
  clientId: string | undefined,
  deps: AuthDeps,
): Promise<string> {
  const resource = requiredString(auth, 'resource');
  try {
    return `Bearer ${await deps.tokens.managedIdentityToken(resource, clientId, optionsOf(deps))}`;
  } catch (error) {
    rethrowIfCancelled(deps);
    throw managedIdentityTokenFailed(
      deps.dataFactoryName ?? 'nightshift',
      deps.region ?? 'Local',
      describe(error),
    );
  }
}

async function userAssignedAuthorization(auth: Record<string, unknown>, deps: AuthDeps): Promise<string> {
  const credential = auth.credential;
  const name = isRecord(credential) ? credential.referenceName : undefined;
  if (typeof name !== 'string' || name === '')
    throw requiredProperty('authentication.credential.referenceName');
  const clientId = deps.credentialClientId?.(name) ?? name;
  return managedIdentityAuthorization(auth, clientId, deps);
}

async function servicePrincipalAuthorization(auth: Record<string, unknown>, deps: AuthDeps): Promise<string> {
  // The REST/SDK shape (userTenant, username, password|pfx) and the docs page's (tenant, servicePrincipalId,
  // servicePrincipalKey) are both seen in exports.
  const request: ServicePrincipalTokenRequest = {
    tenant: requiredString(auth, 'userTenant', 'tenant'),
    clientId: requiredString(auth, 'username', 'servicePrincipalId'),
    resource: requiredString(auth, 'resource'),
  };
  if (auth.pfx !== undefined && auth.pfx !== null) {
    const certificate: { pfx: string; password?: string } = { pfx: await secret(auth, deps, 'pfx') };
    if (auth.password !== undefined && auth.password !== null) {
      certificate.password = await secret(auth, deps, 'password');
    }
    request.certificate = certificate;
  } else {
    request.secret = await secret(auth, deps, 'password', 'servicePrincipalKey');
  }
  try {
    return `Bearer ${await deps.tokens.servicePrincipalToken(request, optionsOf(deps))}`;
  } catch (error) {
    rethrowIfCancelled(deps);
    throw servicePrincipalTokenFailed(describe(error));
  }
}

async function clientCertificate(
  auth: Record<string, unknown>,
  deps: AuthDeps,
): Promise<{ pfx: Buffer; passphrase?: string }> {
  const pfx = Buffer.from(await secret(auth, deps, 'pfx'), 'base64');
  const hasPassword = auth.password !== undefined && auth.password !== null;
  const certificate = hasPassword ? { pfx, passphrase: await secret(auth, deps, 'password') } : { pfx };
  // Opening the PKCS#12 now turns a wrong password or a corrupt file into Data Factory's error, not a
  // TLS failure on the first request.
  try {
    createSecureContext(certificate);
  } catch (error) {
    throw new ActivityFailure(
      '2113',
      'ExtractAuthorizationCertificate: Unable to generate a certificate from a Base64 string/password combination',
      { details: describe(error) },
    );
  }
  return certificate;
}
