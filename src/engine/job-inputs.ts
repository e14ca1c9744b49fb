/**
 * Resolves where a job reads and writes: the input (datastore URI in any form, or a data asset) checked
 * to exist and listed, top-level files only as Azure does unless `recursive` is asked for; and the output
 * file, which must not exist yet. All of it happens before the job is created, so a bad invocation leaves
 * nothing behind. Any datastore kind serves: the engine downloads a remote store's inputs into its cache
 * and writes outputs through the store's own `write`.
 */
import { ConflictError, NotFoundError, NotSupportedError, ValidationError } from '../core/errors.ts';
import type { JobInputSpec, JobOutputSpec } from '../core/jobs.ts';
import { preview } from '../core/limits.ts';
import { datastoreUri, parseAssetRef, parseDatastoreUri, pathInFolder } from '../core/references.ts';
import type { DatastoreBackend, FileEntry } from '../storage/contract.ts';
import { credentialParamOf } from '../storage/http/url-policy.ts';
import type { AssetService } from '../workspace/assets.ts';
import { DEFAULT_DATASTORE, type DatastoreService } from '../workspace/datastores.ts';
import { checkOutputFileName } from '../workspace/deployment-body.ts';
import type { SourceLocation } from '../workspace/public-files.ts';
import { jobRequestError, type JobRequest } from './invocation.ts';

export interface ResolvedInput {
  spec: JobInputSpec;
  files: FileEntry[];
  /** Where the files are: a job that splits big files reads them at invoke to find the cuts. */
  backend: DatastoreBackend;
}

async function fromAsset(
  assets: AssetService,
  uri: string,
  key: string,
): Promise<{ uri: string; type: JobInputSpec['type']; asset: string }> {
  const ref = parseAssetRef(uri);
  if (!ref || (ref.kind !== undefined && ref.kind !== 'data')) {
    throw jobRequestError(`InputData.${key}.Uri`, `'${uri}' is not a data asset reference.`);
  }
  try {
    const data = await assets.get('data', ref.name, ref.version);
    return {
      uri: data.dataUri,
      type: data.dataType === 'uri_file' ? 'UriFile' : 'UriFolder',
      asset: `azureml:${data.name}:${data.version}`,
    };
  } catch (error) {
    if (error instanceof NotFoundError) throw jobRequestError(`InputData.${key}.Uri`, error.message, uri);
    throw error;
  }
}

/**
 * Inputs are datastore URIs, data assets, storage URLs of a registered datastore (https, wasbs, abfss,
 * s3; rewritten to the datastore's URI) and public http(s) files; a URL of any other scheme is refused at
 * invoke, naming the input and what works, before a job exists to fail later.
 */
function refuseOtherSchemes(uri: string, field: string): void {
  const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(uri)?.[1]?.toLowerCase();
  if (scheme === undefined) return;
  const credential = credentialParamOf(uri);
  if (credential !== undefined) {
    // The request's InputData is kept on the job as given: a token in it would be shown to every reader.
    throw jobRequestError(
      field,
      `The URL's query parameter '${credential}' carries a credential, which would be kept in the job record. ` +
        'This server reads storage with the credentials of a registered datastore: drop the query (a ' +
        "datastore over the container is used), or register one with 'nightshift datastore create -f'.",
    );
  }
  if (['azureml', 'http', 'https', 'wasb', 'wasbs', 'abfs', 'abfss', 's3'].includes(scheme)) return;
  throw new NotSupportedError(
    `'${scheme}://' inputs are not supported: ${field} is '${preview(uri.replace(/[?#].*$/s, ''))}'. Supported inputs are ` +
      `datastore URIs (azureml://datastores/<datastore>/paths/<path>), storage URLs of a registered datastore ` +
      `(https://, wasbs://, abfss://, s3://), public https file URLs and data assets (azureml:<name>:<version>).`,
  );
}

/** The input's facts; a public URL that cannot be read (refused, unreachable) is a 400 naming the input. */
async function statInput(location: SourceLocation, field: string) {
  try {
    return await location.backend.stat(location.path);
  } catch (error) {
    if (location.datastore || !(error instanceof ValidationError)) throw error;
    throw jobRequestError(field, error.message);
  }
}

export async function resolveInput(
  deps: { assets: AssetService; datastores: DatastoreService },
  input: JobRequest['input'],
): Promise<ResolvedInput> {
  const field = `InputData.${input.key}.Uri`;
  refuseOtherSchemes(input.uri, field);
  let uri = input.uri;
  let type = input.type;
  let asset: string | undefined;
  if (!parseDatastoreUri(uri, field) && !/^[a-z][a-z0-9+.-]*:\/\//i.test(uri)) {
    const resolved = await fromAsset(deps.assets, uri, input.key);
    if (type && type !== resolved.type) {
      throw jobRequestError(
        `InputData.${input.key}.JobInputType`,
        `Data asset ${resolved.asset} is a ${resolved.type}, not a ${type}.`,
        type,
      );
    }
    ({ uri, type, asset } = resolved);
  }
  const location = await deps.datastores.resolveSource(uri, field);
  const info = await statInput(location, field);
  if (!info) throw jobRequestError(field, `The input '${input.uri}' does not exist.`, input.uri);
  const kind: JobInputSpec['type'] = type ?? (info.kind === 'file' ? 'UriFile' : 'UriFolder');
  if ((kind === 'UriFile') !== (info.kind === 'file')) {
    throw jobRequestError(
      `InputData.${input.key}.JobInputType`,
      `The input '${input.uri}' is a ${info.kind}; use JobInputType ${info.kind === 'file' ? 'UriFile' : 'UriFolder'}.`,
      kind,
    );
  }
  const files =
    info.kind === 'file'
      ? [{ path: location.path, size: info.size }]
      : await location.backend.list(location.path, { recursive: input.recursive });
  if (files.length === 0) {
    throw jobRequestError(
      field,
      `The input folder '${input.uri}' has no files${input.recursive ? '' : ' at its top level (nested folders are not read unless recursive is set)'}.`,
    );
  }
  return {
    spec: {
      type: kind,
      uri: location.uri,
      recursive: input.recursive,
      ...(asset ? { asset } : {}),
    },
    files,
    backend: location.backend,
  };
}

export async function resolveOutput(
  datastores: DatastoreService,
  requested: JobRequest['output'],
  jobName: string,
  fileName: string,
): Promise<JobOutputSpec> {
  const field = requested?.kind === 'folder' ? 'outputDataset.path' : 'OutputData.score.Uri';
  const target = requested
    ? parseDatastoreUri(requested.uri, field)
    : { datastore: DEFAULT_DATASTORE, path: `azureml/${jobName}/score` };
  if (!target) {
    throw jobRequestError(
      field,
      `Outputs must be datastore URIs such as azureml://datastores/workspaceblobstore/paths/FOLDER/predictions.csv.`,
      requested?.uri,
    );
  }
  const location = await datastores.resolve(datastoreUri(target), field);
  if (datastores.isReadOnly(location.datastore.name)) {
    throw jobRequestError(
      field,
      `Datastore '${location.datastore.name}' is read-only; write outputs to workspaceblobstore or your own datastore.`,
    );
  }
  let folder = location.path;
  let file = fileName;
  if (requested?.kind === 'file') {
    const parts = location.path.split('/');
    file = parts.pop() ?? '';
    folder = parts.join('/');
    if (!file)
      throw jobRequestError(
        field,
        'The output Uri must name a file, e.g. .../paths/batch/predictions.csv.',
        requested.uri,
      );
  }
  // Also a deployment's own outputFileName, which may have been stored before its length was checked.
  checkOutputFileName(file, requested?.kind === 'file' ? field : 'outputFileName');
  const filePath = pathInFolder(folder, file);
  if (await location.backend.stat(filePath)) {
    throw new ConflictError(
      `The output path '${datastoreUri({ datastore: location.datastore.name, path: filePath })}' already exists; batch jobs never overwrite outputs. Choose a new output path.`,
      'OutputAlreadyExists',
    );
  }
  return {
    uri: datastoreUri({ datastore: location.datastore.name, path: filePath }),
    datastore: location.datastore.name,
    folder,
    fileName: file,
  };
}
