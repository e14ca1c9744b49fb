/**
 * Public files named by an http(s) URL, as a job input or a `uri_file` data asset: the location of such
 * a file is the one-file source of storage/http (the URL policy guards every request it makes), and the
 * URL itself is what a job record or an asset keeps, so a server that restarts reads it again. No
 * datastore holds it, so no datastore role is needed to read it: the URL is public data.
 */
import { ValidationError } from '../core/errors.ts';
import { preview } from '../core/limits.ts';
import type { Datastore } from '../core/resources.ts';
import type { DatastoreBackend } from '../storage/contract.ts';
import { fileNameOf, httpFileSource, type HttpSourceOptions } from '../storage/http/http-file.ts';
import { checkUrlShape } from '../storage/http/url-policy.ts';

/** Where data is: a path in a registered datastore, or in the one-file source of a public URL. */
export interface SourceLocation {
  /** The datastore, or undefined for a public URL. */
  datastore: Datastore | undefined;
  backend: DatastoreBackend;
  path: string;
  /** What a record keeps: `azureml://datastores/NAME/paths/PATH`, or the public URL. */
  uri: string;
}

/** The source of a public file URL; its shape (scheme, credentials, a file name) is checked here. */
export function publicFileLocation(uri: string, field: string, options: HttpSourceOptions): SourceLocation {
  let url: URL;
  try {
    url = new URL(uri);
  } catch {
    throw new ValidationError(
      `'${field}' '${preview(uri.replace(/[?#].*$/s, ''))}' is not a valid URL.`,
      field,
    );
  }
  try {
    checkUrlShape(url, options.policy);
    url.hash = '';
    return {
      datastore: undefined,
      backend: httpFileSource(url, options),
      path: fileNameOf(url),
      uri: url.href,
    };
  } catch (error) {
    if (error instanceof ValidationError) throw new ValidationError(`'${field}': ${error.message}`, field);
    throw error;
  }
}
