/**
 * Where a datastore path lives in the studio and in the API. A folder's studio URL ends with a slash and a
 * file's does not (`/studio/datastores/files/data/` and `/studio/datastores/files/data/a.csv`), so a
 * pasted link says which of the two it shows without asking the server first. Each path segment is
 * encoded on its own, so names with spaces, `#` or `%` survive the trip.
 */
export function encodePath(path: string): string {
  return path
    .split('/')
    .filter((part) => part !== '')
    .map(encodeURIComponent)
    .join('/');
}

/** The studio page of a folder (`kind: 'folder'`) or a file of a datastore. */
export function browserLink(datastore: string, path: string, kind: 'folder' | 'file'): string {
  const encoded = encodePath(path);
  const tail = kind === 'folder' && encoded !== '' ? `${encoded}/` : encoded;
  return `/studio/datastores/${encodeURIComponent(datastore)}/${tail}`;
}

/** The API path (under the workspace) that downloads a file. */
export function downloadPath(datastore: string, path: string): string {
  return `/datastores/${encodeURIComponent(datastore)}/paths/${encodePath(path)}`;
}

/** `azureml://datastores/NAME/paths/PATH` as its datastore and path; undefined for other URIs. */
export function parseDatastoreUri(uri: string): { datastore: string; path: string } | undefined {
  const match = /^azureml:\/\/datastores\/([^/]+)\/paths\/?(.*)$/i.exec(uri);
  if (!match) return undefined;
  return { datastore: match[1] ?? '', path: (match[2] ?? '').replace(/\/+$/, '') };
}

/** Bytes as a person reads them: 1.5 MB. */
export function formatBytes(size: number | undefined): string {
  if (size === undefined) return '—';
  const units = ['bytes', 'KB', 'MB', 'GB', 'TB'];
  let value = size;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return unit === 0 ? `${String(size)} bytes` : `${value.toFixed(1)} ${units[unit] ?? ''}`;
}
