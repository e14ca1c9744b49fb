/**
 * Browsing a datastore the way a person does: one folder level at a time (its folders and files, paged by
 * name), and the first rows of a CSV, JSON Lines or Parquet file as columns and rows. Both go through the
 * datastore abstraction, so a local folder, Azure Blob and S3 answer alike, and the local folder's own
 * containment (paths resolved with links followed, refused outside the root) holds here too. Both read
 * file contents, so they need the same data action as a download: a Reader sees that a datastore exists,
 * not what it holds. A preview reads only the head of a text file, never the whole of it.
 */
import { Type } from '@sinclair/typebox';
import { DATA_ACTIONS } from '../../auth/rbac/actions.ts';
import { NotFoundError, ValidationError } from '../../core/errors.ts';
import { normaliseDatastorePath, pathInFolder } from '../../core/references.ts';
import type { DatastoreBackend, FileEntry } from '../../storage/contract.ts';
import {
  parquetFromFile,
  parquetFromStream,
  previewCsv,
  previewFormat,
  previewJsonLines,
  previewParquet,
  type PreviewLimits,
  type TablePreview,
} from '../../storage/table-preview.ts';
import { WS, type ApiServices } from '../context.ts';
import { defineRoute, type RouteSpec } from '../route-table.ts';
import { integerQuery, nullable, query, wholeQuery, wsParams } from '../schemas.ts';

const DEFAULT_TOP = 200;
const MAX_TOP = 1000;
const DEFAULT_ROWS = 50;
const MAX_ROWS = 500;
const HEAD_BYTES = 1 << 20;
const MAX_REMOTE_PARQUET_BYTES = 64 << 20;

const Entry = Type.Object({
  name: Type.String(),
  path: Type.String({ description: 'The path inside the datastore.' }),
  kind: Type.Union([Type.Literal('folder'), Type.Literal('file')]),
  size: Type.Optional(Type.Number()),
  lastModified: Type.Optional(Type.String()),
});

const Listing = Type.Object({
  path: Type.String(),
  value: Type.Array(Entry),
  nextLink: nullable(Type.String()),
});

const Cell = Type.Union([Type.String(), Type.Number(), Type.Boolean(), Type.Null()]);
const Preview = Type.Object({
  path: Type.String(),
  format: Type.String(),
  size: Type.Number(),
  columns: Type.Array(Type.String()),
  rows: Type.Array(Type.Array(Cell)),
  truncated: Type.Boolean(),
  totalRows: Type.Optional(Type.Number()),
});

type Child = { name: string; path: string; kind: 'folder' | 'file'; size?: number; lastModified?: string };

/** The folder's direct children from its recursive listing: files, and folders named by deeper files. */
function children(folder: string, files: FileEntry[]): Child[] {
  const prefix = folder === '' ? '' : `${folder}/`;
  const byName = new Map<string, Child>();
  for (const f of files) {
    if (!f.path.startsWith(prefix)) continue;
    const rest = f.path.slice(prefix.length);
    const slash = rest.indexOf('/');
    const name = slash < 0 ? rest : rest.slice(0, slash);
    if (name === '' || byName.has(name)) continue;
    const path = pathInFolder(folder, name);
    byName.set(
      name,
      slash < 0
        ? {
            name,
            path,
            kind: 'file',
            size: f.size,
            ...(f.lastModified ? { lastModified: f.lastModified } : {}),
          }
        : { name, path, kind: 'folder' },
    );
  }
  // Folders first, then files, each by name: the order a file browser shows and the order of the pages.
  return [...byName.values()].sort((a, b) =>
    a.kind !== b.kind ? (a.kind === 'folder' ? -1 : 1) : a.name < b.name ? -1 : a.name > b.name ? 1 : 0,
  );
}

/** The keyset of a page: the kind and name of the last entry shown (`folder:NAME` or `file:NAME`). */
function after(entries: Child[], token: string | undefined): Child[] {
  if (token === undefined) return entries;
  const match = /^(folder|file):(.*)$/s.exec(token);
  if (!match)
    throw new ValidationError(
      `$skipToken '${token.slice(0, 80)}' is not one this server gave.`,
      '$skipToken',
    );
  const key = `${match[1] === 'folder' ? 0 : 1}:${match[2] ?? ''}`;
  return entries.filter((e) => `${e.kind === 'folder' ? 0 : 1}:${e.name}` > key);
}

async function readPreview(
  backend: DatastoreBackend,
  path: string,
  size: number,
  limits: PreviewLimits,
): Promise<TablePreview> {
  const format = previewFormat(path);
  if (format === undefined) {
    throw new ValidationError(
      `'${path}' is not a file a preview reads; preview .csv, .tsv, .jsonl or .parquet files, or download it.`,
      'path',
    );
  }
  if (format === 'csv') return previewCsv(backend.openRead(path), limits);
  if (format === 'jsonl') return previewJsonLines(backend.openRead(path), limits);
  const local = await backend.localPath(path);
  const file =
    local === undefined
      ? await parquetFromStream(backend.openRead(path), size, limits)
      : await parquetFromFile(local);
  return previewParquet(file, limits);
}

const tags = ['datastores'];

export function datastorePreviewRoutes(s: ApiServices): RouteSpec[] {
  const access = { action: DATA_ACTIONS.datastorePathRead, kind: 'dataAction', scope: 'datastore' } as const;
  return [
    defineRoute({
      method: 'GET',
      url: `${WS}/datastores/:name/folders`,
      summary: "List one level of a datastore's folder: its folders and files, paged",
      tags,
      access,
      params: wsParams({ name: Type.String() }),
      query: query({
        path: Type.Optional(Type.String({ description: "The folder; the datastore's root when left out." })),
        $top: integerQuery(1, MAX_TOP, `At most this many entries (default ${String(DEFAULT_TOP)}).`),
        $skipToken: Type.Optional(Type.String({ description: "From the previous page's nextLink." })),
      }),
      responses: { 200: Listing },
      handler: async (req) => {
        const { name } = req.params;
        const folder = normaliseDatastorePath(req.query.path ?? '', 'path');
        const top = wholeQuery(req.query.$top, '$top', MAX_TOP) ?? DEFAULT_TOP;
        const backend = await s.datastores.backend(name);
        const info = await backend.stat(folder);
        if (folder !== '' && !info)
          throw new NotFoundError(`'${folder}' does not exist in datastore '${name}'.`);
        if (info?.kind === 'file') throw new ValidationError(`'${folder}' is a file, not a folder.`, 'path');
        const rest = after(
          children(folder, await backend.list(folder, { recursive: true })),
          req.query.$skipToken,
        );
        const page = rest.slice(0, top);
        const last = page.at(-1);
        const next = new URLSearchParams({
          'api-version': req.query['api-version'] ?? '',
          path: folder,
          $top: String(top),
        });
        if (last) next.set('$skipToken', `${last.kind}:${last.name}`);
        return {
          path: folder,
          value: page,
          nextLink: rest.length > top ? `${req.url.split('?')[0] ?? ''}?${next.toString()}` : null,
        };
      },
    }),
    defineRoute({
      method: 'GET',
      url: `${WS}/datastores/:name/preview/*`,
      summary: 'The first rows of a CSV, JSON Lines or Parquet file, as columns and rows',
      tags,
      access,
      params: wsParams({ name: Type.String(), '*': Type.String() }),
      query: query({ rows: integerQuery(1, MAX_ROWS, `How many rows (default ${String(DEFAULT_ROWS)}).`) }),
      responses: { 200: Preview },
      handler: async (req) => {
        const { name } = req.params;
        const path = normaliseDatastorePath(req.params['*'], 'path');
        if (path === '') throw new ValidationError('Give the path of a file after /preview/.', 'path');
        const rows = wholeQuery(req.query.rows, 'rows', MAX_ROWS) ?? DEFAULT_ROWS;
        const backend = await s.datastores.backend(name);
        const info = await backend.stat(path);
        if (!info) throw new NotFoundError(`'${path}' does not exist in datastore '${name}'.`);
        if (info.kind === 'folder')
          throw new ValidationError(`'${path}' is a folder; preview a file.`, 'path');
        const limits = { rows, maxBytes: HEAD_BYTES, maxParquetBytes: MAX_REMOTE_PARQUET_BYTES };
        return { path, size: info.size, ...(await readPreview(backend, path, info.size, limits)) };
      },
    }),
  ];
}
