/**
 * The artifact store of a scaled-out deployment: a datastore (Blob, S3, or a folder every machine
 * mounts) through which `nightshift worker` processes on other machines get what a server has on its
 * own disk. Model and code folders are published under their content digest, once, by the server that
 * drives a job, and fetched by workers into a local cache keyed by the same digest, so a worker
 * downloads each version once however many jobs use it. The parts a worker writes go up under the job's
 * name and the driver assembles the output from there. A folder's index is written after its files, so
 * a reader that finds the index finds every file it names.
 */
import { createHash, randomUUID } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, readFile, readdir, rename, rm, stat } from 'node:fs/promises';
import { dirname, join, relative, sep } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { SMALL_WRITE_BYTES, type DatastoreBackend } from '../../storage/contract.ts';

const ROOT = 'nightshift';
const FETCH_CONCURRENCY = 8;

interface FolderIndex {
  files: { path: string; size: number }[];
}

/** Every file under `dir`, as sorted paths relative to it with '/' separators. */
async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries
    .filter((e) => e.isFile())
    .map((e) => relative(dir, join(e.parentPath, e.name)).split(sep).join('/'))
    .sort();
}

/**
 * A digest of a folder's names and contents: two folders with the same files have the same digest, so
 * a model registered twice, or the code of two deployments, is published and fetched once.
 */
export async function folderDigest(dir: string): Promise<string> {
  const digest = createHash('sha256');
  for (const file of await filesUnder(dir)) {
    const content = createHash('sha256');
    for await (const chunk of createReadStream(join(dir, file))) content.update(chunk as Buffer);
    digest.update(`${file}\0${content.digest('hex')}\n`);
  }
  return digest.digest('hex');
}

const folderPrefix = (digest: string) => `${ROOT}/artifacts/${digest}`;

/** Uploads the folder under its digest unless it is there already; resolves with the digest. */
export async function publishFolder(backend: DatastoreBackend, dir: string): Promise<string> {
  const digest = await folderDigest(dir);
  const prefix = folderPrefix(digest);
  if (await backend.stat(`${prefix}/index.json`)) return digest;
  const files: FolderIndex['files'] = [];
  for (const file of await filesUnder(dir)) {
    const { size } = await backend.write(`${prefix}/files/${file}`, createReadStream(join(dir, file)));
    files.push({ path: file, size });
  }
  await backend.write(`${prefix}/index.json`, JSON.stringify({ files } satisfies FolderIndex));
  return digest;
}

async function readAll(backend: DatastoreBackend, path: string): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of backend.openRead(path)) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/**
 * The folder of `digest` on this machine, downloaded into `cacheDir` the first time. The download goes
 * to a temporary folder renamed into place when complete, so a worker killed halfway leaves litter,
 * never a half folder that a later start would take for whole.
 */
export async function fetchFolder(
  backend: DatastoreBackend,
  digest: string,
  cacheDir: string,
): Promise<string> {
  if (!/^[0-9a-f]{64}$/.test(digest)) throw new Error(`not an artifact digest: '${digest}'`);
  const target = join(cacheDir, digest);
  if (await stat(target).catch(() => undefined)) return target;
  const prefix = folderPrefix(digest);
  const index = JSON.parse(await readAll(backend, `${prefix}/index.json`)) as FolderIndex;
  const staging = join(cacheDir, `.tmp-${randomUUID()}`);
  try {
    const locals = index.files.map(({ path }) => {
      const local = join(staging, ...path.split('/'));
      // The index is ours, but a path that climbs out of the folder would write anywhere: refuse it.
      if (!local.startsWith(staging + sep)) throw new Error(`artifact file path escapes: '${path}'`);
      return { path, local };
    });
    // A few at a time: a model folder is mostly small files, each a round trip to the store.
    for (let i = 0; i < locals.length; i += FETCH_CONCURRENCY) {
      await Promise.all(
        locals.slice(i, i + FETCH_CONCURRENCY).map(async ({ path, local }) => {
          await mkdir(dirname(local), { recursive: true });
          await pipeline(backend.openRead(`${prefix}/files/${path}`), createWriteStream(local));
        }),
      );
    }
    await mkdir(staging, { recursive: true });
    // Whoever may write to the artifact store's datastore could swap a file under a digest; what does
    // not hash to its name is refused, so a worker never runs a model or code that was not published.
    const found = await folderDigest(staging);
    if (found !== digest) {
      throw new Error(
        `artifact ${digest} in the artifact store does not match its digest (found ${found}); it was changed after it was published`,
      );
    }
    await rename(staging, target).catch(async (error: unknown) => {
      // Another job of this worker fetched the same folder first: theirs is as good.
      if (!(await stat(target).catch(() => undefined))) throw error;
    });
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
  return target;
}

/** Where the parts of a job's mini-batches go in the artifact store. */
export const jobPrefix = (job: string) => `${ROOT}/jobs/${job}`;
export const partKey = (job: string, index: number) =>
  `${jobPrefix(job)}/parts/${String(index).padStart(6, '0')}.part`;

/**
 * The local file as a part of the job in the artifact store. A part that fits SMALL_WRITE_BYTES (most do)
 * is read whole and written as a buffer: one request on Blob instead of a block and its commit.
 */
export async function uploadPart(
  backend: DatastoreBackend,
  job: string,
  index: number,
  local: string,
): Promise<void> {
  const { size } = await stat(local);
  const data = size <= SMALL_WRITE_BYTES ? await readFile(local) : createReadStream(local);
  await backend.write(partKey(job, index), data);
}
