/**
 * `datastore upload` and `datastore download`: files moved between this machine and any datastore through
 * the datastore's file routes (PUT and GET `.../datastores/NAME/paths/PATH`), so every kind the server
 * serves (local folder, Blob, ADLS, S3) works alike. Like `cp -r SRC DEST/`, the source file or folder
 * lands under its own name inside the destination folder. Files are streamed one at a time, never held
 * whole; a progress bar is drawn on a terminal only. Names coming back from the server are trusted no more
 * than any input: a listed path outside the requested folder, or one that would climb out of the local
 * destination, stops the download before anything is written there.
 */
import { createWriteStream } from 'node:fs';
import { mkdir, readdir, stat } from 'node:fs/promises';
import { basename, join, relative, resolve, sep } from 'node:path';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { SingleBar } from 'cli-progress';
import { ValidationError } from '../core/errors.ts';
import { normaliseDatastorePath } from '../core/references.ts';
import { CliError, type ApiClient } from './client.ts';

interface Progress {
  add: (bytes: number) => void;
  stop: () => void;
}

/** A byte bar on stderr when it is a terminal; nothing otherwise (logs and pipes stay clean). */
function progress(total: number, what: string): Progress {
  if (!process.stderr.isTTY) return { add: () => undefined, stop: () => undefined };
  const bar = new SingleBar({
    format: `${what} [{bar}] {percentage}% | {value}/{total} bytes`,
    stream: process.stderr,
    hideCursor: true,
  });
  bar.start(total, 0);
  return {
    add: (bytes) => {
      bar.increment(bytes);
    },
    stop: () => {
      bar.stop();
    },
  };
}

/** A datastore path given on the command line, normalised; '..' is refused before anything moves. */
function storePath(text: string | undefined, flag: string): string {
  try {
    return normaliseDatastorePath(text ?? '', flag);
  } catch (error) {
    if (error instanceof ValidationError) throw new CliError(`${flag}: ${error.message}`, { exitCode: 2 });
    throw error;
  }
}

const join2 = (folder: string, name: string) => (folder ? `${folder}/${name}` : name);
const encode = (path: string) => path.split('/').map(encodeURIComponent).join('/');

async function localFiles(root: string): Promise<{ absolute: string; relative: string; size: number }[]> {
  const files: { absolute: string; relative: string; size: number }[] = [];
  const walk = async (dir: string): Promise<void> => {
    for (const entry of await readdir(dir, { withFileTypes: true })) {
      const absolute = join(dir, entry.name);
      const info = await stat(absolute);
      if (info.isDirectory()) await walk(absolute);
      else if (info.isFile())
        files.push({ absolute, relative: relative(root, absolute).split(sep).join('/'), size: info.size });
    }
  };
  await walk(root);
  return files.sort((a, b) => (a.relative < b.relative ? -1 : a.relative > b.relative ? 1 : 0));
}

/** The paths under `folder` the datastore already holds (none when it does not exist). */
async function existing(client: ApiClient, files: string, folder: string): Promise<Set<string>> {
  try {
    const listing = await client.request<{ value?: { path: string }[] }>('GET', `${files}/${encode(folder)}`);
    return new Set((listing.value ?? []).map((f) => f.path));
  } catch (error) {
    if (error instanceof CliError && error.status === 404) return new Set();
    throw error;
  }
}

/** The file's path when the datastore holds it (its body is not read), else nothing. */
async function existingFile(client: ApiClient, files: string, path: string): Promise<Set<string>> {
  try {
    const response = await client.open(`${files}/${encode(path)}`);
    await response.body?.cancel();
    return new Set([path]);
  } catch (error) {
    if (error instanceof CliError && error.status === 404) return new Set();
    throw error;
  }
}

export interface UploadOptions {
  name: string;
  src: string;
  dest?: string;
  overwrite?: boolean;
}

/** Uploads a local file or folder (recursively) into `dest` of datastore `name`. */
export async function uploadToDatastore(client: ApiClient, o: UploadOptions) {
  const dest = storePath(o.dest, '--dest');
  const info = await stat(o.src).catch(() => undefined);
  if (!info) throw new CliError(`Local path ${o.src} does not exist.`, { exitCode: 2 });
  const top = join2(dest, basename(resolve(o.src)));
  const files = info.isDirectory()
    ? (await localFiles(o.src)).map((f) => ({ ...f, remote: join2(top, f.relative) }))
    : [{ absolute: o.src, relative: '', size: info.size, remote: top }];
  if (files.length === 0) throw new CliError(`Local folder ${o.src} is empty; there is nothing to upload.`);
  const route = `${await client.workspacePath()}/datastores/${encodeURIComponent(o.name)}/paths`;
  if (!o.overwrite) {
    const present = info.isDirectory()
      ? await existing(client, route, top)
      : await existingFile(client, route, top);
    const clashes = files.filter((f) => present.has(f.remote)).map((f) => f.remote);
    if (clashes.length > 0) {
      throw new CliError(
        `${clashes.length} file(s) already exist in datastore '${o.name}' (${clashes.slice(0, 3).join(', ')}` +
          `${clashes.length > 3 ? ', ...' : ''}); add --overwrite to replace them.`,
      );
    }
  }
  const bar = progress(
    files.reduce((sum, f) => sum + f.size, 0),
    'uploading',
  );
  try {
    for (const file of files) await client.uploadFile(file.absolute, o.name, file.remote, bar.add);
  } finally {
    bar.stop();
  }
  return {
    datastore: o.name,
    uri: `azureml://datastores/${o.name}/paths/${top}`,
    files: files.length,
    bytes: files.reduce((sum, f) => sum + f.size, 0),
  };
}

/** Where a listed path goes: under `target`, never outside it, whatever the server answered. */
function localTarget(target: string, path: string): string {
  const root = resolve(target);
  const local = resolve(root, ...path.split(/[/\\]/));
  if (!local.startsWith(`${root}${sep}`)) {
    throw new CliError(
      `The server listed a path outside the download folder: '${path}'; nothing more is written.`,
    );
  }
  return local;
}

/** Counts the bytes that pass, for the progress bar. */
function counter(add: (bytes: number) => void): Transform {
  return new Transform({
    transform(chunk: Buffer, _encoding, done) {
      add(chunk.length);
      done(null, chunk);
    },
  });
}

async function save(response: Response, local: string, add: (bytes: number) => void): Promise<void> {
  await mkdir(resolve(local, '..'), { recursive: true });
  await pipeline(Readable.fromWeb(response.body as never), counter(add), createWriteStream(local));
}

export interface DownloadOptions {
  name: string;
  path: string;
  dest?: string;
}

/** Downloads a file or a folder (recursively) of datastore `name` into the local folder `dest`. */
export async function downloadFromDatastore(client: ApiClient, o: DownloadOptions) {
  const path = storePath(o.path, '--path');
  const dest = o.dest ?? '.';
  const route = `${await client.workspacePath()}/datastores/${encodeURIComponent(o.name)}/paths`;
  const response = await client.open(`${route}/${encode(path)}`);
  const own = path === '' ? '' : (path.split('/').pop() ?? '');
  if (!(response.headers.get('content-type') ?? '').includes('application/json')) {
    const local = localTarget(dest, own);
    const bar = progress(Number(response.headers.get('content-length') ?? 0), 'downloading');
    try {
      await save(response, local, bar.add);
    } finally {
      bar.stop();
    }
    return { datastore: o.name, downloaded: [local] };
  }
  const listed = ((await response.json()) as { value?: { path: string; size?: number }[] }).value ?? [];
  const prefix = path === '' ? '' : `${path}/`;
  // Every name is checked before the first file is written: a hostile listing writes nothing.
  const plan = listed.map((entry) => {
    if (!entry.path.startsWith(prefix)) {
      throw new CliError(
        `The server listed '${entry.path}', which is not under '${path}'; nothing was written.`,
      );
    }
    return { path: entry.path, local: localTarget(dest, join2(own, entry.path.slice(prefix.length))) };
  });
  const bar = progress(
    listed.reduce((sum, f) => sum + (f.size ?? 0), 0),
    'downloading',
  );
  try {
    for (const file of plan)
      await save(await client.open(`${route}/${encode(file.path)}`), file.local, bar.add);
  } finally {
    bar.stop();
  }
  return { datastore: o.name, downloaded: plan.map((f) => f.local) };
}
