/**
 * Schedule YAML to the ARM body, client-side as az does: Azure ML's schedule fields (`name`,
 * `display_name`, `description`, `tags`, `trigger` of type cron or recurrence) and, for the action, an
 * `invoke_batch_endpoint` block named after the ARM actionType InvokeBatchEndpoint as Azure's other
 * schedule actions are (`create_job`, `import_data`): `endpoint`, `deployment` (optional: the default),
 * one input (`inputs.NAME` with `type` uri_folder|uri_file and `path`, or a data asset `azureml:NAME:VER`)
 * and an optional output file (`outputs.NAME` with `path`), whose paths may hold `{date}`-style
 * placeholders. The trigger is checked here with the server's own reader so a typo points at its line.
 */
import { DomainError } from '../../core/errors.ts';
import { specFieldError, type YamlSpecSource } from '../../core/spec/yaml-source.ts';
import type { Json } from '../../core/wire-values.ts';
import { readScheduleTrigger } from '../../engine/schedules/schedule-trigger.ts';
import {
  optionalMap,
  optionalString,
  optionalStringMap,
  refuseUnknownFields,
  requiredString,
} from './spec-fields.ts';

const SCHEDULE_FIELDS = [
  'name',
  'display_name',
  'description',
  'tags',
  'is_enabled',
  'trigger',
  'invoke_batch_endpoint',
] as const;
const ACTION = 'invoke_batch_endpoint';
const ACTION_FIELDS = ['endpoint', 'deployment', 'inputs', 'outputs', 'tags', 'description'] as const;
const INPUT_TYPES: Record<string, string> = { uri_folder: 'UriFolder', uri_file: 'UriFile' };

function oneEntry(source: YamlSpecSource, path: string, required: boolean): [string, string] | undefined {
  const map = optionalMap(source, path);
  const keys = Object.keys(map ?? {});
  if (keys.length === 0 && !required) return undefined;
  if (keys.length !== 1)
    throw specFieldError(
      source,
      path,
      `must name exactly one ${path.endsWith('inputs') ? 'input' : 'output'}, got ${keys.length}`,
    );
  const key = keys[0] ?? '';
  return [key, `${path}.${key}`];
}

function inputData(source: YamlSpecSource): Json {
  const [key, field] = oneEntry(source, `${ACTION}.inputs`, true) ?? ['', ''];
  refuseUnknownFields(source, field, ['type', 'path', 'mode']);
  const path = requiredString(
    source,
    `${field}.path`,
    'a datastore URI (azureml://datastores/NAME/paths/...) or a data asset (azureml:NAME:VERSION)',
  );
  if (!/^(azureml:|[a-z][a-z0-9+.-]*:\/\/)/i.test(path))
    throw specFieldError(
      source,
      `${field}.path`,
      'must be in a datastore or a data asset: a schedule cannot upload a local folder each night',
    );
  const type = optionalString(source, `${field}.type`);
  const jobType = type === undefined ? undefined : INPUT_TYPES[type.toLowerCase()];
  if (type !== undefined && jobType === undefined)
    throw specFieldError(source, `${field}.type`, 'must be uri_folder or uri_file');
  return { [key]: { ...(jobType ? { JobInputType: jobType } : {}), Uri: path } };
}

function outputData(source: YamlSpecSource): Json | undefined {
  const entry = oneEntry(source, `${ACTION}.outputs`, false);
  if (!entry) return undefined;
  const [key, field] = entry;
  refuseUnknownFields(source, field, ['type', 'path']);
  const type = optionalString(source, `${field}.type`);
  if (type !== undefined && type.toLowerCase() !== 'uri_file')
    throw specFieldError(source, `${field}.type`, 'must be uri_file (the output file of the job)');
  const path = requiredString(
    source,
    `${field}.path`,
    'azureml://datastores/NAME/paths/FOLDER/{date}/predictions.csv',
  );
  return { [key]: { JobOutputType: 'UriFile', Uri: path } };
}

function trigger(source: YamlSpecSource): Json {
  if (optionalMap(source, 'trigger') === undefined)
    throw specFieldError(
      source,
      'trigger',
      'is required: type: cron with expression, or type: recurrence with frequency',
    );
  try {
    return readScheduleTrigger(source.doc.trigger, 'trigger') as unknown as Json;
  } catch (error) {
    if (!(error instanceof DomainError)) throw error;
    throw specFieldError(source, 'trigger', error.message);
  }
}

function enabled(source: YamlSpecSource): boolean {
  const value = source.doc.is_enabled;
  if (value === undefined || value === null) return true;
  if (typeof value === 'boolean') return value;
  throw specFieldError(source, 'is_enabled', 'must be true or false');
}

export function scheduleRequest(source: YamlSpecSource, nameFlag?: string): { name: string; body: Json } {
  refuseUnknownFields(source, '', SCHEDULE_FIELDS);
  const name = nameFlag ?? requiredString(source, 'name');
  if (optionalMap(source, ACTION) === undefined)
    throw specFieldError(
      source,
      ACTION,
      'is required: endpoint, inputs and (optionally) deployment and outputs',
    );
  refuseUnknownFields(source, ACTION, ACTION_FIELDS);
  const deployment = optionalString(source, `${ACTION}.deployment`);
  const output = outputData(source);
  const jobTags = optionalStringMap(source, `${ACTION}.tags`);
  const jobDescription = optionalString(source, `${ACTION}.description`);
  const properties: Json = {
    InputData: inputData(source),
    ...(output ? { OutputData: output } : {}),
    ...(jobTags ? { tags: jobTags } : {}),
    ...(jobDescription === undefined ? {} : { description: jobDescription }),
  };
  return {
    name,
    body: {
      properties: {
        displayName: optionalString(source, 'display_name') ?? name,
        description: optionalString(source, 'description') ?? '',
        tags: optionalStringMap(source, 'tags') ?? {},
        isEnabled: enabled(source),
        trigger: trigger(source),
        action: {
          actionType: 'InvokeBatchEndpoint',
          endpointInvocationDefinition: {
            endpointName: requiredString(source, `${ACTION}.endpoint`, 'the batch endpoint to invoke'),
            ...(deployment ? { deploymentName: deployment } : {}),
            properties,
          },
        },
      },
    },
  };
}
