/**
 * The directory of non-human identities: service principals (an app id plus a client secret, for client
 * credentials) and managed identities (named identities whose tokens a process on the host fetches from the
 * IMDS-compatible endpoint, with no secret at all). Both are documents in the resource repository. A
 * principal's secret exists in plain text only in the answer of `create` and `resetSecret`; what is stored is
 * its salted hash, and `checkSecret` compares against that behind an attempt limiter. What every request
 * asks, who a token's client is, is answered from a copy in memory kept fresh as directory-cache.ts says.
 */
import { ConflictError, NotFoundError, ValidationError } from '../core/errors.ts';
import type { ResourceRepository } from '../store/contract.ts';
import { cacheDirectory, type DirectoryFreshness } from './directory-cache.ts';
import { AuthenticationError } from './errors.ts';
import { AttemptLimiter, limiterKey } from './secrets/attempt-limiter.ts';
import { hashSecret, newClientId, newSecret, verifySecret } from './secrets/secret-hash.ts';

export interface ServicePrincipalRecord {
  /** The application (client) id, what `client_id` names in a token request. */
  appId: string;
  displayName: string;
  /** What tokens carry as `oid` and role assignments name. */
  objectId: string;
  /** `scrypt$...` from hashSecret; never leaves this module's callers' views. */
  secretHash: string;
  secretUpdatedAt: string;
  createdAt: string;
  /** Set on the local owner made at first start: the OS user it stands for (calls act as a User). */
  localUser?: string;
  /**
   * Object ids of the principals that own it (Entra's application owners): its creator, when one made it
   * through the API. They may manage it without Owner on the workspace. Records from before have none.
   */
  owners?: string[];
}

/** A principal as shown over the API and the CLI: never the secret, never its hash; always its owners. */
export type ServicePrincipal = Omit<ServicePrincipalRecord, 'secretHash' | 'owners'> & { owners: string[] };

export interface ManagedIdentity {
  name: string;
  clientId: string;
  objectId: string;
  createdAt: string;
}

export interface IdentityServiceOptions {
  repo: ResourceRepository;
  limiter?: AttemptLimiter;
  /** Epoch milliseconds; defaults to Date.now. */
  now?: () => number;
  freshness?: DirectoryFreshness;
}

/** The managed identity a host gets when IMDS is asked without a client_id, like a VM's system identity. */
export const SYSTEM_IDENTITY = 'system';

const SP = 'servicePrincipal';
const MI = 'managedIdentity';
const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

function publicView(record: ServicePrincipalRecord): ServicePrincipal {
  // Built field by field so a field added to the record later is not shown by accident.
  return {
    appId: record.appId,
    displayName: record.displayName,
    objectId: record.objectId,
    secretUpdatedAt: record.secretUpdatedAt,
    createdAt: record.createdAt,
    ...(record.localUser === undefined ? {} : { localUser: record.localUser }),
    owners: [...(record.owners ?? [])],
  };
}

export interface IdentityService {
  /** `ownerObjectId`: the creator, recorded as its first owner (none for the local owner). */
  createServicePrincipal(
    displayName: string,
    ownerObjectId?: string,
    options?: { localUser?: string },
  ): Promise<{ principal: ServicePrincipal; secret: string }>;
  listServicePrincipals(): Promise<ServicePrincipal[]>;
  getServicePrincipal(appId: string): Promise<ServicePrincipal>;
  deleteServicePrincipal(appId: string): Promise<void>;
  resetSecret(appId: string): Promise<{ principal: ServicePrincipal; secret: string }>;
  /**
   * The principal if `secret` is its current secret. Throws AuthenticationError `UnknownClient`,
   * `InvalidClientSecret` or `TooManyAttempts` (message carries the seconds to wait).
   */
  checkSecret(appId: string, secret: string, remoteAddress?: string): Promise<ServicePrincipal>;
  createManagedIdentity(name: string): Promise<ManagedIdentity>;
  listManagedIdentities(): Promise<ManagedIdentity[]>;
  getManagedIdentity(name: string): Promise<ManagedIdentity>;
  findManagedIdentityByClientId(clientId: string): Promise<ManagedIdentity | undefined>;
  /** The principal a token's client id names, for every request: from the copy in memory. */
  findClient(
    clientId: string,
  ): Promise<{ servicePrincipal?: ServicePrincipal; managedIdentity?: ManagedIdentity }>;
  /** The `system` identity, created at first use. */
  systemIdentity(): Promise<ManagedIdentity>;
  deleteManagedIdentity(name: string): Promise<void>;
}

function tooManyAttempts(retryAfterSeconds: number): AuthenticationError {
  return new AuthenticationError(
    'TooManyAttempts',
    `Too many wrong client secrets for this client from this address; retry after ${retryAfterSeconds} seconds.`,
    retryAfterSeconds,
  );
}

export function createIdentityService(options: IdentityServiceOptions): IdentityService {
  const { repo } = options;
  const limiter = options.limiter ?? new AttemptLimiter();
  const now = options.now ?? Date.now;
  const stamp = () => new Date(now()).toISOString();
  const clients = cacheDirectory(async () => {
    const [principals, identities] = await Promise.all([
      repo.list<ServicePrincipalRecord>(SP),
      repo.list<ManagedIdentity>(MI),
    ]);
    return {
      principals: new Map(principals.map((p) => [p.appId.toLowerCase(), publicView(p)])),
      identities: new Map(identities.map((i) => [i.clientId.toLowerCase(), i])),
    };
  }, options.freshness);

  async function record(appId: string): Promise<ServicePrincipalRecord> {
    const found = await repo.get<ServicePrincipalRecord>(SP, { name: appId });
    if (!found) throw new NotFoundError(`Service principal '${appId}' does not exist.`);
    return found;
  }

  async function createIdentity(name: string): Promise<ManagedIdentity> {
    if (!NAME.test(name)) {
      throw new ValidationError(
        `Managed identity name '${name}' is invalid; use up to 128 letters, digits, '.', '_' and '-'.`,
        'name',
      );
    }
    const identity: ManagedIdentity = {
      name,
      clientId: newClientId(),
      objectId: newClientId(),
      createdAt: stamp(),
    };
    if (!(await repo.insert(MI, { name }, identity))) {
      throw new ConflictError(`Managed identity '${name}' already exists.`);
    }
    await clients.changed();
    return identity;
  }

  return {
    async createServicePrincipal(displayName, ownerObjectId, createOptions = {}) {
      const name = displayName.trim();
      if (name.length === 0 || name.length > 256) {
        throw new ValidationError('displayName must have 1 to 256 characters.', 'displayName');
      }
      const secret = newSecret();
      const at = stamp();
      const doc: ServicePrincipalRecord = {
        appId: newClientId(),
        displayName: name,
        objectId: newClientId(),
        secretHash: await hashSecret(secret),
        secretUpdatedAt: at,
        createdAt: at,
        ...(createOptions.localUser === undefined ? {} : { localUser: createOptions.localUser }),
        owners: ownerObjectId === undefined || ownerObjectId === '' ? [] : [ownerObjectId],
      };
      // A random UUID colliding is not a case to design for; insert failing would be a store bug.
      if (!(await repo.insert(SP, { name: doc.appId }, doc))) {
        throw new ConflictError(`Service principal '${doc.appId}' already exists.`);
      }
      await clients.changed();
      return { principal: publicView(doc), secret };
    },
    async listServicePrincipals() {
      return (await repo.list<ServicePrincipalRecord>(SP)).map(publicView);
    },
    async getServicePrincipal(appId) {
      return publicView(await record(appId));
    },
    async deleteServicePrincipal(appId) {
      if (!(await repo.remove(SP, { name: appId }))) {
        throw new NotFoundError(`Service principal '${appId}' does not exist.`);
      }
      await clients.changed();
    },
    async resetSecret(appId) {
      const current = await record(appId);
      const secret = newSecret();
      const next: ServicePrincipalRecord = {
        ...current,
        secretHash: await hashSecret(secret),
        secretUpdatedAt: stamp(),
      };
      if (!(await repo.replace(SP, { name: appId }, next))) {
        throw new NotFoundError(`Service principal '${appId}' does not exist.`);
      }
      await clients.changed();
      return { principal: publicView(next), secret };
    },
    async checkSecret(appId, secret, remoteAddress) {
      const found = await repo.get<ServicePrincipalRecord>(SP, { name: appId });
      // Counted per (principal, source): someone else's wrong guesses never lock this caller out.
      const key = limiterKey(found?.appId, remoteAddress);
      const gate = limiter.check(key);
      if (!gate.allowed) throw tooManyAttempts(gate.retryAfterSeconds);
      // Always derive a hash, even for an unknown client, so timing does not tell which app ids exist.
      const ok = await verifySecret(secret, found?.secretHash);
      if (!found || !ok) {
        const after = limiter.fail(key);
        if (!found) {
          throw new AuthenticationError(
            'UnknownClient',
            `Application with identifier '${appId}' was not found in the directory.`,
          );
        }
        if (!after.allowed) throw tooManyAttempts(after.retryAfterSeconds);
        throw new AuthenticationError(
          'InvalidClientSecret',
          `Invalid client secret provided for application '${appId}'; use the current secret (a reset replaces it).`,
        );
      }
      limiter.succeed(key);
      return publicView(found);
    },
    createManagedIdentity: createIdentity,
    async listManagedIdentities() {
      return repo.list<ManagedIdentity>(MI);
    },
    async getManagedIdentity(name) {
      const found = await repo.get<ManagedIdentity>(MI, { name });
      if (!found) throw new NotFoundError(`Managed identity '${name}' does not exist.`);
      return found;
    },
    async findManagedIdentityByClientId(clientId) {
      const wanted = clientId.toLowerCase();
      return (await repo.list<ManagedIdentity>(MI)).find((i) => i.clientId.toLowerCase() === wanted);
    },
    async systemIdentity() {
      const found = await repo.get<ManagedIdentity>(MI, { name: SYSTEM_IDENTITY });
      if (found) return found;
      try {
        return await createIdentity(SYSTEM_IDENTITY);
      } catch (error) {
        // Two first requests racing: the loser reads what the winner made.
        if (!(error instanceof ConflictError)) throw error;
        const made = await repo.get<ManagedIdentity>(MI, { name: SYSTEM_IDENTITY });
        if (!made) throw error;
        return made;
      }
    },
    async deleteManagedIdentity(name) {
      if (!(await repo.remove(MI, { name }))) {
        throw new NotFoundError(`Managed identity '${name}' does not exist.`);
      }
      await clients.changed();
    },
    async findClient(clientId) {
      const wanted = clientId.toLowerCase();
      const seen = clients.get();
      let { principals, identities } = await seen;
      if (!principals.has(wanted) && !identities.has(wanted)) {
        // Made through another server a moment ago (its signal still on the way), or deleted: read again,
        // once for all the requests that miss together. Only tokens we signed get here.
        ({ principals, identities } = await clients.reload(seen));
      }
      const servicePrincipal = principals.get(wanted);
      const managedIdentity = identities.get(wanted);
      return {
        ...(servicePrincipal ? { servicePrincipal } : {}),
        ...(managedIdentity ? { managedIdentity } : {}),
      };
    },
  };
}
