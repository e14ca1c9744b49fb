/**
 * The invoke form's values and the request body they make: Azure's batch job body with one input under
 * `properties.InputData` (a folder or a file, as the person says or the data asset's version is) and, when an
 * output folder is given, `properties.outputDataset` as the CLI sends it. An output that is not a datastore
 * folder is refused here with the CLI's own words, naming the field.
 */
import { dataAssetRef } from './data-asset-picker.tsx';

export type Field = 'input' | 'deployment' | 'output' | 'form';

export interface InvokeValues {
  source: 'path' | 'asset';
  path: string;
  asset: string;
  version: string;
  deployment: string;
  output: string;
  /** What the input is; for a data asset, the picker sets it from the version's type. */
  kind: 'UriFolder' | 'UriFile';
}

export class FieldError extends Error {
  readonly field: Field;
  constructor(field: Field, message: string) {
    super(message);
    this.field = field;
  }
}

function inputUri(values: InvokeValues): string {
  if (values.source === 'asset') {
    if (values.asset === '') throw new FieldError('input', 'Choose a data asset.');
    return dataAssetRef(values.asset, values.version);
  }
  const path = values.path.trim();
  if (path === '') {
    throw new FieldError('input', 'Enter a datastore path: azureml://datastores/<datastore>/paths/<folder>.');
  }
  return path;
}

function outputDataset(output: string): Record<string, unknown> {
  const text = output.trim();
  if (text === '') return {};
  const match = /^azureml:\/\/datastores\/([^/]+)\/paths\/?(.*)$/i.exec(text);
  if (!match) {
    throw new FieldError(
      'output',
      `The output folder must look like azureml://datastores/<datastore>/paths/<folder>; got '${text}'.`,
    );
  }
  return { outputDataset: { datastoreId: match[1], path: match[2] ?? '' } };
}

export function requestBody(values: InvokeValues): { properties: Record<string, unknown> } {
  return {
    properties: {
      InputData: { input_data: { JobInputType: values.kind, Uri: inputUri(values) } },
      ...outputDataset(values.output),
    },
  };
}
