/**
 * The one typed configuration of a server, read once: command-line flag > environment > config file >
 * default. Nothing else in the server reads process.env or process.argv; tests build a Config directly.
 */
import { readFileSync, existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { availableParallelism, userInfo } from 'node:os';
import type { WorkspaceRef } from './core/workspace.ts';
import { ValidationError } from './core/errors.ts';
import type { ExternalIssuerConfig } from './auth/external-issuer.ts';
import { normalizeIssuerUrl } from './auth/tokens/server-issuer.ts';
import { DEFAULT_TENANT } from './auth/tokens/discovery.ts';
import { checkAllowHosts } from './storage/http/url-policy.ts';
import { readLeaseMs, readScaleOut, scaleOutFields, type ScaleOutConfig } from './config-scale-out.ts';
import { readStorageIdentity, type StorageIdentityConfig } from './config-storage-identity.ts';
import { readStudioOidcEnv, readStudioOidcFile } from './config-studio-oidc.ts';
import { readTrustProxy, type TrustProxy } from './config-trust-proxy.ts';
import { readWebhookConfig, type WebhookConfig } from './config-webhooks.ts';

/** Where `npm run build:studio` writes the studio (vite.config.ts), beside src/. */
const STUDIO_DIR = fileURLToPath(new URL('../dist/studio', import.meta.url));

export interface Config {
  dataDir: string;
  /** The built studio served under /studio/. */
  studioDir: string;
  host: string;
  /** 0 picks a free port. */
  port: number;
  workspace: WorkspaceRef;
  /** Who local calls act as until identities exist (recorded in systemData). */
  actor: string;
  logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  /**
   * maxWorkers: live worker processes allowed at once across every job and the spares (jobs beyond it
   * wait Queued); default the machine's available parallelism. spareWorkers: warm worker processes kept
   * ready so a job starts in milliseconds (0 turns it off); they count against maxWorkers.
   */
  engine: { pollIntervalMs: number; leaseMs: number; maxWorkers: number; spareWorkers: number };
  /**
   * The size cap of the input cache under `<dataDir>/cache`, where files of remote datastores are
   * downloaded for the workers (least recently used files go past it): NIGHTSHIFT_CACHE_MAX_BYTES >
   * `cacheMaxBytes` in the file > 20 GiB.
   */
  cacheMaxBytes: number;
  /** The Python interpreter for `.py` scripts and MLflow Python models when the environment names none. */
  python: string;
  /**
   * `token`: every API call needs a bearer token (the default). `none`: nothing is checked, for development
   * only. `tenant` is the directory name in token URLs and tokens; `externalIssuers` are other OIDC issuers
   * whose tokens are accepted. `issuerUrl` is the base of our own tokens' issuer; when absent, the URL the
   * server listened on at its first start (stored in the data dir) is used.
   */
  auth: {
    mode: 'token' | 'none';
    tenant: string;
    externalIssuers: ExternalIssuerConfig[];
    issuerUrl?: string;
  };
  /**
   * Folders local-folder datastores may lie under (a host privilege the operator grants): `--datastore-root`
   * (repeatable) > NIGHTSHIFT_DATASTORE_ROOTS (':'-separated) > `datastoreRoots` in the file >
   * `<dataDir>/datastores`. Absolute; relative ones resolve against the working directory.
   */
  datastoreRoots: string[];
  /** The largest file an upload may carry, in bytes (streamed, never held in memory). */
  maxUploadBytes: number;
  /**
   * Which peers may say who the client is through `X-Forwarded-For` (and `-Proto`, `-Host`): none by
   * default, so those headers never change the address the lockout counts and the audit log records; a
   * number of proxy hops, or the proxies' addresses and CIDR ranges (`--trust-proxy`).
   */
  trustProxy: TrustProxy;
  /**
   * What the server may fetch when a job input or data asset is a public URL (storage/http/url-policy.ts):
   * `allowHosts` (`--allow-url-hosts`, NIGHTSHIFT_ALLOW_URL_HOSTS, `urls.allowHosts`) are hosts, addresses
   * or CIDR ranges, optionally with :PORT, allowed though not public; `allowHttp` (`--allow-http-urls`)
   * allows plain http; `caFile` (`--url-ca-file`) is a PEM file of extra certificate authorities for https.
   */
  urls: { allowHosts: string[]; allowHttp: boolean; caFile?: string };
  /**
   * The server's own Entra ID identity for datastores with identity-based access (`credentials` left
   * out): a service principal from the standard AZURE_TENANT_ID + AZURE_CLIENT_ID + AZURE_CLIENT_SECRET
   * (and AZURE_AUTHORITY_HOST for another cloud), as @azure/identity's EnvironmentCredential reads them;
   * otherwise the machine's managed identity, a user-assigned one when AZURE_CLIENT_ID alone is set.
   * `trustedHosts` (NIGHTSHIFT_STORAGE_IDENTITY_HOSTS, comma-separated `host[:port]`): hosts besides Azure
   * Storage's own domains that may receive that identity's token (an emulator, a private endpoint).
   */
  storageIdentity: StorageIdentityConfig;
  /** PostgreSQL and Redis when the server scales out; undefined for the embedded mode (config-scale-out.ts). */
  scaleOut?: ScaleOutConfig;
  /**
   * Where the server's keys live: the token signing keys (`keys/`), the secret box key that seals stored
   * secrets (`secret-box.key`) and the fixed issuer (`issuer.json`). The data dir by default; servers
   * that scale out together share one (`--keys-dir`, NIGHTSHIFT_KEYS_DIR, `keysDir` in the file), so a
   * token one issues is accepted by all and a secret one seals opens on all.
   */
  keysDir: string;
  /**
   * Where the built-in datastores keep their folders (`datastores/workspaceblobstore`: uploads and job
   * outputs; `datastores/workspaceartifactstore`: model and code snapshots): the data dir by default;
   * servers that scale out together on one machine or a common mount share one (`--shared-dir`,
   * NIGHTSHIFT_SHARED_DIR, `sharedDir` in the file).
   */
  sharedDir: string;
  /** Webhook delivery: retry schedule, time to live, per-POST deadline (config-webhooks.ts). */
  webhooks: WebhookConfig;
}

export interface ConfigSources {
  flags?: Partial<
    Record<
      | 'dataDir'
      | 'host'
      | 'port'
      | 'configFile'
      | 'logLevel'
      | 'auth'
      | 'issuerUrl'
      | 'maxWorkers'
      | 'trustProxy'
      | 'allowUrlHosts'
      | 'allowHttpUrls'
      | 'urlCaFile'
      | 'database'
      | 'queue'
      | 'artifactStore'
      | 'keysDir'
      | 'sharedDir',
      string
    >
  > & {
    datastoreRoots?: string[];
  };
  env?: Record<string, string | undefined>;
  cwd?: string;
}

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

function readFile(path: string | undefined): Record<string, unknown> {
  if (!path || !existsSync(path)) return {};
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>;
  } catch (error) {
    throw new ValidationError(`Config file ${path} is not valid JSON: ${(error as Error).message}`, 'config');
  }
}

function pick(...values: unknown[]): string | undefined {
  for (const v of values) if (typeof v === 'string' ? v !== '' : typeof v === 'number') return String(v);
  return undefined;
}

function parsePort(text: string): number {
  const port = Number(text);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new ValidationError(
      `Invalid port '${text}': use a number from 0 to 65535 (0 picks a free port).`,
      'port',
    );
  }
  return port;
}

export function parseCount(text: string, field: string, min: number): number {
  const value = Number(text);
  if (!Number.isInteger(value) || value < min || value > 1024) {
    throw new ValidationError(`Invalid ${field} '${text}': use a whole number from ${min} to 1024.`, field);
  }
  return value;
}

export function loadConfig(sources: ConfigSources = {}): Config {
  const flags = sources.flags ?? {};
  const env = sources.env ?? {};
  const cwd = sources.cwd ?? process.cwd();
  const file = readFile(pick(flags.configFile, env.NIGHTSHIFT_CONFIG));
  const ws = (file.workspace ?? {}) as Record<string, unknown>;
  // info: job lifecycle events (invoked, queued, started, resumed, ended) are what an operator reads.
  const logLevel = pick(flags.logLevel, env.NIGHTSHIFT_LOG_LEVEL, file.logLevel) ?? 'info';
  if (!(LOG_LEVELS as readonly string[]).includes(logLevel)) {
    throw new ValidationError(
      `Invalid log level '${logLevel}': use one of ${LOG_LEVELS.join(', ')}.`,
      'logLevel',
    );
  }
  const dataDir = resolve(cwd, pick(flags.dataDir, env.NIGHTSHIFT_DATA_DIR, file.dataDir) ?? '.nightshift');
  return {
    dataDir,
    studioDir: STUDIO_DIR,
    host: pick(flags.host, env.NIGHTSHIFT_HOST, file.host) ?? '127.0.0.1',
    port: parsePort(pick(flags.port, env.NIGHTSHIFT_PORT, file.port) ?? '8080'),
    workspace: {
      subscriptionId:
        pick(env.NIGHTSHIFT_SUBSCRIPTION_ID, ws.subscriptionId) ?? '00000000-0000-0000-0000-000000000000',
      resourceGroup: pick(env.NIGHTSHIFT_RESOURCE_GROUP, ws.resourceGroup) ?? 'nightshift',
      workspace: pick(env.NIGHTSHIFT_WORKSPACE, ws.name) ?? 'default',
      location: pick(env.NIGHTSHIFT_LOCATION, ws.location) ?? 'local',
    },
    actor: pick(env.NIGHTSHIFT_ACTOR, file.actor) ?? safeUserName(),
    logLevel: logLevel as Config['logLevel'],
    engine: {
      pollIntervalMs: 50,
      leaseMs: readLeaseMs(pick(env.NIGHTSHIFT_LEASE_MS, file.leaseMs)),
      maxWorkers: parseCount(
        pick(flags.maxWorkers, env.NIGHTSHIFT_MAX_WORKERS, file.maxWorkers) ?? String(availableParallelism()),
        'maxWorkers',
        1,
      ),
      spareWorkers: parseCount(
        pick(env.NIGHTSHIFT_SPARE_WORKERS, file.spareWorkers) ?? '2',
        'spareWorkers',
        0,
      ),
    },
    // Debian's interpreter by default: it is the one `apt-get install python3-pandas` fills.
    python: pick(env.NIGHTSHIFT_PYTHON, file.python) ?? '/usr/bin/python3',
    auth: readAuth(flags, env, (file.auth ?? {}) as Record<string, unknown>),
    datastoreRoots: readDatastoreRoots(flags.datastoreRoots, env, file.datastoreRoots, dataDir, cwd),
    maxUploadBytes: readMaxUpload(pick(env.NIGHTSHIFT_MAX_UPLOAD_BYTES, file.maxUploadBytes)),
    cacheMaxBytes: readCacheMax(pick(env.NIGHTSHIFT_CACHE_MAX_BYTES, file.cacheMaxBytes)),
    trustProxy: readTrustProxy(pick(flags.trustProxy, env.NIGHTSHIFT_TRUST_PROXY, file.trustProxy)),
    storageIdentity: readStorageIdentity(env),
    urls: readUrlPolicy(flags, env, (file.urls ?? {}) as Record<string, unknown>, cwd),
    keysDir: resolve(cwd, pick(flags.keysDir, env.NIGHTSHIFT_KEYS_DIR, file.keysDir) ?? dataDir),
    sharedDir: resolve(cwd, pick(flags.sharedDir, env.NIGHTSHIFT_SHARED_DIR, file.sharedDir) ?? dataDir),
    webhooks: readWebhookConfig(env, file.webhooks),
    ...scaleOutFields(
      readScaleOut(
        pick(flags.database, env.NIGHTSHIFT_DATABASE_URL, file.database),
        pick(flags.queue, env.NIGHTSHIFT_QUEUE_URL, file.queue),
        pick(flags.artifactStore, env.NIGHTSHIFT_ARTIFACT_STORE, file.artifactStore),
      ),
    ),
  };
}

/** The URL policy's settings; a malformed allowed host is refused here, at start, naming it. */
function readUrlPolicy(
  flags: NonNullable<ConfigSources['flags']>,
  env: Record<string, string | undefined>,
  file: Record<string, unknown>,
  cwd: string,
): Config['urls'] {
  const fileHosts = Array.isArray(file.allowHosts) ? file.allowHosts.join(',') : file.allowHosts;
  const hosts = (pick(flags.allowUrlHosts, env.NIGHTSHIFT_ALLOW_URL_HOSTS, fileHosts) ?? '')
    .split(',')
    .map((h) => h.trim())
    .filter((h) => h !== '');
  checkAllowHosts(hosts);
  const http = pick(
    flags.allowHttpUrls,
    env.NIGHTSHIFT_ALLOW_HTTP_URLS,
    file.allowHttp === true ? 'true' : undefined,
  );
  const caFile = pick(flags.urlCaFile, env.NIGHTSHIFT_URL_CA_FILE, file.caFile);
  return {
    allowHosts: hosts,
    allowHttp: http !== undefined && ['true', '1', 'yes'].includes(http.toLowerCase()),
    ...(caFile === undefined ? {} : { caFile: resolve(cwd, caFile) }),
  };
}

function readDatastoreRoots(
  flag: string[] | undefined,
  env: Record<string, string | undefined>,
  file: unknown,
  dataDir: string,
  cwd: string,
): string[] {
  if (file !== undefined && !(Array.isArray(file) && file.every((f) => typeof f === 'string'))) {
    throw new ValidationError(
      `'datastoreRoots' in the config file must be a list of folder paths.`,
      'datastoreRoots',
    );
  }
  const fromEnv = env.NIGHTSHIFT_DATASTORE_ROOTS?.split(':');
  const chosen = [flag, fromEnv, file]
    .map((list) => list?.filter((path) => path !== ''))
    .find((list) => list !== undefined && list.length > 0);
  return chosen?.map((path) => resolve(cwd, path)) ?? [resolve(dataDir, 'datastores')];
}

/** Uploads: 5 GiB unless set (a whole number of bytes). */
function readMaxUpload(text: string | undefined): number {
  if (text === undefined) return 5 * 1024 ** 3;
  const bytes = Number(text);
  if (!Number.isSafeInteger(bytes) || bytes < 1) {
    throw new ValidationError(
      `Invalid upload limit '${text}': give a whole number of bytes, e.g. 1073741824 for 1 GiB.`,
      'maxUploadBytes',
    );
  }
  return bytes;
}

export function readCacheMax(text: string | undefined): number {
  if (text === undefined) return 20 * 1024 ** 3;
  const bytes = Number(text);
  if (!Number.isSafeInteger(bytes) || bytes < 0) {
    throw new ValidationError(
      `Invalid cache size '${text}': give a whole number of bytes, e.g. 10737418240 for 10 GiB.`,
      'cacheMaxBytes',
    );
  }
  return bytes;
}

function readAuth(
  flags: NonNullable<ConfigSources['flags']>,
  env: Record<string, string | undefined>,
  file: Record<string, unknown>,
): Config['auth'] {
  const mode = pick(flags.auth, env.NIGHTSHIFT_AUTH, file.mode) ?? 'token';
  if (mode !== 'token' && mode !== 'none') {
    throw new ValidationError(`Invalid auth mode '${mode}': use 'token' (the default) or 'none'.`, 'auth');
  }
  const externalIssuers: ExternalIssuerConfig[] = [];
  const issuer = pick(env.NIGHTSHIFT_OIDC_ISSUER);
  const studio = readStudioOidcEnv(env, issuer);
  if (issuer !== undefined) {
    const audience = pick(env.NIGHTSHIFT_OIDC_AUDIENCE);
    if (audience === undefined) {
      throw new ValidationError(
        'NIGHTSHIFT_OIDC_ISSUER is set but NIGHTSHIFT_OIDC_AUDIENCE is not; set the audience its tokens carry for this server.',
        'NIGHTSHIFT_OIDC_AUDIENCE',
      );
    }
    const jwksUri = pick(env.NIGHTSHIFT_OIDC_JWKS_URI);
    externalIssuers.push({
      issuer,
      audience,
      ...(jwksUri === undefined ? {} : { jwksUri }),
      ...(studio === undefined ? {} : { studio }),
    });
  }
  const listed = Array.isArray(file.externalIssuers) ? (file.externalIssuers as unknown[]) : [];
  for (const [i, entry] of listed.entries()) {
    const e = (entry ?? {}) as Record<string, unknown>;
    if (typeof e.issuer !== 'string' || typeof e.audience !== 'string') {
      throw new ValidationError(
        `auth.externalIssuers[${i}] needs 'issuer' and 'audience' strings.`,
        `auth.externalIssuers[${i}]`,
      );
    }
    const studioOf = readStudioOidcFile(e.studio, e.issuer, `auth.externalIssuers[${i}].studio`);
    externalIssuers.push({
      issuer: e.issuer,
      audience: e.audience,
      ...(typeof e.jwksUri === 'string' ? { jwksUri: e.jwksUri } : {}),
      ...(studioOf === undefined ? {} : { studio: studioOf }),
    });
  }
  const issuerUrl = pick(flags.issuerUrl, env.NIGHTSHIFT_ISSUER_URL, file.issuerUrl);
  return {
    mode,
    tenant: pick(env.NIGHTSHIFT_TENANT, file.tenant) ?? DEFAULT_TENANT,
    externalIssuers,
    ...(issuerUrl === undefined ? {} : { issuerUrl: normalizeIssuerUrl(issuerUrl, 'issuerUrl') }),
  };
}

function safeUserName(): string {
  try {
    return userInfo().username;
  } catch {
    return 'local-user';
  }
}
