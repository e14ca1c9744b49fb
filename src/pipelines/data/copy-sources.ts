/**
 * Which files a Copy reads and where each one lands. The source side follows Data Factory's file-based
 * stores: a dataset naming a file copies that file; one naming a folder copies its files (its subfolders
 * too unless `recursive` is false, Data Factory's default being true); `wildcardFolderPath` and
 * `wildcardFileName` in the source's storeSettings (`*` any run of characters, `?` one) select files by
 * pattern instead. The sink side applies `copyBehavior`: PreserveHierarchy keeps each file's path relative
 * to the source folder, FlattenHierarchy puts every file in the sink folder, MergeFiles joins them into
 * one file.
 */
import { posix } from 'node:path';
import type { Json } from '../../core/wire-values.ts';
import type { DatastoreBackend } from '../../storage/contract.ts';
import { ActivityFailure } from '../runner/activity-failure.ts';

export interface SourceFile {
  path: string;
  /** The path relative to the source folder (the part PreserveHierarchy keeps). */
  relative: string;
  size: number;
}

export type CopyBehavior = 'PreserveHierarchy' | 'FlattenHierarchy' | 'MergeFiles';

export interface SourceSelection {
  folderPath: string;
  fileName: string;
  storeSettings: Json;
}

const join = (...parts: string[]) => parts.filter((p) => p !== '').join('/');

/** A wildcard as a regular expression over a whole name or path. */
export function wildcardPattern(wildcard: string): RegExp {
  const body = wildcard
    .split('')
    .map((c) => (c === '*' ? '[^/]*' : c === '?' ? '[^/]' : c.replace(/[.+^${}()|[\]\\]/g, '\\$&')))
    .join('');
  return new RegExp(`^${body}$`, 'i');
}

/** The folders before the first one holding a wildcard: where listing starts. */
function staticPrefix(pattern: string): string {
  const parts = pattern.split('/').filter((p) => p !== '');
  const at = parts.findIndex((p) => p.includes('*') || p.includes('?'));
  return (at === -1 ? parts : parts.slice(0, at)).join('/');
}

function text(settings: Json, key: string): string {
  const value = settings[key];
  return typeof value === 'string' ? value.replace(/^\/+|\/+$/g, '') : '';
}

function isRecursive(settings: Json): boolean {
  return settings['recursive'] !== false && settings['recursive'] !== 'false';
}

async function byWildcard(store: DatastoreBackend, s: SourceSelection): Promise<SourceFile[]> {
  const folderWildcard = text(s.storeSettings, 'wildcardFolderPath');
  const fileWildcard = text(s.storeSettings, 'wildcardFileName') || '*';
  const folderPattern = folderWildcard === '' ? undefined : wildcardPattern(folderWildcard);
  const base = folderWildcard === '' ? s.folderPath : staticPrefix(folderWildcard);
  const recursive = isRecursive(s.storeSettings);
  const filePattern = wildcardPattern(fileWildcard);
  const listed = await store.list(base, { recursive: true });
  const prefix = base === '' ? '' : `${base}/`;
  return listed
    .filter((f) => {
      const folder = posix.dirname(f.path) === '.' ? '' : posix.dirname(f.path);
      if (!filePattern.test(posix.basename(f.path))) return false;
      if (folderPattern === undefined) {
        return recursive || folder === base;
      }
      if (folderPattern.test(folder)) return true;
      // Recursive: files below a matching folder count too.
      return recursive && ancestors(folder).some((a) => folderPattern.test(a));
    })
    .map((f) => ({ path: f.path, relative: f.path.slice(prefix.length), size: f.size }));
}

function ancestors(folder: string): string[] {
  const parts = folder.split('/');
  return parts.map((_, i) => parts.slice(0, i + 1).join('/'));
}

/** The files a Copy source selects; a missing file or folder fails the activity, naming the dataset. */
export async function selectSourceFiles(
  store: DatastoreBackend,
  s: SourceSelection,
  name: { dataset: string; label: string },
): Promise<SourceFile[]> {
  if (
    text(s.storeSettings, 'wildcardFileName') !== '' ||
    text(s.storeSettings, 'wildcardFolderPath') !== ''
  ) {
    return byWildcard(store, s);
  }
  const path = join(s.folderPath, s.fileName);
  const info = await store.stat(path);
  if (info === undefined) {
    throw new ActivityFailure(
      'UserErrorSourceNotExist',
      `ErrorCode=UserErrorSourceBlobNotExists,'Message=The required file or folder is missing. Dataset: '${name.dataset}', ${name.label}, path: '${path}'. Storage error: BlobNotFound'`,
    );
  }
  if (info.kind === 'file') return [{ path, relative: posix.basename(path), size: info.size }];
  const prefix = path === '' ? '' : `${path}/`;
  const files = await store.list(path, { recursive: isRecursive(s.storeSettings) });
  return files.map((f) => ({ path: f.path, relative: f.path.slice(prefix.length), size: f.size }));
}

export function copyBehaviorOf(sinkSettings: Json): CopyBehavior {
  const value = sinkSettings['copyBehavior'];
  if (value === undefined || value === null || value === '') return 'PreserveHierarchy';
  const given = typeof value === 'string' ? value.toLowerCase() : '';
  const known = (['PreserveHierarchy', 'FlattenHierarchy', 'MergeFiles'] as const).find(
    (b) => b.toLowerCase() === given,
  );
  if (known === undefined) {
    throw new ActivityFailure(
      'UserErrorInvalidCopyBehavior',
      `sink.storeSettings.copyBehavior is ${JSON.stringify(value)}; use PreserveHierarchy, FlattenHierarchy or MergeFiles.`,
    );
  }
  return known;
}

/**
 * The sink path of each source file (one path for MergeFiles). A sink dataset naming a file receives a
 * single copied file under that name; FlattenHierarchy refuses two files of the same name, since one would
 * silently overwrite the other.
 */
export function sinkPaths(
  files: readonly SourceFile[],
  behavior: CopyBehavior,
  sink: { folderPath: string; fileName: string; runId: string },
): string[] {
  if (behavior === 'MergeFiles') return [join(sink.folderPath, sink.fileName || `data_${sink.runId}.txt`)];
  if (sink.fileName !== '' && files.length === 1) return [join(sink.folderPath, sink.fileName)];
  const targets = files.map((f) =>
    join(sink.folderPath, behavior === 'FlattenHierarchy' ? posix.basename(f.path) : f.relative),
  );
  const seen = new Set<string>();
  for (const target of targets) {
    if (seen.has(target)) {
      throw new ActivityFailure(
        'UserErrorFlattenNameCollision',
        `FlattenHierarchy would write two source files to '${target}'; use PreserveHierarchy or select files with distinct names.`,
      );
    }
    seen.add(target);
  }
  return targets;
}
