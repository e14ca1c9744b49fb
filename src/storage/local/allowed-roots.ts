/**
 * Which folders may become local-folder datastores. Such a datastore lets whoever may read it read every
 * file below its folder with the server's own rights, so it is a host privilege: the operator names the
 * roots it may lie under when starting the server (`serve --datastore-root DIR`, NIGHTSHIFT_DATASTORE_ROOTS,
 * `datastoreRoots` in the config file; `<dataDir>/datastores` by default). Some folders are refused even
 * when an operator allowed `/`: the data dir (signing keys, credentials, the metadata database) and every
 * folder above it, anything inside it except under its `datastores/` folder, the built-in datastores'
 * folders (the artifact store must stay immutable), and the system's own trees. Everything is compared
 * after realpath, so a symbolic link cannot bring a refused folder in under an allowed name.
 */
import { realpath } from 'node:fs/promises';
import { join } from 'node:path';
import { ValidationError } from '../../core/errors.ts';
import { isInside } from './contained-path.ts';

export interface RootPolicy {
  /** The roots the operator allows; they need not exist. */
  allowed: readonly string[];
  dataDir: string;
  /** Folders of the built-in datastores. */
  builtins: readonly string[];
}

/** Never a datastore, whatever the operator allows: kernel views, devices, configuration, programs. */
const SYSTEM_TREES = [
  '/proc',
  '/sys',
  '/dev',
  '/etc',
  '/boot',
  '/run',
  '/bin',
  '/sbin',
  '/lib',
  '/lib64',
  '/usr',
];

const HOW_TO_ALLOW =
  "An operator allows a root by starting the server with 'nightshift serve --datastore-root DIR' (repeatable), " +
  "NIGHTSHIFT_DATASTORE_ROOTS (':'-separated) or 'datastoreRoots' in the config file.";

async function realOrGiven(path: string): Promise<string> {
  return realpath(path).catch(() => path);
}

/** Why `real` may never be a datastore's folder, or undefined. */
async function neverAllowed(real: string, policy: RootPolicy): Promise<string | undefined> {
  const dataDir = await realOrGiven(policy.dataDir);
  if (isInside(real, dataDir)) {
    return real === dataDir ? "is the server's data dir" : "contains the server's data dir";
  }
  if (isInside(dataDir, real)) {
    const datastores = join(dataDir, 'datastores');
    if (real === datastores || !isInside(datastores, real)) {
      return "is inside the server's data dir (only folders below its datastores/ folder may be used)";
    }
    for (const builtin of await Promise.all(policy.builtins.map(realOrGiven))) {
      if (isInside(builtin, real) || isInside(real, builtin)) return 'overlaps a built-in datastore';
    }
  }
  const system = SYSTEM_TREES.find((tree) => isInside(tree, real));
  return system === undefined ? undefined : `is a system folder (under ${system})`;
}

/**
 * Checks that `path` may be a local-folder datastore's folder and returns its real path. `subject` starts
 * the message ("'properties.path' /data/x", or "Datastore 'x' (folder /data/x)").
 */
export async function checkDatastoreRoot(
  path: string,
  policy: RootPolicy,
  where: { subject: string; field: string },
): Promise<string> {
  const real = await realpath(path).catch(() => {
    throw new ValidationError(
      `${where.subject} is not an existing folder on the server; create it first.`,
      where.field,
    );
  });
  const shown = real === path ? '' : ` (really ${real})`;
  const why = await neverAllowed(real, policy);
  if (why !== undefined) {
    throw new ValidationError(
      `${where.subject}${shown} ${why}; such a folder is never allowed as a datastore, whatever roots the server allows.`,
      where.field,
    );
  }
  const allowed = await Promise.all(policy.allowed.map(realOrGiven));
  if (!allowed.some((root) => isInside(root, real))) {
    throw new ValidationError(
      `${where.subject}${shown} is not under a folder this server allows for local datastores ` +
        `(allowed: ${allowed.join(', ') || 'none'}). ${HOW_TO_ALLOW}`,
      where.field,
    );
  }
  return real;
}
