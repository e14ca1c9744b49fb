/**
 * Data Factory datasets as Nightshift stores them: `properties: {type, linkedServiceName, parameters,
 * typeProperties: {location, ...format settings}}` for the file formats Copy and Get Metadata read
 * (Binary, DelimitedText, Parquet, Json) over the location types of the linked services served. Values may
 * be expressions over the dataset's own parameters (`@dataset().folder`), checked for syntax here and
 * evaluated when an activity uses the dataset with its parameter values.
 */
import { ValidationError } from '../../core/errors.ts';
import { isObject, type Json } from '../../core/wire-values.ts';
import type { LinkedServiceType } from './linked-services.ts';

export const DATASET_TYPES = ['Binary', 'DelimitedText', 'Parquet', 'Json'] as const;
export type DatasetType = (typeof DATASET_TYPES)[number];

/** The location type that goes with each linked service type. */
const LOCATION_OF: Record<LinkedServiceType, string> = {
  AzureBlobStorage: 'AzureBlobStorageLocation',
  AzureBlobFS: 'AzureBlobFSLocation',
  AmazonS3: 'AmazonS3Location',
  HttpServer: 'HttpServerLocation',
  NightshiftDatastore: 'NightshiftDatastoreLocation',
};

export interface DatasetProperties extends Json {
  type: DatasetType;
  linkedServiceName: { referenceName: string; type: 'LinkedServiceReference'; parameters?: Json };
  typeProperties: Json & { location: Json };
  parameters?: Record<string, { type: string; defaultValue?: unknown }>;
}

const PARAMETER_TYPES = ['string', 'int', 'float', 'bool', 'array', 'object', 'securestring'];

function checkParameters(value: unknown): void {
  if (value === undefined) return;
  if (!isObject(value)) {
    throw new ValidationError(
      `'properties.parameters' must be an object of {name: {type, defaultValue}}.`,
      'properties.parameters',
    );
  }
  for (const [name, spec] of Object.entries(value)) {
    const type = isObject(spec) && typeof spec['type'] === 'string' ? spec['type'].toLowerCase() : '';
    if (!PARAMETER_TYPES.includes(type)) {
      throw new ValidationError(
        `'properties.parameters.${name}.type' must be one of String, Int, Float, Bool, Array, Object, SecureString.`,
        `properties.parameters.${name}.type`,
      );
    }
  }
}

/**
 * Checks a PUT body's `properties` against the linked service it names (`linkedServiceType`, found by the
 * caller) and returns them; `checkExpressions` reports expression syntax problems.
 */
export function readDataset(
  body: unknown,
  linkedServiceType: (name: string) => Promise<LinkedServiceType | undefined>,
  checkExpressions: (value: unknown) => { path: string; message: string }[],
): Promise<DatasetProperties> {
  const properties = isObject(body) ? body['properties'] : undefined;
  if (!isObject(properties)) {
    return Promise.reject(
      new ValidationError(
        'The body needs "properties": {"type", "linkedServiceName", "typeProperties"}.',
        'properties',
      ),
    );
  }
  return checkDataset(properties, linkedServiceType, checkExpressions);
}

async function checkDataset(
  properties: Json,
  linkedServiceType: (name: string) => Promise<LinkedServiceType | undefined>,
  checkExpressions: (value: unknown) => { path: string; message: string }[],
): Promise<DatasetProperties> {
  const type = DATASET_TYPES.find((t) => t.toLowerCase() === String(properties['type']).toLowerCase());
  if (type === undefined) {
    throw new ValidationError(
      `'properties.type' is ${JSON.stringify(properties['type'])}; Nightshift serves ${DATASET_TYPES.join(', ')} datasets.`,
      'properties.type',
    );
  }
  const reference = isObject(properties['linkedServiceName']) ? properties['linkedServiceName'] : {};
  const name = reference['referenceName'];
  if (typeof name !== 'string' || name === '') {
    throw new ValidationError(
      `'properties.linkedServiceName' is required: {"referenceName": "<linked service>", "type": "LinkedServiceReference"}.`,
      'properties.linkedServiceName',
    );
  }
  const serviceType = await linkedServiceType(name);
  if (serviceType === undefined) {
    throw new ValidationError(
      `'properties.linkedServiceName' names linked service '${name}', which does not exist; create it first (nightshift pipeline linked-service create).`,
      'properties.linkedServiceName.referenceName',
    );
  }
  const typeProperties = properties['typeProperties'];
  const location = isObject(typeProperties) ? typeProperties['location'] : undefined;
  if (!isObject(typeProperties) || !isObject(location)) {
    throw new ValidationError(
      `'properties.typeProperties.location' is required: {"type": "${LOCATION_OF[serviceType]}", "folderPath", "fileName", ...}.`,
      'properties.typeProperties.location',
    );
  }
  if (String(location['type']).toLowerCase() !== LOCATION_OF[serviceType].toLowerCase()) {
    throw new ValidationError(
      `'properties.typeProperties.location.type' is ${JSON.stringify(location['type'])}; linked service '${name}' is ${serviceType}, so use ${LOCATION_OF[serviceType]}.`,
      'properties.typeProperties.location.type',
    );
  }
  checkParameters(properties['parameters']);
  const problems = checkExpressions(typeProperties);
  const [first] = problems;
  if (first !== undefined) {
    throw new ValidationError(
      `'properties.typeProperties${first.path.startsWith('[') || first.path === '' ? '' : '.'}${first.path}': ${first.message}`,
      `properties.typeProperties.${first.path}`,
    );
  }
  return {
    ...properties,
    type,
    linkedServiceName: { ...reference, referenceName: name, type: 'LinkedServiceReference' },
    typeProperties: { ...typeProperties, location: { ...location, type: LOCATION_OF[serviceType] } },
  };
}
