/**
 * Moving a local file or folder to the server before it is registered, as az does: the content is hashed,
 * then uploaded to the workspace's default datastore under `LocalUpload/<content-hash>/<basename>/...`,
 * one PUT per file, and referred to afterwards by its `azureml://datastores/workspaceblobstore/paths/...`
 * URI. Because the hash is in the path, the same content always lands in the same place: when every file
 * is already there (same paths and sizes) the upload is skipped.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import { basename, join, relative, sep } from 'node:path';
import { CliError, type ApiClient } from './client.ts';

const UPLOAD_DATASTORE = 'workspaceblobstore';

export interface LocalFile {
  /** Absolute path on this machine. */
  absolute: string;
  /** '/'-separated path below the uploaded entry ('' for a single file). */
  relative: string;
  size: number;
}

export interface LocalTree {
  kind: 'file' | 'folder';
  basename: string;
  files: LocalFile[];
  /** sha256 over every file's relative path and bytes, hex. */
  contentHash: string;
}

export interface UploadResult {
  /** `azureml://datastores/workspaceblobstore/paths/LocalUpload/<hash>/<basename>` */
  uri: string;
  contentHash: string;
  kind: 'file' | 'folder';
  uploaded: boolean;
}

async function listFiles(root: string): Promise<LocalFile[]> {
  const files: LocalFile[] = [];
  const walk = async (dir: string): Promise<void> => {
    for (const entry of await readdir(dir, { withFileTypes: true })) {
      const absolute = join(dir, entry.name);
      // stat() follows symbolic links, so a linked file or folder is uploaded as its target.
      const info = await stat(absolute);
      if (info.isDirectory()) await walk(absolute);
      else if (info.isFile())
        files.push({ absolute, relative: relative(root, absolute).split(sep).join('/'), size: info.size });
    }
  };
  await walk(root);
  return files.sort((a, b) => (a.relative < b.relative ? -1 : a.relative > b.relative ? 1 : 0));
}

async function hashFile(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/** Lists and hashes a local file or folder; fails on a missing path or an empty folder. */
async function scanLocalPath(path: string): Promise<LocalTree> {
  const info = await stat(path).catch(() => undefined);
  if (!info) throw new CliError(`Local path ${path} does not exist.`);
  const name = basename(path);
  const files = info.isDirectory()
    ? await listFiles(path)
    : [{ absolute: path, relative: '', size: info.size }];
  if (files.length === 0) throw new CliError(`Local folder ${path} is empty; there is nothing to upload.`);
  const tree = createHash('sha256');
  tree.update(`${info.isDirectory() ? 'folder' : 'file'}\0${name}\n`);
  for (const file of files) tree.update(`${file.relative}\0${await hashFile(file.absolute)}\n`);
  return {
    kind: info.isDirectory() ? 'folder' : 'file',
    basename: name,
    files,
    contentHash: tree.digest('hex'),
  };
}

/** The short form of a content hash used in datastore paths and derived asset names. */
export function shortHash(contentHash: string): string {
  return contentHash.slice(0, 32);
}

/** True when the server already holds every file of the tree under `prefix`, with the same sizes. */
async function alreadyUploaded(client: ApiClient, prefix: string, tree: LocalTree): Promise<boolean> {
  const ws = await client.workspacePath();
  const folder = prefix.split('/').map(encodeURIComponent).join('/');
  try {
    const listing = await client.request<{ value?: { path: string; size: number }[] }>(
      'GET',
      `${ws}/datastores/${UPLOAD_DATASTORE}/paths/${folder}`,
    );
    const present = new Map((listing.value ?? []).map((f) => [f.path, f.size]));
    return tree.files.every((f) => present.get(remotePath(prefix, tree, f)) === f.size);
  } catch (error) {
    if (error instanceof CliError && error.status === 404) return false;
    throw error;
  }
}

function remotePath(prefix: string, tree: LocalTree, file: LocalFile): string {
  return file.relative ? `${prefix}/${tree.basename}/${file.relative}` : `${prefix}/${tree.basename}`;
}

/** Uploads a local file or folder (unless already there) and returns its datastore URI. */
export async function uploadLocalPath(client: ApiClient, path: string): Promise<UploadResult> {
  const tree = await scanLocalPath(path);
  const prefix = `LocalUpload/${shortHash(tree.contentHash)}`;
  // Datastore URIs hold paths as they are (the server does not percent-decode them), so names go in raw.
  const uri = `azureml://datastores/${UPLOAD_DATASTORE}/paths/${prefix}/${tree.basename}`;
  const result = { uri, contentHash: tree.contentHash, kind: tree.kind };
  if (await alreadyUploaded(client, prefix, tree)) return { ...result, uploaded: false };
  for (const file of tree.files)
    await client.uploadFile(file.absolute, UPLOAD_DATASTORE, remotePath(prefix, tree, file));
  return { ...result, uploaded: true };
}
