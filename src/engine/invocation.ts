/**
 * Reads an invocation body the way Azure's batch endpoint does: the current `InputData`/`OutputData`
 * form and the legacy `dataset`/`outputDataset` form, property names and enum values in any case, and the
 * per-job overrides. Refusals carry Azure's own messages where they are known, with the property path
 * in the details, so clients written against Azure see familiar errors.
 */
import { ValidationError, NotSupportedError } from '../core/errors.ts';
import { optionalDescription, tagMap } from '../core/limits.ts';
import {
  isObject,
  scalarText,
  optionalDurationSeconds,
  optionalInteger,
  optionalString,
  prop,
  type Json,
} from '../core/wire-values.ts';
import { formatSplitSize } from '../core/row-ranges.ts';
import { checkOutputFileName } from '../workspace/deployment-body.ts';

export interface JobOverrides {
  miniBatchSize?: number;
  /** A size or row count (`64MB`, `1000 rows`) that splits this job's big tables (core/row-ranges.ts). */
  miniBatchSplit?: string;
  instanceCount?: number;
  maxConcurrencyPerInstance?: number;
  errorThreshold?: number;
  maxRetries?: number;
  timeoutSeconds?: number;
  outputFileName?: string;
}

export interface JobRequest {
  name?: string;
  description: string;
  tags: Record<string, string>;
  input: { type: 'UriFolder' | 'UriFile' | undefined; uri: string; recursive: boolean; key: string };
  /** The output file (`OutputData`) or folder (`outputDataset`, CLI `--output-path`), if given. */
  output?: { kind: 'file' | 'folder'; uri: string };
  overrides: JobOverrides;
  inputData: Json;
}

export function jobRequestError(property: string, message: string, attempted?: unknown): ValidationError {
  const text =
    `The Job request provided has the following validation errors. Please resolve them and try again. ` +
    `${property}: ${message}${attempted === undefined ? '' : ` (attempted value: ${JSON.stringify(attempted)})`}`;
  return new ValidationError(text, property, [{ code: 'PredicateValidator', message, target: property }]);
}

const INPUT_TYPES = { urifolder: 'UriFolder', urifile: 'UriFile' } as const;

function readInputData(inputData: Json): JobRequest['input'] {
  const entries = Object.entries(inputData);
  if (entries.length !== 1) {
    throw jobRequestError('InputData', `Model deployments take exactly one input; got ${entries.length}.`);
  }
  const [key, input] = entries[0] ?? ['', undefined];
  if (!isObject(input))
    throw jobRequestError(`InputData.${key}`, 'An input must be an object with JobInputType and Uri.');
  const rawType = scalarText(prop(input, 'jobInputType')) || 'UriFolder';
  const squashed = rawType.replace(/_/g, '').toLowerCase();
  if (squashed === 'literal') {
    throw jobRequestError(
      'InputData.Values[0]',
      `The specified job input type 'LiteralJobInput' is not supported. The supported types are: UriFileJobInput, UriFolderJobInput.`,
    );
  }
  const type = INPUT_TYPES[squashed as keyof typeof INPUT_TYPES] as JobRequest['input']['type'] | undefined;
  if (!type) {
    throw jobRequestError(
      'InputData.Values[0].JobInputType',
      `The specified job input type '${rawType}' is not supported. The supported types are: UriFileJobInput, UriFolderJobInput.`,
      rawType,
    );
  }
  const uri = optionalString(prop(input, 'uri'), `InputData.${key}.Uri`);
  if (!uri) throw jobRequestError(`InputData.${key}.Uri`, 'The input needs a Uri.');
  const recursive =
    prop(input, 'recursive') === true || String(prop(input, 'recursive')).toLowerCase() === 'true';
  return { type, uri, recursive, key };
}

function readLegacyDataset(dataset: Json): JobRequest['input'] {
  const kind = scalarText(prop(dataset, 'dataInputType')).toLowerCase();
  if (kind === 'dataurl') {
    const uri = optionalString(prop(dataset, 'path'), 'dataset.path');
    if (!uri) throw jobRequestError('dataset.Path', 'A DataUrl dataset needs a Path.');
    return { type: undefined, uri, recursive: false, key: 'dataset' };
  }
  if (kind === 'datasetversion') {
    const name = optionalString(prop(dataset, 'datasetName'), 'dataset.datasetName');
    const version = scalarText(prop(dataset, 'datasetVersion')) || 'latest';
    if (!name) throw jobRequestError('dataset.datasetName', 'A DatasetVersion dataset needs a datasetName.');
    return { type: undefined, uri: `azureml:${name}:${version}`, recursive: false, key: 'dataset' };
  }
  if (kind === 'datasetid') {
    const id = optionalString(prop(dataset, 'datasetId'), 'dataset.datasetId');
    if (!id) throw jobRequestError('dataset.datasetId', 'A DatasetId dataset needs a datasetId.');
    return { type: undefined, uri: id, recursive: false, key: 'dataset' };
  }
  throw jobRequestError(
    'dataset.dataInputType',
    `Use DataUrl, DatasetVersion or DatasetId.`,
    prop(dataset, 'dataInputType'),
  );
}

function readOutput(props: Json): JobRequest['output'] {
  const outputData = prop(props, 'outputData');
  if (isObject(outputData)) {
    const entries = Object.entries(outputData);
    if (entries.length > 1)
      throw jobRequestError(
        'OutputData',
        `Model deployments take exactly one output; got ${entries.length}.`,
      );
    const [key, output] = entries[0] ?? ['', undefined];
    if (output === undefined) return undefined;
    if (!isObject(output))
      throw jobRequestError(`OutputData.${key}`, 'An output must be an object with JobOutputType and Uri.');
    const type = scalarText(prop(output, 'jobOutputType')) || 'UriFile';
    if (type.replace(/_/g, '').toLowerCase() !== 'urifile') {
      throw jobRequestError(
        'OutputData.Values[0].JobOutputType',
        "Job output type must be 'uri_file'.",
        type.replace(/^Uri/, 'uri_').toLowerCase(),
      );
    }
    const uri = optionalString(prop(output, 'uri'), `OutputData.${key}.Uri`);
    if (!uri) throw jobRequestError(`OutputData.${key}.Uri`, 'The output needs a Uri (the output file).');
    return { kind: 'file', uri };
  }
  const legacy = prop(props, 'outputDataset');
  if (isObject(legacy)) {
    const datastoreId =
      optionalString(prop(legacy, 'datastoreId'), 'outputDataset.datastoreId') ?? 'workspaceblobstore';
    const datastore = datastoreId.split('/').filter(Boolean).pop() ?? 'workspaceblobstore';
    const path = optionalString(prop(legacy, 'path'), 'outputDataset.path') ?? '';
    return { kind: 'folder', uri: `azureml://datastores/${datastore}/paths/${path}` };
  }
  return undefined;
}

/** A count of files, or a size or row count that splits big tables for this job only. */
function miniBatchOverride(value: unknown): Pick<JobOverrides, 'miniBatchSize' | 'miniBatchSplit'> {
  const split = typeof value === 'string' ? formatSplitSize(value) : undefined;
  if (split !== undefined) return { miniBatchSplit: split };
  if (typeof value === 'string' && value.trim() !== '' && !/^\s*\d+\s*$/.test(value)) {
    throw new ValidationError(
      `'miniBatchSize' must be a number of files, a size such as "64MB" (KB, MB, GB) or a row count such as "100000 rows"; got ${JSON.stringify(value)}.`,
      'miniBatchSize',
    );
  }
  return { miniBatchSize: optionalInteger(value, 'miniBatchSize', { min: 1 }) };
}

function readOverrides(props: Json): JobOverrides {
  const retry = prop(props, 'retrySettings');
  const compute = prop(props, 'compute');
  const fileName = checkOutputFileName(prop(props, 'outputFileName'), 'outputFileName');
  const values: JobOverrides = {
    ...miniBatchOverride(prop(props, 'miniBatchSize')),
    instanceCount: optionalInteger(prop(compute, 'instanceCount'), 'compute.instanceCount', {
      min: 1,
      max: 64,
    }),
    maxConcurrencyPerInstance: optionalInteger(
      prop(props, 'maxConcurrencyPerInstance'),
      'maxConcurrencyPerInstance',
      { min: 1, max: 64 },
    ),
    errorThreshold: optionalInteger(prop(props, 'errorThreshold'), 'errorThreshold', { min: -1 }),
    maxRetries: optionalInteger(prop(retry, 'maxRetries'), 'retrySettings.maxRetries', { min: 0, max: 100 }),
    timeoutSeconds: optionalDurationSeconds(prop(retry, 'timeout'), 'retrySettings.timeout'),
    outputFileName: fileName,
  };
  return Object.fromEntries(Object.entries(values).filter(([, v]) => v !== undefined));
}

export function readJobRequest(body: unknown): JobRequest {
  if (!isObject(body))
    throw new ValidationError(`The request body must be a JSON object with 'properties'.`, 'properties');
  const props = prop(body, 'properties');
  if (!isObject(props))
    throw new ValidationError(`The request body needs a 'properties' object.`, 'properties');
  const inputData = prop(props, 'inputData');
  const dataset = prop(props, 'dataset');
  let input: JobRequest['input'];
  if (isObject(inputData)) input = readInputData(inputData);
  else if (isObject(dataset)) input = readLegacyDataset(dataset);
  else
    throw jobRequestError(
      'InputData',
      'The job needs an input: set properties.InputData with one input (JobInputType and Uri).',
    );
  if (prop(props, 'mlTable') !== undefined)
    throw new NotSupportedError('MLTable inputs are not supported for batch endpoints.');
  const name = optionalString(prop(props, 'name') ?? prop(body, 'name'), 'name');
  const output = readOutput(props);
  return {
    ...(name ? { name } : {}),
    description: optionalDescription(prop(props, 'description'), 'description') ?? '',
    tags: tagMap(prop(props, 'tags'), 'tags'),
    input,
    ...(output ? { output } : {}),
    overrides: readOverrides(props),
    inputData: isObject(inputData) ? inputData : { dataset },
  };
}
