/**
 * Get Metadata over a resolved dataset: the fields of `fieldList` Data Factory answers for file stores
 * (`exists`, `itemName`, `itemType`, `size`, `lastModified`, `contentMD5`, `childItems` with name and
 * type File/Folder). A missing file or folder fails the activity unless `exists` is asked for, in which
 * case the output is `{exists: false}`, as in Data Factory. Folders in Blob Storage are name prefixes, so
 * a folder's children come from one flat listing grouped by their next path segment.
 */
import { posix } from 'node:path';
import type { DatastoreBackend } from '../../storage/contract.ts';
import { ActivityFailure } from '../runner/activity-failure.ts';
import type { ResolvedDataset } from './dataset-resolver.ts';

const FIELDS = [
  'exists',
  'itemName',
  'itemType',
  'size',
  'lastModified',
  'contentMD5',
  'childItems',
] as const;
type Field = (typeof FIELDS)[number];

function fieldsOf(fieldList: unknown): Field[] {
  if (!Array.isArray(fieldList) || fieldList.length === 0) {
    throw new ActivityFailure(
      'UserErrorInvalidFieldList',
      `Get Metadata needs a fieldList, e.g. ["exists", "childItems"]; it can return ${FIELDS.join(', ')}.`,
    );
  }
  return fieldList.map((entry: unknown) => {
    const known = FIELDS.find((f) => f.toLowerCase() === String(entry).toLowerCase());
    if (known === undefined) {
      throw new ActivityFailure(
        'UserErrorInvalidFieldList',
        `Get Metadata cannot return ${JSON.stringify(entry)} for a file store; ask for ${FIELDS.join(', ')}.`,
      );
    }
    return known;
  });
}

async function childItems(
  store: DatastoreBackend,
  folder: string,
): Promise<{ name: string; type: string }[]> {
  const prefix = folder === '' ? '' : `${folder}/`;
  const seen = new Map<string, string>();
  for (const file of await store.list(folder, { recursive: true })) {
    const rest = file.path.slice(prefix.length);
    const slash = rest.indexOf('/');
    const name = slash === -1 ? rest : rest.slice(0, slash);
    if (!seen.has(name)) seen.set(name, slash === -1 ? 'File' : 'Folder');
  }
  return [...seen].map(([name, type]) => ({ name, type }));
}

export async function getMetadata(
  dataset: ResolvedDataset,
  fieldList: unknown,
): Promise<Record<string, unknown>> {
  const fields = fieldsOf(fieldList);
  const path = [dataset.folderPath, dataset.fileName].filter((p) => p !== '').join('/');
  const store = dataset.store.backend;
  const info = await store.stat(path);
  if (info === undefined) {
    if (fields.includes('exists')) return { exists: false };
    throw new ActivityFailure(
      '2001',
      `ErrorCode=UserErrorFileNotFound,'Message=The required file or folder is missing. Dataset: '${dataset.name}', ${dataset.store.label}, path: '${path}'. Storage error: BlobNotFound'`,
    );
  }
  const out: Record<string, unknown> = {};
  for (const field of fields) {
    if (field === 'exists') out['exists'] = true;
    else if (field === 'itemName') out['itemName'] = posix.basename(path);
    else if (field === 'itemType') out['itemType'] = info.kind === 'file' ? 'File' : 'Folder';
    else if (field === 'size' && info.kind === 'file') out['size'] = info.size;
    else if (field === 'lastModified' && info.lastModified !== undefined)
      out['lastModified'] = info.lastModified;
    else if (field === 'contentMD5' && info.contentMD5 !== undefined) out['contentMD5'] = info.contentMD5;
    else if (field === 'childItems') {
      if (info.kind !== 'folder') {
        throw new ActivityFailure(
          'UserErrorInvalidFieldList',
          `childItems is for a folder; dataset '${dataset.name}' names the file '${path}'.`,
        );
      }
      out['childItems'] = await childItems(store, path);
    }
  }
  return out;
}
