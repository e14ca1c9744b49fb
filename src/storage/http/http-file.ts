/**
 * A public file behind an HTTP(S) URL, seen as a read-only datastore that holds that one file under its
 * own name (the last segment of the URL's path): `stat` asks with HEAD (size, ETag, time, MD5 when the
 * server gives them), `openRead` streams a GET. The engine's path for remote inputs (stat, then openRead
 * into a cache keyed by the ETag) and Data Factory's HttpServer source use it like any other store. Every
 * request goes through the URL policy (http-request.ts); writing is refused.
 */
import type { IncomingMessage } from 'node:http';
import { PassThrough, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { NotFoundError, NotSupportedError, ValidationError } from '../../core/errors.ts';
import { normaliseDatastorePath } from '../../core/references.ts';
import { sliceBytes } from '../byte-slice.ts';
import type { ByteRange, DatastoreBackend, FileEntry, FileFacts, PathInfo } from '../contract.ts';
import { guardedRequest, type HttpSourceOptions } from './http-request.ts';
import { displayUrl } from './url-policy.ts';

export type { HttpSourceOptions } from './http-request.ts';

/** The name the file has inside the source: the URL path's last segment, decoded. */
export function fileNameOf(url: URL): string {
  const last = url.pathname.split('/').pop() ?? '';
  let name: string;
  try {
    name = decodeURIComponent(last);
  } catch {
    name = last;
  }
  const clean = name.includes('/') || name.includes('\\') ? '' : normaliseDatastorePath(name, 'url');
  if (!clean) {
    throw new ValidationError(
      `The URL '${displayUrl(url)}' does not name a file: its path must end with the file's name (e.g. .../data.csv).`,
      'url',
    );
  }
  return clean;
}

function factsOf(response: IncomingMessage): FileFacts & { size: number } {
  const h = response.headers;
  const length = Number(h['content-length']);
  const modified = h['last-modified'] ? new Date(h['last-modified']) : undefined;
  const md5 = h['content-md5'];
  return {
    // Unknown (a chunked answer) counts as 0: the size is for display and planning, the stream is read whole.
    size: Number.isSafeInteger(length) && length >= 0 ? length : 0,
    ...(h.etag ? { etag: h.etag } : {}),
    ...(modified && !Number.isNaN(modified.getTime()) ? { lastModified: modified.toISOString() } : {}),
    ...(typeof md5 === 'string' ? { contentMD5: md5 } : {}),
  };
}

function statusError(url: URL, status: number): Error {
  if (status === 404 || status === 410)
    return new NotFoundError(`'${displayUrl(url)}' does not exist (HTTP ${status}).`);
  return new ValidationError(
    `Reading '${displayUrl(url)}' failed: the server answered HTTP ${status}.`,
    'url',
  );
}

/** The source over one URL; no request is made until a method is called. */
export function httpFileSource(url: URL, options: HttpSourceOptions): DatastoreBackend {
  const name = fileNameOf(url);
  const clean = (path: string) => normaliseDatastorePath(path);

  async function head(): Promise<(FileFacts & { size: number }) | undefined> {
    let { response, url: last } = await guardedRequest(url, 'HEAD', options);
    response.resume();
    // Some servers answer files but not HEAD: ask with GET and drop the body after the headers.
    if (response.statusCode === 405 || response.statusCode === 501) {
      ({ response, url: last } = await guardedRequest(url, 'GET', options));
      response.destroy();
    }
    const status = response.statusCode ?? 0;
    if (status === 404 || status === 410) return undefined;
    if (status < 200 || status > 299) throw statusError(last, status);
    return factsOf(response);
  }

  async function stat(path: string): Promise<PathInfo | undefined> {
    const p = clean(path);
    if (p !== '' && p !== name) return undefined;
    const facts = await head();
    if (!facts) return undefined;
    return p === '' ? { kind: 'folder', size: 0 } : { kind: 'file', ...facts };
  }

  async function list(folder: string): Promise<FileEntry[]> {
    if (clean(folder) !== '') return [];
    const facts = await head();
    return facts ? [{ path: name, ...facts }] : [];
  }

  /** A range is cut from the whole response: a public server need not honour `Range`. */
  function openRead(path: string, range?: ByteRange): Readable {
    const out = new PassThrough();
    const p = clean(path);
    if (p !== name)
      throw new NotFoundError(`'${p}' is not in '${displayUrl(url)}'; it holds '${name}' only.`);
    void (async () => {
      const { response, url: last } = await guardedRequest(url, 'GET', options);
      const status = response.statusCode ?? 0;
      if (status < 200 || status > 299) {
        response.resume();
        throw statusError(last, status);
      }
      if (range === undefined) await pipeline(response, out);
      else await pipeline(response, sliceBytes(range.start, range.end), out);
    })().catch((error: unknown) => out.destroy(error as Error));
    return out;
  }

  const readOnly = (): Promise<never> =>
    Promise.reject(
      new NotSupportedError(`'${displayUrl(url)}' is a public URL; it can be read, not written.`),
    );

  return {
    stat,
    list,
    openRead,
    write: readOnly,
    remove: readOnly,
    localPath: () => Promise.resolve(undefined),
  };
}
