/**
 * The ports WebActivity runs against (spec §2.7.1, §7.1 ports/). The activity itself is a plain function of
 * its evaluated typeProperties and these ports, so the runner, tests and Nightshift's server can each plug
 * in their own HTTP client, clock, token source and secret store without the activity knowing which.
 */
import type { Clock } from '../time/clock.ts';

/** The subset of the WHATWG fetch signature the activity uses; the global fetch satisfies it. */
export type FetchLike = (input: string, init: RequestInit) => Promise<Response>;

export interface TokenRequestOptions {
  signal?: AbortSignal;
}

export interface ServicePrincipalTokenRequest {
  tenant: string;
  clientId: string;
  /** Token audience in v1 form (`https://ml.azure.com`); v2 callers append `/.default` themselves. */
  resource: string;
  secret?: string;
  /** A base64 PKCS#12 certificate with its password, for certificate-based service principals. */
  certificate?: { pfx: string; password?: string };
}

/** Where bearer tokens come from for `MSI`, `UserAssignedManagedIdentity` and `ServicePrincipal`. */
export interface TokenProvider {
  managedIdentityToken(
    resource: string,
    userAssignedClientId?: string,
    options?: TokenRequestOptions,
  ): Promise<string>;
  servicePrincipalToken(
    request: ServicePrincipalTokenRequest,
    options?: TokenRequestOptions,
  ): Promise<string>;
}

/**
 * Resolves a SecretBase value (spec §1.7): `{type: 'SecureString', value}`, `{type: 'AzureKeyVaultSecret',
 * store, secretName, secretVersion}`, or a plain string an expression produced. `property` names the field
 * for error messages. Throws SecretResolutionError when the value cannot be turned into a string.
 */
export interface SecretProvider {
  resolve(value: unknown, property: string, options?: TokenRequestOptions): Promise<string>;
}

/** TLS settings a request needs beyond the default client: a client certificate or no server validation. */
export interface TlsSettings {
  pfx?: Buffer;
  passphrase?: string;
  rejectUnauthorized: boolean;
}

export interface WebActivityDeps {
  /** HTTP client; the global fetch when absent. */
  fetch?: FetchLike;
  /**
   * Builds an HTTP client with custom TLS (ClientCertificate auth, `disableCertValidation`); the node:https
   * based one from tls-fetch.ts when absent.
   */
  tlsFetch?: (tls: TlsSettings) => FetchLike;
  /** Drives `httpRequestTimeout` and the 202 polling interval, so a virtual clock can run them. */
  clock: Clock;
  /**
   * Wraps each outbound call (token, request, 202 poll). A virtual clock uses it to hold time still while
   * real I/O is in flight, so `httpRequestTimeout` cannot fire on virtual time before the server answers.
   */
  aroundHttpCall?: <T>(call: () => Promise<T>) => Promise<T>;
  /** Cancels the activity (pipeline cancel, `policy.timeout`); the activity rejects with its reason. */
  signal?: AbortSignal;
  tokens: TokenProvider;
  secrets: SecretProvider;
  /** Maps a URL before it is called (e.g. Entra's authority to Nightshift's); messages keep the original. */
  rewriteUrl?: (url: URL) => URL;
  /** `policy.secureInput` of the activity: the input record is replaced by a marker. */
  secureInput?: boolean;
  /** Wait between 202 polls when the response carries no usable `Retry-After`; 10 s when absent. */
  asyncPollIntervalMs?: number;
  /** Maps a `CredentialReference` name to a user-assigned identity's client id; the name itself when absent. */
  credentialClientId?: (credentialName: string) => string | undefined;
  /** Shown in MSI failure messages and `effectiveIntegrationRuntime`; `nightshift` and `Local` when absent. */
  dataFactoryName?: string;
  region?: string;
}

export interface WebActivityResult {
  output: Record<string, unknown>;
  /** The input record for monitoring (spec §2.6), secrets masked. */
  input: Record<string, unknown>;
}
